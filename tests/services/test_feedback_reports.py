"""The feedback dashboard's figures, from answers and follow-ups made through the services."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from portal.extensions import db
from portal.models import CaseEvent, EventKind, FollowUp, Role, Solved, Status
from portal.services import cases, feedback, feedback_reports, follow_ups
from portal.services.feedback_reports import Filters
from portal.web.pagination import InvalidCursor
from tests import factories

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # a Thursday; London is on GMT
MONDAY = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)  # last week's Monday, 10:00


@pytest.fixture
def world():
    """Customer Care (manager Grace, agent Leo) and Sales (agent Marco, owned by the admin)."""
    care, sales = factories.department("Customer Care"), factories.department("Sales")
    people = {
        "grace": factories.staff(Role.MANAGER, [care], "Grace Lindqvist"),
        "leo": factories.staff(Role.AGENT, [care], "Leo Marsh"),
        "marco": factories.staff(Role.AGENT, [sales], "Marco Rossi"),
        "admin": factories.staff(Role.ADMIN, name="Alex Admin"),
    }
    cats = {"complaints": factories.category(care, "Complaints"),
            "refunds": factories.category(care, "Refunds"),
            "accounts": factories.category(sales, "Accounts")}
    return {"care": care, "sales": sales, "cats": cats, **people}


def _answer(moment, cat, agent, solved, rating=None, comment=""):
    with time_machine.travel(moment - timedelta(hours=2), tick=False):
        made = factories.case(cat=cat)
        cases.add_staff_reply(made, agent, "We have looked into it.")
        cases.change_status(made, agent, Status.RESOLVED, "Sorted: the work is done.")
    with time_machine.travel(moment, tick=False):
        return feedback.answer(made, made.customer, solved, rating, comment)


def _close(answer, actor, moment):
    item = follow_ups.for_feedback(answer)
    with time_machine.travel(moment, tick=False):
        follow_ups.complete(item, actor, "Called the customer.", "We called you and fixed it.")
    return item


def _report(viewer, **filters):
    with time_machine.travel(NOW, tick=False):
        return feedback_reports.report(viewer, Filters(**filters), now=NOW)


def test_answers_and_ratings_are_counted_per_week_over_the_period(world):
    leo, cat = world["leo"], world["cats"]["complaints"]
    _answer(NOW - timedelta(days=1), cat, leo, Solved.YES, 9)
    _answer(NOW - timedelta(days=1, hours=1), cat, leo, Solved.PARTLY, 7)
    _answer(NOW - timedelta(days=8), cat, leo, Solved.NO, 2, "nobody called me")
    _answer(NOW - timedelta(days=15), cat, leo, Solved.YES)  # no rating given
    _answer(NOW - timedelta(days=100), cat, leo, Solved.YES, 10)  # before the 12 weeks
    report = _report(world["admin"])
    t = report.total
    assert (t.answers, t.yes, t.partly, t.no) == (4, 2, 1, 1)
    assert t.rated == 3 and t.median_rating == 7 and t.bands == (1, 1, 1)  # 9–10, 7–8, 0–6
    assert report.histogram == [0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0]
    assert len(report.weeks) == 12
    assert report.weeks[0][0] == date(2026, 9, 7) and report.weeks[-1][0] == date(2026, 11, 23)
    assert [w.answers for _, w in report.weeks[-3:]] == [1, 1, 2]
    assert report.weeks[-2][1].no == 1 and report.weeks[-1][1].bands == (1, 1, 0)
    assert sum(w.answers for _, w in report.weeks[:-3]) == 0
    assert len(_report(world["admin"], weeks=4).weeks) == 4


def test_loops_closed_within_target_and_the_median_time_to_close(world):
    grace, leo, cat = world["grace"], world["leo"], world["cats"]["complaints"]
    on_time = _answer(MONDAY, cat, leo, Solved.NO, 1)  # due Tuesday 10:00
    _close(on_time, grace, MONDAY + timedelta(hours=5))
    late = _answer(MONDAY + timedelta(days=1), cat, leo, Solved.PARTLY, 8, "refund missing")
    _close(late, grace, MONDAY + timedelta(days=3))  # due Wednesday 10:00, closed Thursday
    _answer(MONDAY + timedelta(days=2), cat, leo, Solved.YES, 3)  # due Thursday: still open
    _answer(NOW - timedelta(hours=3), cat, leo, Solved.NO, 0)  # due tomorrow: still in time
    _answer(MONDAY, cat, leo, Solved.YES, 10)  # happy: no follow-up, not counted
    loops = _report(world["admin"]).total.loops
    assert (loops.unhappy, loops.on_time, loops.late, loops.overdue) == (4, 1, 1, 1)
    assert (loops.came_due, loops.in_time, loops.closed, loops.percent) == (3, 1, 2, 33)
    assert loops.to_close == timedelta(hours=26, minutes=30)  # median of 5 h and 48 h


def test_the_done_when_of_issue_5_one_loop_closed(world):
    """"No, 2/10, nobody called me" → a follow-up → Grace completes it → one loop closed."""
    answer = _answer(NOW - timedelta(hours=4), world["cats"]["complaints"], world["leo"],
                     Solved.NO, 2, "nobody called me")
    before = _report(world["grace"]).total.loops
    assert (before.unhappy, before.closed, before.came_due) == (1, 0, 0)
    _close(answer, world["grace"], NOW - timedelta(hours=1))
    after = _report(world["grace"])
    assert (after.total.loops.closed, after.total.loops.on_time, after.total.loops.percent) \
        == (1, 1, 100)
    assert after.total.loops.to_close == timedelta(hours=3)
    [said] = after.comments
    assert said.comment == "nobody called me" and said.within_target(NOW) is True


def test_filters_and_groups_by_department_category_and_agent(world):
    cats, leo, marco, grace = world["cats"], world["leo"], world["marco"], world["admin"]
    first = _answer(NOW - timedelta(days=2), cats["complaints"], leo, Solved.NO, 4)
    # Re-resolved by someone else after the answer: the answer still counts for Leo.
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        follow_ups.complete(follow_ups.for_feedback(first), world["grace"], "Called.", "Done.")
        cases.change_status(first.case, world["grace"], Status.RESOLVED, "Sorted again.")
    owned = _answer(NOW - timedelta(days=2), cats["refunds"], leo, Solved.YES, 9)
    owned.case.assignee = world["grace"]  # the owner counts before the resolver
    db.session.commit()
    _answer(NOW - timedelta(days=2), cats["accounts"], marco, Solved.PARTLY, 8)

    def labels(**filters):
        return {g.label: g.answers for g in _report(grace, **filters).groups}

    assert labels() == {"Customer Care": 2, "Sales": 1}
    assert labels(group="category") == {"Accounts": 1, "Complaints": 1, "Refunds": 1}
    assert labels(group="agent") == {"Grace Lindqvist": 1, "Leo Marsh": 1, "Marco Rossi": 1}
    assert labels(department_id=world["care"].id) == {"Customer Care": 2}
    assert labels(category_id=cats["refunds"].id, group="agent") == {"Grace Lindqvist": 1}
    assert labels(agent_id=leo.id, group="category") == {"Complaints": 1}
    assert labels(agent_id=marco.id) == {"Sales": 1}


def test_a_manager_sees_only_their_own_departments(world):
    cats = world["cats"]
    _answer(NOW - timedelta(days=1), cats["complaints"], world["leo"], Solved.NO, 0, "rude")
    _answer(NOW - timedelta(days=1), cats["accounts"], world["marco"], Solved.YES, 10, "great")
    mine = _report(world["grace"])
    assert mine.departments == ["Customer Care"]
    assert mine.total.answers == 1 and [c.comment for c in mine.comments] == ["rude"]
    # Asking for another department's figures widens nothing: it finds nothing.
    theirs = _report(world["grace"], department_id=world["sales"].id)
    assert theirs.total.answers == 0 and theirs.comments == []
    nobody = _report(factories.staff(Role.MANAGER, name="No Departments"))
    assert nobody.total.answers == 0 and nobody.reactions.total == 0
    assert _report(world["admin"]).total.answers == 2


def _reply_of(case):
    return db.session.scalar(select(CaseEvent.id).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == EventKind.STAFF_REPLY))


def test_reactions_to_single_replies_are_summed_per_reply_author(world):
    cats, leo, marco = world["cats"], world["leo"], world["marco"]
    with time_machine.travel(NOW - timedelta(days=3), tick=False):
        helped = factories.case(cat=cats["complaints"])
        cases.add_staff_reply(helped, leo, "Here is your refund.")
        not_helped = factories.case(cat=cats["accounts"])
        cases.add_staff_reply(not_helped, marco, "Have you tried again?")
        feedback.react(_reply_of(helped), helped.customer, True)
        feedback.react(_reply_of(not_helped), not_helped.customer, False, "I did")
    report = _report(world["admin"], group="agent")
    assert (report.reactions.helped, report.reactions.unhelpful, report.reactions.percent) \
        == (1, 1, 50)
    assert [(r.label, r.helped, r.unhelpful) for r in report.reactions_by_group] == [
        ("Leo Marsh", 1, 0), ("Marco Rossi", 0, 1)]
    only_marco = _report(world["admin"], agent_id=marco.id).reactions
    assert (only_marco.helped, only_marco.unhelpful) == (0, 1)
    assert _report(world["grace"]).reactions.total == 1


def test_comments_come_newest_first_a_page_at_a_time(world, monkeypatch):
    monkeypatch.setattr(feedback_reports, "COMMENTS_PAGE", 2)
    cat, leo = world["cats"]["complaints"], world["leo"]
    for days, words in ((4, "oldest"), (3, ""), (2, "middle"), (1, "newest")):
        _answer(NOW - timedelta(days=days), cat, leo, Solved.YES, 9, words)
    with time_machine.travel(NOW, tick=False):
        first = feedback_reports.comments(world["admin"], Filters(), now=NOW)
        assert [a.comment for a in first.items] == ["newest", "middle"]
        second = feedback_reports.comments(world["admin"], Filters(), first.next_cursor,
                                           now=NOW)
        assert [a.comment for a in second.items] == ["oldest"] and not second.has_next
        with pytest.raises(InvalidCursor):
            feedback_reports.comments(world["admin"], Filters(), "not-a-cursor", now=NOW)


def test_export_rows_say_whether_each_follow_up_was_within_target(world):
    grace, leo, cat = world["grace"], world["leo"], world["cats"]["complaints"]
    closed = _answer(MONDAY, cat, leo, Solved.NO, 2, "nobody called me")
    _close(closed, grace, MONDAY + timedelta(hours=5))
    _answer(MONDAY + timedelta(days=2), cat, leo, Solved.NO, 1)  # overdue at NOW
    _answer(NOW - timedelta(hours=1), cat, leo, Solved.NO, 1)  # not yet due
    _answer(MONDAY, cat, leo, Solved.YES, 10)  # no follow-up
    with time_machine.travel(NOW, tick=False):
        rows = list(feedback_reports.export_rows(grace, Filters(), now=NOW))
    by_verdict = {row[-1]: row for row in rows}
    assert set(by_verdict) == {"yes", "no", "not yet due", ""}
    done = by_verdict["yes"]
    item = db.session.scalar(select(FollowUp).where(FollowUp.feedback_id == closed.id))
    assert done == (closed.case.reference, "Customer Care", "Complaints", "Leo Marsh", "No", 2,
                    "nobody called me", "2026-11-16T10:00:00+00:00", "Grace Lindqvist",
                    item.due_at.isoformat(timespec="seconds"), "2026-11-16T15:00:00+00:00",
                    "yes")
    assert by_verdict[""][8:11] == ("", "", "")
    assert len(rows) == 4 and rows[0][7] > rows[-1][7]  # newest first
