"""My cases' cards come from a cache (portal/customer/case_cards.py): the list must read
exactly as rendered from scratch, and whatever a customer would notice shows on the next
load, the moment of the last update included as the clock moves."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from portal.extensions import cache, db
from portal.models import Sharing, Status, utcnow
from portal.services import cases, customer_seen, organisations, participants
from tests import factories
from tests.portal.test_case_fragment_cache import _three_ways
from tests.pseudo_locale import GERMAN

HX = {"HX-Request": "true"}


def _stable(page: str) -> str:
    """The page without what changes between two renders anyway: tokens."""
    return re.sub(r"[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}", "TOKEN", page)


def _card(page: str, ref: str) -> str:
    found = re.search(rf'<li class="case-card(?:(?!</li>).)*{ref}.*?</li>', page, re.S)
    assert found, f"{ref} is not listed"
    return found.group(0)


@pytest.fixture
def desk():
    """Dana's own cases in several states, one shared with her, one of her organisation."""
    dep = factories.department("Service")
    cat = factories.category(dep, "Servicing")
    agent = factories.staff(departments=[dep], name="Tom Berger")
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    chris = factories.customer("Chris <Lee>", "chris@example.com")
    org = organisations.create(None, "Whitfield Motors", sharing=Sharing.ALL)
    organisations.add_member(org, None, dana.email)
    organisations.add_member(org, None, chris.email)
    own = [factories.case(dana, f"Brake noise {n} & <squeal>", "It squeals.", cat)
           for n in range(3)]
    cases.add_staff_reply(own[1], agent, "Parts are due on Monday.")
    cases.change_status(own[2], agent, Status.RESOLVED, "New pads fitted.")
    shared = factories.case(chris, "Fleet recall", "Six vans.", cat)
    participants.add(shared, chris, dana.email)
    factories.case(chris, "Chris's own", "Only ours.", cat)
    db.session.commit()
    return agent, dana, chris, own, shared


@pytest.mark.parametrize("headers", [{}, GERMAN], ids=["English", "German"])
def test_my_cases_read_the_same_from_the_cache_as_rendered_fresh(
        client, login, desk, pseudo_german, headers):
    _agent, dana, _chris, own, shared = desk
    login(client, dana)
    for extra in ({}, HX):
        cache.clear()
        cold = client.get("/cases", headers={**headers, **extra})
        warm = client.get("/cases", headers={**headers, **extra})
        assert cold.status_code == warm.status_code == 200
        assert _stable(warm.text) == _stable(cold.text)
    page = client.get("/cases", headers=headers).text
    assert all(case.reference in page for case in own + [shared])
    assert "Brake noise 0 &amp; &lt;squeal&gt;" in page and "Chris &lt;Lee&gt;" in page
    if headers:  # cards cached in English are not served to a German reader, nor back
        assert "⟦" in _card(page, own[0].reference)
        assert "⟦" not in _card(client.get("/cases").text, own[0].reference)


def test_what_a_customer_would_notice_shows_on_the_next_load(client, login, desk):
    agent, dana, chris, own, shared = desk
    login(client, dana)
    ref = own[0].reference
    first = _card(client.get("/cases").text, ref)
    assert "case-card--unseen" not in first

    cases.change_status(own[0], agent, Status.WAITING_ON_THIRD_PARTY)
    changed = _card(client.get("/cases").text, ref)
    assert changed != first and "case-card--unseen" in changed and "New update" in changed

    customer_seen.mark_seen(own[0])
    db.session.commit()
    assert "New update" not in _card(client.get("/cases").text, ref)

    own[0].title = "Brake noise, now a rattle"
    db.session.commit()
    assert "now a rattle" in _card(client.get("/cases").text, ref)

    before = _card(client.get("/cases").text, shared.reference)
    chris.name = "Chris Lee-Okoro"
    db.session.commit()
    after = _card(client.get("/cases").text, shared.reference)
    assert "Chris Lee-Okoro" in after and after != before


def test_the_moment_of_the_last_update_moves_with_the_clock(client, login, desk):
    _agent, dana, _chris, own, _shared = desk
    login(client, dana)
    ref = own[0].reference
    now = utcnow()
    with time_machine.travel(now + timedelta(minutes=5), tick=False):
        soon = _card(client.get("/cases").text, ref)
    with time_machine.travel(now + timedelta(hours=3), tick=False):
        later = _card(client.get("/cases").text, ref)
    assert "5 minutes ago" in soon and "3 hours ago" in later



@pytest.mark.parametrize("reader", ["dana", "chris"])
@pytest.mark.parametrize("language, zone", [("en-GB", None), ("en-US", "America/New_York"),
                                            ("de", "Europe/Berlin")])
def test_the_whole_list_reads_the_same_cold_warm_and_without_the_cache(
        app, client, login, desk, pseudo_german, monkeypatch, reader, language, zone):
    """The list is kept whole (case_cards.list_shown), its moments filled on every load."""
    _agent, dana, chris, own, shared = desk
    person = dana if reader == "dana" else chris
    person.timezone = zone
    db.session.commit()
    login(client, person)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    monkeypatch.setattr(cases.cases_for, "__defaults__", (None, 1))  # pages of one case
    first = None
    for extra in ({}, HX):
        uncached, cold, warm = _three_ways(app, client, "/cases",
                                           **{"Accept-Language": language, **extra})
        assert uncached == cold == warm and 'class="when"' in cold
        first = first or cold
    older = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    uncached, cold, warm = _three_ways(app, client, older, **{"Accept-Language": language})
    assert uncached == cold == warm and "case-card" in cold


def test_a_case_coming_and_going_shows_on_the_next_load(client, login, desk):
    agent, dana, chris, own, shared = desk
    login(client, dana)
    page = client.get("/cases").text
    assert shared.reference in page and "Our organisation" in page
    participants.remove(shared, chris, participants.of_case(shared)[0].id)
    org = organisations.of(dana)
    organisations.remove_member(org, None, chris.id)
    db.session.commit()
    page = client.get("/cases").text
    assert shared.reference not in page and "Our organisation" not in page
    new = factories.case(dana, "Wipers", "They smear.", own[0].category)
    db.session.commit()
    assert new.reference in client.get("/cases").text
