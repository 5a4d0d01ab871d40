"""What the case page says and where it sends focus: times, late updates, files, replies."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from werkzeug.datastructures import FileStorage

from portal.extensions import db
from portal.services import attachments, cases, promises
from tests import factories

HTMX = {"HX-Request": "true"}
TUESDAY_10AM = datetime(2026, 12, 1, 10, tzinfo=UTC)


def _case_with_standard():
    sam, _, case = factories.sams_late_groceries("Asia/Tokyo")
    db.session.commit()
    return sam, case


def test_a_late_update_is_owned_up_to_not_promised_in_the_past(client, login):
    with time_machine.travel(TUESDAY_10AM, tick=False):  # inside working hours
        sam, case = _case_with_standard()
        login(client, sam)
        assert "Next update expected by" in client.get(f"/cases/{case.reference}").text
    with time_machine.travel(TUESDAY_10AM + timedelta(hours=3)):  # first answer due in 1 h
        late = client.get(f"/cases/{case.reference}").text
    assert "We are late, and sorry." in late and "Next update expected by" not in late


def test_a_late_update_and_the_late_promise_name_the_same_time(client, login):
    """Story 5: June promised Sam an update later than the standard's cadence; once both have
    passed, the page owns up to one time, the one June gave, not two that disagree."""
    with time_machine.travel(TUESDAY_10AM, tick=False):
        sam, case = _case_with_standard()
        agent = factories.staff(departments=[case.department])
        cases.add_staff_reply(case, agent, "We are tracing it; an update by next Tuesday.")
        promises.make(case, agent, "Tell you where your delivery is", agent,
                      TUESDAY_10AM + timedelta(days=7, hours=4))
    with time_machine.travel(TUESDAY_10AM + timedelta(days=9)):
        login(client, sam)
        page = client.get(f"/cases/{case.reference}").text
    owed = re.search(r"We owed you an update by ([^.]+)\.", page)
    overdue = re.search(r"Overdue since ([^<]+)</strong>", page)
    assert owed and overdue, page
    assert owed.group(1) == overdue.group(1)


def test_times_are_machine_readable_in_the_viewers_zone_with_how_long_ago(client, login):
    sam, case = _case_with_standard()
    opened = case.created_at
    login(client, sam)
    with time_machine.travel(opened + timedelta(hours=3, minutes=5)):
        page = client.get(f"/cases/{case.reference}").text
    local = opened.astimezone(ZoneInfo("Asia/Tokyo"))
    stamp = re.escape(opened.isoformat(timespec="seconds"))
    found = re.search(rf'<time class="when" datetime="{stamp}" title="([^"]+)">'
                      r'<span class="when__ago">([^<]+)</span> '
                      r'<span class="when__at">\(([^)]+)\)</span></time>', page)
    assert found, "no <time> for the opening event"
    assert found.group(1).endswith("JST")  # Sam chose Tokyo
    assert found.group(2) == "3 hours ago"
    assert found.group(3) == local.strftime("%a %d %b, %H:%M")
    assert 'data-timezone="Asia/Tokyo"' in page  # so the browser keeps Sam's own zone


def test_small_files_show_their_size_in_bytes(client, login):
    dana = factories.customer(email="dana@example.com")
    case = factories.case(dana)
    files = attachments.check_uploads([FileStorage(io.BytesIO(b"Paid 12 March."),
                                                   filename="receipt.txt")])
    cases.add_customer_message(case, dana, "The receipt.", files=files)
    db.session.commit()
    login(client, dana)
    page = client.get(f"/cases/{case.reference}").text
    assert "receipt.txt</a> <span class=\"muted\">(14 Bytes)</span>" in page


def test_a_reply_swapped_in_by_htmx_is_where_focus_goes(client, login):
    dana = factories.customer(email="dana@example.com")
    case = factories.case(dana)
    db.session.commit()
    login(client, dana)
    answer = client.post(f"/cases/{case.reference}/replies", data={"body": "My VIN is 123."},
                         headers=HTMX)
    assert answer.status_code == 200
    marked = [li for li in answer.text.split('<li class="event')[1:]
              if "data-focus-after-swap" in li.split(">", 1)[0]]
    assert len(marked) == 1, "exactly one entry takes focus"
    assert "My VIN is 123." in marked[0] and 'data-announce="Your reply is sent' in marked[0]
    # A plain page (no JavaScript, or a reload) moves no focus.
    page = client.get(f"/cases/{case.reference}").text
    assert "data-focus-after-swap" not in page
