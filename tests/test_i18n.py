"""Translations: every customer-facing string goes through gettext, and pages follow the browser.

The pseudo-language that finds unwrapped strings is in tests/pseudo_locale.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from portal import demo
from portal.extensions import db
from portal.models import Case, CaseEvent, utcnow
from portal.web.formatting import filesize, fulltime, minutes
from tests import factories
from tests.demo_world import user
from tests.pseudo_locale import GERMAN, stored_words, untranslated


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


DEMO_CUSTOMERS = ("dana", "ravi", "mei", "johnson", "lena")


def test_customer_case_pages_of_the_demo_world(client, world, pseudo_german):
    """Every case page of the demo customers: only what people wrote stays unwrapped."""
    allowed = stored_words()
    found = {}
    for name in DEMO_CUSTOMERS:
        customer = user(f"{name}@example.com")
        references = [case.reference for case in db.session.scalars(
            select(Case).where(Case.customer_id == customer.id).order_by(Case.id))]
        client.post("/logout")
        signed_in = client.post("/login", data={"email": customer.email,
                                                "password": demo.PASSWORD})
        assert signed_in.status_code == 302, signed_in.text
        for path in ["/cases", "/profile", *(f"/cases/{ref}" for ref in references)]:
            page = client.get(path, headers=GERMAN)
            assert page.status_code == 200, (name, path)
            left = untranslated(page.text) - allowed
            if left:
                found[f"{name} {path}"] = sorted(left)
    assert not found, "\n".join(f"{where}: {' '.join(words)}" for where, words in found.items())


def test_times_durations_and_sizes_follow_the_language(app, pseudo_german):
    moment = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
    # Each in an app context of its own (the locale is kept in `g`), as requests are served.
    with app.app_context(), app.test_request_context(headers=GERMAN):
        assert fulltime(moment) == "Do., 26. Nov. 2026, 17:00 +0000"  # Babel's German
        assert (minutes(2880), minutes(90)) == ("⟦2 days⟧", "⟦1 h⟧ ⟦30 min⟧")
        assert filesize(64) == "64 Byte"
    with app.app_context(), app.test_request_context():  # English: strftime's and Jinja's
        assert fulltime(moment) == "Thu 26 Nov 2026, 17:00 GMT"
        assert (minutes(2880), minutes(90)) == ("2 days", "1 h 30 min")
        assert filesize(64) == "64 Bytes"


def test_words_people_wrote_inside_a_translated_sentence_are_escaped(app):
    """Flask-Babel's own lazy strings skip escaping; ours do not (a promise's words in a page)."""
    from flask import render_template_string

    from portal.web.lazy_text import lazy_gettext

    with app.test_request_context():
        html = render_template_string(
            "{{ headline }}", headline=lazy_gettext("We promised: %(what)s",
                                                    what='<img src=x onerror="alert(1)">'))
    assert html == "We promised: &lt;img src=x onerror=&#34;alert(1)&#34;&gt;"
