"""Translations: every customer-facing string goes through gettext, and pages follow the browser.

`pybabel extract` runs as README tells translators to run it. Its catalogue is then
"translated" into a pseudo-language (each string wrapped in ⟦…⟧) and installed as German for
the length of a test: a page asked for in German that still shows an unwrapped word has a
string nobody can translate.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import get_babel
from sqlalchemy import update

from portal.extensions import babel, db
from portal.models import CaseEvent, utcnow
from tests import factories

ROOT = Path(__file__).resolve().parents[1]
GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
# Words that stay as they are in every language: the product's name and the signed-in person.
KEEP = {"Caseloop", "Nina", "Newcomer"}


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    """What `pybabel extract -F babel.cfg` finds (the command README gives)."""
    out = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(  # noqa: S603 - our own tool, fixed arguments
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-o", str(out), "."],
        cwd=ROOT, check=True, capture_output=True)
    with out.open("rb") as pot:
        return read_po(pot)


def _pseudo(text: str) -> str:
    return f"⟦{text}⟧"


@pytest.fixture
def pseudo_german(app, catalogue, tmp_path, monkeypatch):
    """The extracted catalogue, each string wrapped in ⟦…⟧, installed as German for one test."""
    for message in catalogue:
        if not message.id:
            continue
        if message.pluralizable:
            message.string = tuple(_pseudo(form) for form in message.id)
        else:
            message.string = _pseudo(message.id)
    folder = tmp_path / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as mo:
        write_mo(mo, catalogue)
    monkeypatch.setattr(get_babel(app), "translation_directories", [str(tmp_path)])
    babel.domain_instance.cache.clear()
    yield
    babel.domain_instance.cache.clear()


class _Visible(HTMLParser):
    """The text a person sees or hears: body text, aria-labels and the title."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("aria-label", "title", "data-announce") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def untranslated(html: str) -> set[str]:
    """Words on the page outside any ⟦translated⟧ string."""
    parser = _Visible()
    parser.feed(html)
    rest = re.sub(r"⟦[^⟧]*⟧", " ", " ".join(parser.parts))
    return {word for word in re.findall(r"[^\W\d_]{2,}", rest)} - KEEP


def test_the_extractor_finds_the_customer_strings(catalogue):
    found = {message.id for message in catalogue if message.id}
    expected = {
        "Skip to content", "My cases", "Sign out",  # base.html
        "Follow your cases and answer us in one place.",  # a template
        "Updated %(time)s",  # {% trans %} with a variable
        "Write your reply first.",  # a form's message (lazy_gettext)
        "You are signed out.",  # a flash message
        "Please sign in to see that page.",  # Flask-Login's message
        "just now",  # relative times
    }
    assert expected <= found, sorted(expected - found)
    assert len(found) >= 120


@pytest.mark.parametrize("path", ["/login", "/signup", "/reset"])
def test_signed_out_pages_are_wholly_translatable(client, pseudo_german, path):
    page = client.get(path, headers=GERMAN)
    assert page.status_code == 200
    assert '<html lang="de"' in page.text
    assert "Accept-Language" in page.headers["Vary"]
    assert untranslated(page.text) == set()
    errors = client.post(path, data={}, headers=GERMAN)  # the messages next to each field
    assert "⟦Enter your email address.⟧" in errors.text
    assert untranslated(errors.text) == set()


def test_signed_in_pages_and_flashes_follow_the_browser(client, login, pseudo_german):
    nina = factories.customer("Nina Newcomer", "nina@example.com")
    login(client, nina)
    for path in ("/cases", "/cases/new"):
        assert untranslated(client.get(path, headers=GERMAN).text) == set(), path
    client.post("/logout", headers=GERMAN)
    page = client.get("/login", headers=GERMAN)
    assert "⟦You are signed out.⟧" in page.text
    # Other languages, or none, get English: the source language.
    for headers in ({"Accept-Language": "fr-FR"}, {}):
        english = client.get("/login", headers=headers).text
        assert '<html lang="en"' in english and "Follow your cases" in english
        assert "⟦" not in english


def test_a_case_page_in_german(client, login, pseudo_german):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    case = factories.case(dana, "Recall RC-42 not booked")
    db.session.execute(update(CaseEvent).where(CaseEvent.case_id == case.id)
                       .values(created_at=utcnow() - timedelta(hours=3)))
    db.session.commit()
    login(client, dana)
    page = client.get(f"/cases/{case.reference}", headers=GERMAN).text
    for text in ("⟦History⟧", "⟦You opened this case⟧", "⟦Send reply⟧", "⟦Your reply⟧",
                 "⟦My cases⟧"):
        assert text in page
    assert "vor 3 Stunden" in page  # relative times come from Babel's own German
    assert "Recall RC-42 not booked" in page  # what the customer wrote stays as written
