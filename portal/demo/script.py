"""The demo's moving clock: story steps played in time order through the real services.

Each step runs inside `frozen_at(its moment)`, so every timestamp and everything derived
from one (first response, last update, waiting since, customer wait, resolution, promises
kept or late) comes from the services themselves. Between steps the minute job
(`minute_job.tick`) runs at each moment it would first have found something to do, so
escalations and quiet-period closings happen when they would have.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import OPEN_STATUSES, Case, Promise, PromiseState, Standard, Status, frozen_at
from ..services import clock, minute_job

MINUTE = timedelta(minutes=1)


def zone() -> ZoneInfo:
    """The site's zone: story times such as "09:12" are local times there."""
    return ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """That local time on that day, in UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=zone()).astimezone(UTC)


def working_day(now: datetime, offset: int) -> date:
    """The Monday–Friday day `offset` working days from today (negative: before it)."""
    day, step, left = now.astimezone(zone()).date(), 1 if offset > 0 else -1, abs(offset)
    while left:
        day += timedelta(days=step)
        left -= day.weekday() < 5
    return day


@dataclass
class Script:
    """Steps at their own moments; `play` runs them oldest first, the minute job between."""

    now: datetime
    steps: list[tuple[datetime, int, Callable[[], object]]] = field(default_factory=list)
    last_tick: datetime | None = None

    def at(self, moment: datetime, action: Callable[[], object]) -> None:
        if moment > self.now:
            raise ValueError(f"a demo step in the future: {moment:%Y-%m-%d %H:%M}")
        self.steps.append((moment, len(self.steps), action))

    def play(self) -> None:
        for moment, _, action in sorted(self.steps, key=lambda s: s[:2]):
            self._tick_until(moment)
            with frozen_at(moment):
                action()
        self._tick_until(self.now)
        with frozen_at(self.now):
            minute_job.tick(self.now)

    def _tick_until(self, until: datetime) -> None:
        """Run the minute job at each moment before `until` when it finds something."""
        while (wake := self._next_wake()) is not None and wake <= until:
            with frozen_at(wake):
                minute_job.tick(wake)
            self.last_tick = wake

    def _next_wake(self) -> datetime | None:
        """The first minute after the last tick at which a deadline passes (or its grace)."""
        grace = timedelta(minutes=current_app.config["ESCALATION_GRACE_MINUTES"])
        quiet = timedelta(days=current_app.config["QUIET_PERIOD_DAYS"])
        dues = [p.due_at for p in db.session.scalars(
            select(Promise).where(Promise.state == PromiseState.OPEN))]
        standards = list(db.session.scalars(select(Standard)))
        for case in db.session.scalars(select(Case).where(Case.status.in_(OPEN_STATUSES))
                                       .options(selectinload(Case.promises))):
            dues += [d.due_at for d in clock.deadlines(case, clock.standard_for(case, standards))]
        wakes = [due + MINUTE for due in dues] + [due + grace + MINUTE for due in dues]
        wakes += [at + quiet + MINUTE for at in db.session.scalars(
            select(Case.resolved_at).where(Case.status == Status.RESOLVED))]
        later = [w for w in wakes if self.last_tick is None or w > self.last_tick]
        return min(later, default=None)
