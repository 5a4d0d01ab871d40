"""The minute job (`caseloop tick`, the in-process scheduler): every timed rule, once.

Safe to run every minute from cron, a timer or the in-process scheduler: each step is
idempotent. In order: escalate overdue promises and breached standards, close resolved
cases that stayed quiet, commit; then queue the customers' daily digests that are due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..models import utcnow
from . import cases, digests, effects, escalation, problem_fanout


@dataclass
class TickReport:
    notified: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    digests: int = 0

    def __str__(self) -> str:
        return (f"{len(self.notified)} escalation(s), {len(self.closed)} case(s) closed "
                f"after their quiet period, {self.digests} daily digest(s) queued")


def tick(now: datetime | None = None) -> TickReport:
    """Run every timed rule once; returns what was done."""
    now = now or utcnow()
    report = TickReport(notified=escalation.check(now), closed=cases.close_quiet_cases(now))
    effects.commit()
    # After the commit: each digest is its own transaction, rolled back alone if it loses
    # a race with another tick.
    report.digests = digests.send_due(now)
    problem_fanout.run_due()  # known-problem updates too big for the request that posted
    return report
