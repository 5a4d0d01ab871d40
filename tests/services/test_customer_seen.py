"""When the customer saw the case: written once per change, shown after our latest reply."""

from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import update

from portal.extensions import db
from portal.models import Case, EventKind
from portal.services import cases, customer_seen, timeline
from tests import factories
from tests.helpers import statements_sent

MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def case_writes() -> AbstractContextManager[list[str]]:
    """Every UPDATE of the cases table sent while the block runs."""
    return statements_sent(lambda statement: statement.lstrip().upper().startswith("UPDATE CASES"))


def _marker(case: Case):
    return customer_seen.marker(case, timeline.all_events(case))


def test_the_marker_follows_our_latest_public_reply():
    agent = factories.staff()
    with time_machine.travel(MONDAY, tick=False):
        case = factories.case()
    assert _marker(case) is None  # nothing of ours to have seen yet
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        cases.add_staff_reply(case, agent, "Booked for Thursday.")
        cases.add_staff_reply(case, agent, "She sounded worried.", internal=True)
    [reply] = [e for e in timeline.all_events(case) if e.kind == EventKind.STAFF_REPLY]
    assert _marker(case) == customer_seen.SeenMarker(reply.id, None)
    with time_machine.travel(MONDAY + timedelta(hours=5), tick=False):
        customer_seen.mark_seen(case)
    assert _marker(case) == customer_seen.SeenMarker(reply.id, MONDAY + timedelta(hours=5))


def test_a_view_writes_only_when_there_is_something_new_to_see():
    agent = factories.staff()
    case = factories.case()
    cases.add_staff_reply(case, agent, "Booked for Thursday.")
    with case_writes() as sent:
        customer_seen.mark_seen(case)
    assert len(sent) == 1
    first = case.customer_seen_at
    with case_writes() as sent:
        for _ in range(5):
            customer_seen.mark_seen(case)
    assert sent == [] and case.customer_seen_at == first


def test_a_change_after_the_page_was_rendered_is_not_marked_seen():
    agent = factories.staff()
    case = factories.case()
    cases.add_staff_reply(case, agent, "Booked for Thursday.")
    before = case.customer_seen_at
    assert case.has_unseen_updates  # the page was rendered from this state
    # Meanwhile another reply lands (as another request would write it).
    db.session.execute(update(Case).where(Case.id == case.id)
                       .values(last_activity_at=case.last_activity_at + timedelta(seconds=1))
                       .execution_options(synchronize_session=False))
    customer_seen.mark_seen(case)
    assert case.customer_seen_at == before and case.has_unseen_updates
