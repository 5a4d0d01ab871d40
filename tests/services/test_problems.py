"""Known problems: linking by reference, one update on every linked case once, followers,
and resolving linked cases through each case's own rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    CaseEvent,
    EventKind,
    ProblemDelivery,
    ProblemStatus,
    Role,
    Status,
    utcnow,
)
from portal.services import case_details, minute_job, problem_fanout, problems, promises
from portal.services.errors import ServiceError
from tests import factories
from tests.helpers import mails_to


@pytest.fixture
def manager(north):
    return factories.staff(Role.MANAGER, [north], name="Omar Haddad")


def _updates_on(case) -> list[CaseEvent]:
    return list(db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == EventKind.PROBLEM_UPDATE)))


def test_cases_with_the_reference_link_themselves_before_and_after(manager, category):
    before = factories.case(cat=category)
    case_details.add_reference(before, manager, "Recall", "RC-42")
    problem = problems.create(manager, "Brake recall", "Parts arrive Friday.", [category.id],
                              "RC-42")
    after = factories.case(cat=category)
    case_details.add_reference(after, None, "Recall", "rc-42")  # another system, any case
    other = factories.case(cat=category)
    case_details.add_reference(other, None, "Recall", "RC-43")
    assert [c.id for c in problems.linked_cases(problem)] == [before.id, after.id]


def test_an_update_reaches_every_linked_case_once_even_when_retried(manager, category):
    problem = problems.create(manager, "Brake recall", "Parts arrive Friday.", [category.id])
    linked = [factories.case(cat=category) for _ in range(5)]
    problems.link_references(manager, problem, " ".join(c.reference for c in linked))
    follower = factories.customer("Fay Follower", email="fay@example.com")
    problems.follow(follower, problem)
    problems.follow(follower, problem)  # twice is once

    original_batch = problem_fanout.BATCH
    problem_fanout.BATCH = 2
    try:
        update = problems.post_update(manager, problem, "Parts are in.", ProblemStatus.FIXING,
                                      batches=1)
        assert update.delivered == 2 and update.finished_at is None
        problem_fanout.run(update.id, 1)
        # A retry of a batch another worker already wrote writes nothing twice.
        minute_job.tick()
        problem_fanout.run(update.id)
    finally:
        problem_fanout.BATCH = original_batch

    for case in linked:
        events = _updates_on(case)
        assert [e.body for e in events] == ["Parts are in."]
        assert events[0].is_public
        told = [m for m in mails_to(case.customer.email) if "Parts are in." in m.body_text]
        assert len(told) == 1
    assert db.session.scalar(select(func.count()).select_from(ProblemDelivery)) == 5
    assert update.delivered == 5 and update.finished_at is not None
    assert len(mails_to("fay@example.com")) == 1
    assert problem.status == ProblemStatus.FIXING


def test_cases_linked_after_the_update_do_not_get_it(manager, category):
    problem = problems.create(manager, "Brake recall", "Known.", [category.id])
    update = problems.post_update(manager, problem, "First news.")
    late = factories.case(cat=category)
    problems.link_references(manager, problem, late.reference)
    problem_fanout.run(update.id)
    assert _updates_on(late) == []


def test_resolving_linked_cases_skips_one_with_an_open_promise(manager, category):
    problem = problems.create(manager, "Brake recall", "Known.", [category.id])
    done, promised = factories.case(cat=category), factories.case(cat=category)
    promises.make(promised, manager, "Call back", manager, utcnow() + timedelta(days=1))
    problems.link_references(manager, problem, f"{done.reference}, {promised.reference}")
    with pytest.raises(ServiceError):
        problems.resolve_linked(manager, problem, "Fixed.")  # the problem is still open
    problems.change_status(manager, problem, ProblemStatus.RESOLVED)
    outcome = problems.resolve_linked(manager, problem, "All cars repaired.")
    assert outcome.changed == [done.reference]
    assert outcome.skipped[0].startswith(promised.reference)
    db.session.refresh(done)
    assert done.status == Status.RESOLVED and done.resolution_summary == "All cars repaired."


def test_links_by_hand_only_to_cases_the_staff_member_sees(manager, category):
    problem = problems.create(manager, "Brake recall", "Known.", [category.id])
    elsewhere = factories.case(cat=factories.category(factories.department("South")))
    with pytest.raises(ServiceError) as refused:
        problems.link_references(manager, problem, elsewhere.reference)
    assert elsewhere.reference in refused.value.message
    assert problems.linked_cases(problem) == []


def test_open_problems_by_category_and_following(manager, category):
    other = factories.category(name="Billing")
    problem = problems.create(manager, "Brake recall", "Known.", [category.id])
    assert problems.open_problems(category.id) == [problem]
    assert problems.open_problems(other.id) == []
    problems.change_status(manager, problem, ProblemStatus.RESOLVED)
    assert problems.open_problems(category.id) == []
    with pytest.raises(ServiceError):
        problems.follow(factories.customer(), problem)


def test_a_second_worker_with_a_stale_list_writes_nothing_twice(manager, category,
                                                                 monkeypatch):
    problem = problems.create(manager, "Brake recall", "Known.", [category.id])
    linked = [factories.case(cat=category) for _ in range(3)]
    problems.link_references(manager, problem, " ".join(c.reference for c in linked))
    update = problems.post_update(manager, problem, "Parts are in.")
    assert update.delivered == 3
    update.finished_at = None  # as if the first worker died before marking it finished
    db.session.commit()
    # The late worker read the pending cases before the first one committed them.
    monkeypatch.setattr(problem_fanout, "pending_case_ids", lambda *_: [c.id for c in linked])
    problem_fanout.run(update.id, 1)
    for case in linked:
        assert len(_updates_on(case)) == 1
        assert len([m for m in mails_to(case.customer.email)
                    if "Parts are in." in m.body_text]) == 1
