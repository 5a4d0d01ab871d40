"""The demo adds up: loaded under a pinned clock, every story is in the state docs/stories.md
describes, every time follows from its events, and the dashboard counts what the rules say.

Loaded on a Tuesday morning and on a Saturday afternoon: nothing may depend on the weekday.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import current_app
from sqlalchemy import func, select

from portal import demo
from portal.extensions import db
from portal.models import (
    OPEN_STATUSES,
    Article,
    Case,
    CaseEvent,
    Category,
    Escalation,
    EventKind,
    Feedback,
    FollowUp,
    FollowUpState,
    OutboxMessage,
    Promise,
    PromiseState,
    Role,
    Standard,
    Status,
    User,
    Visibility,
)
from portal.services import clock, customers, feedback_rules, managers, queue, reports
from portal.services.timeline import FIRST_RESPONSES
from tests import snapshots
from tests.conftest import BrowserLikeClient
from tests.demo_world import case_of, user

TUESDAY = datetime(2026, 11, 24, 8, 5, tzinfo=UTC)
SATURDAY = datetime(2026, 11, 28, 15, 40, tzinfo=UTC)
WORKING_DAY = timedelta(hours=8)  # the shortest a working day is counted, Mon–Fri 09–17


@pytest.fixture
def now(request):
    """The demo as `caseloop demo-data` loads it, with the clock stopped at the load time
    (a Saturday unless the test asks for another moment)."""
    moment = getattr(request, "param", SATURDAY)
    with time_machine.travel(moment, tick=False):
        # Loaded once per moment, copied after that: a load takes seconds (tests/snapshots.py).
        assert snapshots.reuse(("demo", moment), demo.load)
        yield moment


def _events(case: Case, *where) -> list[CaseEvent]:
    return list(db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, *where)
                                   .order_by(CaseEvent.id)))


def _staff_public(case: Case) -> list[CaseEvent]:
    return [e for e in _events(case, CaseEvent.visibility == Visibility.PUBLIC)
            if e.author is not None and e.author.is_staff]


def _colour(case: Case, now: datetime) -> str:
    return clock.rag(case, clock.standard_for(case), now)


def _customer_wait(case: Case, now: datetime) -> timedelta:
    """Time spent waiting on the customer, from the status changes on the timeline."""
    total, since = timedelta(), None
    for event in _events(case, CaseEvent.kind.in_((EventKind.STATUS_CHANGE, EventKind.REOPENED))):
        if event.data.get("new") == Status.WAITING_ON_CUSTOMER.value:
            since = event.created_at
        elif since is not None:
            total, since = total + (event.created_at - since), None
    return total + (now - since if since else timedelta())


def _times_follow_from_events(now):
    all_cases = list(db.session.scalars(select(Case)))
    assert len(all_cases) >= 15
    for case in all_cases:
        events = _events(case)
        public = [e for e in events if e.visibility == Visibility.PUBLIC]
        answers = [e for e in _staff_public(case) if e.kind in FIRST_RESPONSES]
        assert events[0].kind == EventKind.OPENED, case.reference
        assert case.created_at == events[0].created_at, case.reference
        assert [e.created_at for e in events] == sorted(e.created_at for e in events)
        assert all(e.created_at <= now for e in events), case.reference
        assert case.last_activity_at == public[-1].created_at, case.reference
        assert case.first_response_at == (answers[0].created_at if answers else None)
        staff_told = _staff_public(case)
        assert case.last_update_at == (staff_told[-1].created_at if staff_told else None)
        waited = _customer_wait(case, now)
        assert clock.customer_clock(case, now)[1] == waited, case.reference
        if case.status == Status.RESOLVED:
            resolved = [e for e in events if e.data.get("new") == Status.RESOLVED.value]
            assert case.resolved_at == resolved[-1].created_at, case.reference
    # The load time is a moment like any other: only what happened then carries it.
    assert db.session.scalar(select(func.count(Case.id)).where(Case.created_at == now)) == 0
    kofi = db.session.scalar(select(Case).join(Case.customer).where(
        User.email == "kofi@example.com", Case.status.in_(OPEN_STATUSES)))
    assert clock.customer_clock(kofi, now)[1] > timedelta(0)  # he kept us waiting an hour


def _dana_recall_from_head_office_feedback_on_her_page(now, client):
    case = case_of("dana@example.com")
    opened = _events(case)[0]
    assert opened.channel.value == "api" and opened.author.is_staff  # head office's system
    assert [(r.system, r.value) for r in case.references] == [("Recall", "RC-42")]
    facts = {f.kind: f for f in customers.facts_for(case.customer)}
    assert {"vin", "address"} <= set(facts)
    assert facts["vin"].confirmed_at is not None  # given once, by Dana herself
    assert case.status == Status.RESOLVED and case.department.name == "Northside Service Centre"
    assert all(p.state == PromiseState.KEPT for p in case.promises)
    assert feedback_rules.can_ask(case) and not case.feedback
    (update,) = _events(case, CaseEvent.kind == EventKind.PROBLEM_UPDATE)
    assert update.visibility == Visibility.PUBLIC and update.author.email.startswith("omar@")
    assert update.data["problem_title"] == "RC-42 brake recall"
    _sign_in(client, "dana@example.com", "/login")
    page = client.get(f"/cases/{case.reference}").text
    assert "Did we solve it?" in page and "RC-42" in page
    assert "booking system" in page  # head office's update on the known problem
    client.post("/logout")
    status = client.get("/status").text  # public: anyone sees the open recall
    assert "RC-42 brake recall" in status


def _ravi_unanswered_red_escalated_never_asked(now, client):
    case = case_of("ravi@example.com")
    assert case.first_response_at is None and case.status in OPEN_STATUSES
    first = next(d for d in clock.deadlines(case, clock.standard_for(case))
                 if d.name == "first response")
    assert now - first.due_at > WORKING_DAY and _colour(case, now) == "red"
    told = db.session.scalars(select(Escalation).where(Escalation.case_id == case.id)).all()
    grace = timedelta(minutes=current_app.config["ESCALATION_GRACE_MINUTES"])
    assert all(e.created_at >= first.due_at for e in told)
    if case.assignee is None:  # nobody owns it: its managers are told at once, and once
        managing = {m.id for m in managers.managers_of(case)}
        for key in {e.breach_key for e in told}:  # each breach told once, to a manager
            [only] = [e for e in told if e.breach_key == key]
            assert only.stage == "owner" and only.notified_id in managing
    else:
        assert {e.stage for e in told} == {"owner", "manager"}
        assert max(e.created_at for e in told) >= first.due_at + grace
    assert not feedback_rules.can_ask(case) and not case.feedback
    assert not any("solve" in m.body_text for m in _mails("ravi@example.com"))
    _sign_in(client, "ravi@example.com", "/login")
    assert "Did we solve it?" not in client.get(f"/cases/{case.reference}").text


def _mei_zero_followed_up_by_a_named_manager(now, client):
    case = case_of("mei@example.com")
    answer = feedback_rules.current(case)
    assert answer.rating == 0
    item = db.session.scalar(select(FollowUp).where(FollowUp.feedback_id == answer.id))
    assert item.state == FollowUpState.OPEN and item.due_at > now
    assert item.owner.role == Role.MANAGER and case.department_id in item.owner.department_ids
    assert item.created_at == answer.created_at < now
    _sign_in(client, "mei@example.com", "/login")
    page = client.get(f"/cases/{case.reference}").text
    assert re.search(rf"{item.owner.name}(</bdi>)? will contact you by", page)


def _johnson_promise_travels_to_finance_with_the_note(now, client):
    case = case_of("johnson@example.com")
    assert case.department.name == "Finance" and case.assignee.email.startswith("fatima@")
    handoff = next(e for e in _events(case, CaseEvent.kind == EventKind.ASSIGNMENT)
                   if e.data.get("handoff"))
    assert handoff.author.email.startswith("marco@") and "30-day" in handoff.body
    assert handoff.visibility == Visibility.INTERNAL
    (promise,) = case.promises
    assert promise.is_open and not promise.is_overdue(now) and promise.public
    assert promise.owner.email.startswith("fatima@") and promise.created_at < handoff.created_at \
        + timedelta(days=1)
    assert _colour(case, now) != "red"
    assert customers.before_contact(case).facts  # his account number, told once
    _sign_in(client, "johnson@example.com", "/login")
    assert promise.what in client.get(f"/cases/{case.reference}").text
    client.post("/logout")
    _sign_in(client, "lucy@example.com", "/login")  # his accounts clerk, on the case (CC)
    assert promise.what in client.get(f"/cases/{case.reference}").text
    mine = client.get("/cases").text
    shared = mine.split("Shared with me", 1)[1]
    assert case.reference in shared.split("Our organisation", 1)[0]  # she is on it (CC)
    older = db.session.scalars(select(Case).where(Case.customer_id == case.customer_id,
                                                  Case.id != case.id)).one()
    assert older.reference in shared.split("Our organisation", 1)[1]  # he shared it
    client.post("/logout")


def _sam_missed_update_overdue_by_over_a_working_day(now, client):
    case = case_of("sam@example.com")
    assert case.status == Status.WAITING_ON_THIRD_PARTY
    (promise,) = case.promises
    assert promise.is_overdue(now) and now - promise.due_at > WORKING_DAY
    update = next(d for d in clock.deadlines(case, clock.standard_for(case))
                  if d.name == "update")
    assert update.state(now) == "red" and now - update.due_at > WORKING_DAY
    assert _colour(case, now) == "red"
    assert {e.stage for e in db.session.scalars(select(Escalation).where(
        Escalation.case_id == case.id))} == {"owner", "manager"}
    _sign_in(client, "sam@example.com", "/login")
    page = client.get(f"/cases/{case.reference}").text
    assert "We are late, and sorry." in page and "Next update expected by" not in page


def _dashboard_counts_what_the_rules_say(now):
    admin = user("admin@staff.example.com")
    report = reports.dashboard(admin, now)
    open_cases = list(db.session.scalars(select(Case).where(Case.status.in_(OPEN_STATUSES))))
    red = {c.reference for c in open_cases if _colour(c, now) == "red"}
    assert report.red_total == len(red) == len(report.red_cases)
    assert {r.reference for r in report.red_cases} == red
    assert {case_of("ravi@example.com").reference, case_of("sam@example.com").reference} <= red
    ravi = next(r for r in report.red_cases if r.reference == case_of("ravi@example.com").reference)
    assert ravi.breach == "first response"
    assert sum(r.total for r in report.rag) == len(open_cases)
    sam_promise = case_of("sam@example.com").promises[0]
    assert any(d.id == sam_promise.id and d.overdue for d in report.promises_due)
    came_due = db.session.scalars(select(Promise).where(
        Promise.due_at >= now - timedelta(days=28), Promise.due_at < now,
        Promise.state != PromiseState.WITHDRAWN)).all()
    kept = [p for p in came_due if p.state == PromiseState.KEPT and p.closed_at <= p.due_at]
    assert (report.keeping.kept, report.keeping.due) == (len(kept), len(came_due))
    assert 0 < report.keeping.kept < report.keeping.due  # some kept, some not: worth a look
    resolved = db.session.scalar(select(func.count(Case.id)).where(
        Case.resolved_at >= now - timedelta(days=28), Case.resolved_at <= now))
    assert report.timing.resolved == resolved > 0


@pytest.mark.parametrize("now", [TUESDAY, SATURDAY], ids=["tuesday", "saturday"],
                         indirect=True)
def test_the_stories_times_and_dashboard_add_up(now, client):
    """One load per weekday (a load is the slow part), each story checked by its rules."""
    _times_follow_from_events(now)
    for story in (_dana_recall_from_head_office_feedback_on_her_page,
                  _ravi_unanswered_red_escalated_never_asked,
                  _mei_zero_followed_up_by_a_named_manager,
                  _johnson_promise_travels_to_finance_with_the_note,
                  _sam_missed_update_overdue_by_over_a_working_day):
        story(now, client)
        client.post("/logout")
    _dashboard_counts_what_the_rules_say(now)


def test_help_lists_the_published_articles_never_the_draft(now, client):
    published = db.session.scalars(select(Article).where(Article.published)).all()
    assert 3 <= len(published) <= 5
    page = client.get("/help").text
    for article in published:
        assert html.escape(article.title, quote=False) in page, article.title
        assert client.get(f"/help/{article.slug}").status_code == 200
    (draft,) = db.session.scalars(select(Article).where(Article.published.is_(False)))
    assert draft.title not in page and client.get(f"/help/{draft.slug}").status_code == 404
    assert all(a.published_at < now and a.revisions for a in published)
    _sign_in(client, "sam@example.com", "/login")
    offered = client.get("/help/suggestions?title=My+delivery+is+late",
                         headers={"HX-Request": "true"}).text  # as the new-case form asks
    assert "My delivery is late: what happens now?" in offered


def test_every_demo_agent_signs_in_to_work(now, app):
    agents = [email for email, _, role, _ in demo.STAFF if role == Role.AGENT]
    assert len(agents) >= 6
    for email in agents:
        assert queue.search(user(email), queue.QueueFilters()).items, email
        app.test_client_class = BrowserLikeClient
        browser = app.test_client()  # each agent in a browser of their own
        landed = _sign_in(browser, email, "/admin/login")
        assert landed.headers["Location"].endswith("/admin/cases")
        assert re.search(r"CL-\d{6}", browser.get("/admin/cases").text), email


def test_nobody_is_told_an_admin_will_contact_them(now, client):
    departments = db.session.scalars(select(Category.department_id).distinct()).all()
    managers = db.session.scalars(select(User).where(User.role == Role.MANAGER)).all()
    for dep in departments:
        assert any(dep in m.department_ids and m.active for m in managers), dep
    admins = [a.name for a in db.session.scalars(select(User).where(User.role == Role.ADMIN))]
    owners = [p.owner for p in db.session.scalars(select(Promise).where(Promise.public))]
    owners += [f.owner for f in db.session.scalars(select(FollowUp))]
    assert owners and all(o.role != Role.ADMIN for o in owners)
    for email, _ in demo.CUSTOMERS:
        assert not any(name in m.body_text for m in _mails(email) for name in admins)
        _sign_in(client, email, "/login")
        for case in db.session.scalars(select(Case).join(Case.customer)
                                       .where(User.email == email)):
            page = client.get(f"/cases/{case.reference}").text
            assert not any(name in page for name in admins), (email, case.reference)
        client.post("/logout")


def test_loading_again_changes_nothing(now):
    counts = [db.session.scalar(select(func.count()).select_from(m))
              for m in (User, Case, CaseEvent, Feedback, Promise, Standard)]
    assert not demo.load()
    assert counts == [db.session.scalar(select(func.count()).select_from(m))
                      for m in (User, Case, CaseEvent, Feedback, Promise, Standard)]


def _mails(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage)
                                   .where(OutboxMessage.to_address == address)))


def _sign_in(client, email: str, path: str):
    landed = client.post(path, data={"email": email, "password": demo.PASSWORD})
    assert landed.status_code == 302, landed.text
    return landed
