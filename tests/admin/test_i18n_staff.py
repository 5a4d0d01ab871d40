"""Staff pages are ready for translation too: in the pseudo-language nothing stays unwrapped.

What people wrote (names, titles, messages, notes) stays as written in every language, so
the words stored in the database are allowed; every other word must come from a catalogue.
"""

from __future__ import annotations

import pytest

from portal.models import Role
from tests import factories
from tests.demo_world import case_of, staff_pages
from tests.pseudo_locale import GERMAN, stored_words, untranslated


@pytest.fixture
def admin_in_german(client, login, world, pseudo_german):
    login(client, factories.staff(Role.ADMIN, name="Ada Lovelace"))
    return client


def test_every_staff_page_in_the_pseudo_language(admin_in_german):
    allowed = stored_words()
    found = {}
    for name, url in staff_pages():
        page = admin_in_german.get(url, headers=GERMAN)
        assert page.status_code in (200, 404), (name, page.status_code)
        left = untranslated(page.text) - allowed
        if left:
            found[name] = sorted(left)
    assert not found, "\n".join(f"{name}: {' '.join(words)}" for name, words in found.items())


def test_staff_sign_in_and_its_errors(client, pseudo_german):
    page = client.get("/admin/login", headers=GERMAN)
    assert untranslated(page.text) == set()
    errors = client.post("/admin/login", data={}, headers=GERMAN)
    assert untranslated(errors.text) == set()


def test_staff_flashes_and_form_errors(admin_in_german):
    client = admin_in_german
    reference = case_of("dana@example.com").reference
    answer = client.post(f"/admin/cases/{reference}/replies", data={"kind": "public"},
                         headers=GERMAN)
    assert answer.status_code == 422
    assert untranslated(answer.text) - stored_words() == set()
    client.post(f"/admin/cases/{reference}/status", headers=GERMAN, data={
        "status": "in_progress", "explanation": "", "confirm": "yes"})
    page = client.get(f"/admin/cases/{reference}", headers=GERMAN)
    assert "⟦Status changed.⟧" in page.text
