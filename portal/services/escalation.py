"""Escalation: overdue promises and breached standards go to the owner, then the manager.

Run by the minute job (services/minute_job.py): each breach is notified once per stage (a
unique key per breach and stage), however often it runs. The caller commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import LazyString
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.web.lazy_text import lazy_gettext as _l

from ..extensions import db
from ..models import (
    OPEN_STATUSES,
    Case,
    Channel,
    Escalation,
    EventKind,
    Promise,
    PromiseState,
    User,
    Visibility,
)
from . import clock, timeline
from .managers import managers_of
from .outbox import queue_email


def check(now: datetime) -> list[str]:
    """Tell whoever must hear of each overdue promise and breached standard (no commit);
    returns a summary of each new notification."""
    notified: list[str] = []
    grace = timedelta(minutes=current_app.config["ESCALATION_GRACE_MINUTES"])
    overdue = db.session.scalars(select(Promise).where(
        Promise.state == PromiseState.OPEN, Promise.due_at < now))
    for promise in list(overdue):
        _escalate(promise.case, promise.breach_key, promise.due_at, promise.owner,
                  _l("promise overdue: %(what)s", what=promise.what), now, grace, notified,
                  f"{promise.owner_name} queue")
    _check_standards(now, grace, notified)
    return notified


def _check_standards(now: datetime, grace: timedelta, notified: list[str]) -> None:
    standards = list(db.session.scalars(select(clock.Standard)))
    if not standards:
        return
    open_cases = db.session.scalars(
        select(Case).where(Case.status.in_(OPEN_STATUSES)).execution_options(yield_per=500))
    for case in list(open_cases):
        for deadline in clock.deadlines(case, clock.standard_for(case, standards)):
            if deadline.state(now) == "red":
                key = f"case:{case.id}:{deadline.name}:{deadline.due_at:%Y%m%d%H%M}"
                _escalate(case, key, deadline.due_at, case.assignee,
                          _l("%(name)s standard breached", name=deadline.name), now, grace,
                          notified, f"unassigned ({case.department.name} queue)")


def _escalate(case: Case, key: str, due: datetime, owner: User | None, what: LazyString,
              now: datetime, grace: timedelta, notified: list[str], nobody: str) -> None:
    """Tell the owner, then the managers, each person once per breach: a manager who owns
    it, or managers told at the first stage because nobody owns it, are not told again.
    `nobody` names what holds it without an owner ("unassigned", "Finance queue"). `what`
    is lazy, so each email has it in the recipient's language (the stored summaries, made
    outside any request, in the default)."""
    managers = managers_of(case)
    stages = [("owner", [owner] if owner else managers)]
    if now - due >= grace:
        stages.append(("manager", managers))
    earlier: set[int] = set()
    for stage, everyone in stages:
        people = [p for p in everyone if p.id not in earlier]
        earlier.update(p.id for p in everyone)
        if not people or _already(key, stage):
            continue
        summary = f"{case.reference}: {what} (due {due:%d %b %H:%M} UTC)"
        # Kept on the row: someone other than the owner, when anyone else was told (the
        # customer page says "flagged to their manager" only then).
        told = next((p for p in people if owner is None or p.id != owner.id), people[0])
        if not _claim(case, key, stage, told, summary):
            continue
        timeline.record(case, EventKind.ESCALATION, None, "", channel=Channel.SYSTEM,
                        visibility=Visibility.INTERNAL,
                        summary=f"{what} → {_told_whom(stage, owner, people, nobody)}",
                        stage=stage)
        for person in people:
            queue_email(person.email, _l("[%(reference)s] Escalated: %(what)s",
                                         reference=case.reference, what=what),
                        "escalation", case_id=case.id, language=person.language, case=case,
                        person=person, what=what, due=due, stage=stage)
        notified.append(summary)


def _told_whom(stage: str, owner: User | None, people: list[User], nobody: str) -> str:
    """The timeline's words: never an "owner" the case header says does not exist."""
    names = ", ".join(p.name for p in people)
    if stage == "manager":
        return f"manager {names}"
    return f"owner {owner.name}" if owner else f"{nobody}: managers {names}"


def _already(key: str, stage: str) -> bool:
    return db.session.scalar(select(Escalation.id).where(
        Escalation.breach_key == key, Escalation.stage == stage)) is not None


def _claim(case: Case, key: str, stage: str, person: User, summary: str) -> bool:
    """Insert the escalation row; a concurrent tick that got there first makes this False."""
    try:
        with db.session.begin_nested():
            db.session.add(Escalation(case_id=case.id, breach_key=key, stage=stage,
                                      notified_id=person.id, summary=summary[:300]))
    except IntegrityError:
        return False
    return True
