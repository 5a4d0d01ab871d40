"""A known problem's public update, written on every linked case and told to each customer.

One timeline line per case, BATCH cases per transaction. A retry (a crash, a second
worker, the minute job after the request) starts from the cases without a delivery row:
problem_deliveries' unique (update_id, case_id) means no case ever gets the line twice.
Followers are emailed once, after the last batch.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import (
    Case,
    Channel,
    EventKind,
    KnownProblem,
    ProblemCase,
    ProblemDelivery,
    ProblemFollower,
    ProblemUpdate,
    User,
    utcnow,
)
from . import effects, notifications, timeline

log = logging.getLogger(__name__)
BATCH = 200
# A request writes one batch itself (about 6 s for 200 cases on a busy 2-core machine, well
# inside gunicorn's 30 s); the progress bar's requests and the minute job write the rest.
INLINE_BATCHES = 1
TICK_BATCHES = 10  # per unfinished update and minute: 2,000 cases


def pending_case_ids(update: ProblemUpdate, limit: int) -> list[int]:
    """Linked cases (linked when it was posted) that do not have the update yet."""
    done = select(ProblemDelivery.case_id).where(ProblemDelivery.update_id == update.id)
    return list(db.session.scalars(
        select(ProblemCase.case_id).where(ProblemCase.problem_id == update.problem_id,
                                          ProblemCase.created_at <= update.created_at,
                                          ProblemCase.case_id.not_in(done))
        .order_by(ProblemCase.case_id).limit(limit)))


def run(update_id: int, batches: int | None = None) -> ProblemUpdate | None:
    """Deliver up to `batches` batches (None: all) of the update; commits after each."""
    update = db.session.get(ProblemUpdate, update_id)
    done = 0
    while update is not None and update.finished_at is None and \
            (batches is None or done < batches):
        ids = pending_case_ids(update, BATCH)
        try:
            if ids:
                _deliver(update, ids)
            if len(ids) < BATCH:  # the last batch: followers hear it now, once
                _tell_followers(update)
            effects.commit()
        except IntegrityError:  # another worker wrote this batch first: it carries on
            db.session.rollback()
            log.info("problem update %s: batch taken by another worker", update_id)
            return update
        done += 1
    return update


def run_due(batches: int = TICK_BATCHES) -> int:
    """The minute job's part: carry on with unfinished updates; returns how many touched."""
    ids = list(db.session.scalars(select(ProblemUpdate.id).where(
        ProblemUpdate.finished_at.is_(None)).order_by(ProblemUpdate.id)))
    for update_id in ids:
        run(update_id, batches)
    return len(ids)


def _deliver(update: ProblemUpdate, ids: list[int]) -> None:
    problem: KnownProblem = update.problem
    author = update.author
    channel = Channel.WEB if author is not None else Channel.SYSTEM
    # One flush for the batch rather than one before every query: each case's rows (event,
    # email, delivery) depend on no other case's, and nothing here reads them back.
    with db.session.no_autoflush:
        for case in list(db.session.scalars(select(Case).where(Case.id.in_(ids))
                                            .order_by(Case.id))):
            _deliver_one(update, problem, author, channel, case)
    update.delivered = (update.delivered or 0) + len(ids)


def _deliver_one(update: ProblemUpdate, problem: KnownProblem, author: User | None,
                 channel: Channel, case: Case) -> None:
    timeline.record(case, EventKind.PROBLEM_UPDATE, author, update.body, channel=channel,
                    problem_id=problem.id, problem_title=problem.title, update_id=update.id)
    notifications.problem_updated(case, problem, update.body)
    db.session.add(ProblemDelivery(update_id=update.id, case_id=case.id))


def _tell_followers(update: ProblemUpdate) -> None:
    if update.followers_told_at is None:
        followers = db.session.scalars(
            select(User).join(ProblemFollower, ProblemFollower.user_id == User.id)
            .where(ProblemFollower.problem_id == update.problem_id))
        for user in followers:
            notifications.problem_followed(user, update.problem, update.body)
        update.followers_told_at = utcnow()
    update.finished_at = utcnow()
