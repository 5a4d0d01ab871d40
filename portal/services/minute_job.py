"""The minute job (`caseloop tick`, the in-process scheduler): every timed rule, once.

Safe to run every minute from cron, a timer or the in-process scheduler: each step is
idempotent. In order: escalate overdue promises and breached standards, close resolved
cases that stayed quiet, commit; then queue the customers' daily digests that are due;
erase the accounts whose grace period is over, build any data download still waiting
(the web process usually built it already) and delete expired downloads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..models import utcnow
from . import cases, data_export, digests, effects, erasure, escalation, problem_fanout


@dataclass
class TickReport:
    notified: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    digests: int = 0
    erased: list[int] = field(default_factory=list)
    exports: int = 0

    def __str__(self) -> str:
        return (f"{len(self.notified)} escalation(s), {len(self.closed)} case(s) closed "
                f"after their quiet period, {self.digests} daily digest(s) queued, "
                f"{len(self.erased)} account(s) erased, {self.exports} data download(s) built")


def tick(now: datetime | None = None) -> TickReport:
    """Run every timed rule once; returns what was done."""
    now = now or utcnow()
    report = TickReport(notified=escalation.check(now), closed=cases.close_quiet_cases(now))
    effects.commit()
    # After the commit: each digest is its own transaction, rolled back alone if it loses
    # a race with another tick.
    report.digests = digests.send_due(now)
    report.erased = erasure.run_due(now)
    report.exports = data_export.run_pending(now)
    data_export.expire_old(now)
    effects.commit()
    problem_fanout.run_due()  # known-problem updates too big for the request that posted
    return report
