"""One zone per page, said out loud: <html data-timezone>, labelled due times, the choice."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import render_template_string

from portal.extensions import db
from portal.models import Role, utcnow
from portal.services import cases, promises
from portal.web.formatting import fulltime, when
from tests import factories


def _case_with_promise(zone: str | None = None):
    sam, admin, case = factories.sams_late_groceries(zone)
    promises.make(case, admin, "Call the depot", admin, utcnow() + timedelta(days=2))
    db.session.commit()
    return sam, admin, case


def test_the_page_names_the_zone_it_was_written_in(client, login):
    sam, _, case = _case_with_promise()
    login(client, sam)
    page = client.get(f"/cases/{case.reference}").text
    assert 'data-timezone="Europe/London"' in page  # the site default, never the browser's
    assert 'id="zone-offer"' in page  # offered, for JS to show if the browser differs


def test_due_and_expected_times_say_their_zone(client, login):
    sam, admin, case = _case_with_promise("America/New_York")
    login(client, sam)
    page = client.get(f"/cases/{case.reference}").text
    assert 'data-timezone="America/New_York"' in page
    assert 'id="zone-offer"' not in page  # Sam chose already
    due = re.search(r"Due by (\w+ \d\d:\d\d (\w+))", page)
    expected = re.search(r"Next update expected by (\w+ \d\d:\d\d (\w+))", page)
    assert due and due.group(2) in ("EST", "EDT"), page
    assert expected and expected.group(2) in ("EST", "EDT")
    client.post("/logout")
    admin.timezone = "America/New_York"
    db.session.commit()
    login(client, admin)
    staff = client.get(f"/admin/cases/{case.reference}").text
    assert 'data-timezone="America/New_York"' in staff
    assert f"due {due.group(1)}" in staff  # the same promise, the same time, the same words


def test_a_customer_chooses_a_zone_and_goes_back_where_they_were(client, login):
    sam, _, case = _case_with_promise()
    login(client, sam)
    assert 'name="timezone"' in client.get("/profile").text
    back = f"/cases/{case.reference}"
    saved = client.post("/profile/time-zone", data={"timezone": "America/New_York",
                                                    "next": back})
    assert saved.status_code == 302 and saved.headers["Location"] == back
    assert sam.timezone == "America/New_York"
    page = client.get(back).text
    assert "Saved: times are now shown in New York time." in page
    assert 'data-timezone="America/New_York"' in page


def test_an_unknown_zone_or_a_foreign_next_is_refused(client, login):
    sam, _, _ = _case_with_promise()
    login(client, sam)
    assert client.post("/profile/time-zone", data={"timezone": "Mars/Olympus"}).status_code == 400
    assert sam.timezone is None
    away = client.post("/profile/time-zone", data={"timezone": "Asia/Tokyo",
                                                   "next": "//evil.example/"})
    assert away.headers["Location"] == "/profile#time-zone"


def test_staff_choose_their_zone_on_their_account_page(client, login):
    agent = factories.staff(Role.AGENT, [factories.department()], "Tom Berger", "tom@example.com")
    db.session.commit()
    login(client, agent)
    assert 'name="timezone"' in client.get("/admin/account/security").text
    saved = client.post("/admin/account/time-zone", data={"timezone": "Asia/Tokyo"})
    assert saved.headers["Location"] == "/admin/account/security#time-zone"
    assert agent.timezone == "Asia/Tokyo"
    assert 'data-timezone="Asia/Tokyo"' in client.get("/admin/account/security").text


CLOCK = re.compile(r"(?<![\dT:+-])(\d{1,2}:\d\d)(?![\d:])(\s?[AaPp][Mm])?")  # not ISO stamps


def _clocks(page: str) -> set[bool]:
    """For every time of day on the page: whether it is on a 12-hour clock."""
    return {bool(m.group(2)) for m in CLOCK.finditer(page)}


def test_an_en_us_browser_reads_every_time_on_the_page_on_a_12_hour_clock(client, login):
    sam, admin, case = _case_with_promise("America/New_York")
    cases.add_staff_reply(case, admin, "We are on it.")  # a history time as well
    db.session.commit()
    login(client, sam)
    us = client.get(f"/cases/{case.reference}", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert _clocks(us.text) == {True}  # history, due and expected alike
    assert re.search(r"Due by \w+ \d{1,2}:\d\d [AP]M E[SD]T", us.text)
    gb = client.get(f"/cases/{case.reference}", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert _clocks(gb.text) == {False}
    plain = client.get(f"/cases/{case.reference}", headers={"Accept-Language": "en"})
    assert _clocks(plain.text) == {False}  # no region said: the site's 24 hours


def test_an_email_keeps_its_recipients_clock_not_the_senders_browsers(app):
    sam = factories.customer("Sam Okoro", "sam@example.com")
    moment = datetime(2026, 7, 1, 13, 0, tzinfo=UTC)
    with app.test_request_context(headers={"Accept-Language": "en-US"}):
        assert fulltime(moment) == "Wed 01 Jul 2026, 2:00 PM BST"  # the viewer's page
        assert fulltime(moment, sam) == "Wed 01 Jul 2026, 14:00 BST"  # Sam's email


# The time macro's element as the template made it, filter by filter, before `when` made it
# in one call.
FOUR_FILTERS = ('<time class="when" datetime="{{ m|isotime }}" title="{{ m|fulltime }}">'
                '<span class="when__ago">{{ m|timeago }}</span> '
                '<span class="when__at">({{ m|whentime }})</span></time>')


@pytest.mark.parametrize("language", ["en-GB,en;q=0.9", "en-US,en;q=0.9", "de"])
def test_the_time_element_reads_as_the_four_filters_did(app, pseudo_german, language):
    now = utcnow()
    moments = [None, now, now - timedelta(minutes=5), now - timedelta(days=40),
               now - timedelta(days=400), now + timedelta(hours=3)]
    for moment in moments:
        with app.test_request_context("/", headers={"Accept-Language": language}):
            assert str(when(moment)) == render_template_string(FOUR_FILTERS, m=moment)
