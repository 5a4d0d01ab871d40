"""Translations: every customer-facing string goes through gettext, and pages follow the browser.

The pseudo-language that finds unwrapped strings is in tests/pseudo_locale.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from portal.extensions import db
from portal.models import CaseEvent, utcnow
from tests import factories
from tests.pseudo_locale import GERMAN, untranslated


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
