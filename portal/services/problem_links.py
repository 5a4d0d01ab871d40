"""Which cases a known problem affects: links made by hand, from a search, or by reference.

Links are rows in the caller's transaction; the caller commits (a case getting an outside
reference links itself in the same transaction as the reference).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, func, insert, select

from ..extensions import db
from ..models import Case, CaseReference, KnownProblem, ProblemCase, ProblemStatus


def open_with_reference(value: str) -> list[KnownProblem]:
    """Open problems whose outside reference is this value (RC-42 matches rc-42)."""
    return list(db.session.scalars(select(KnownProblem).where(
        func.lower(KnownProblem.outside_reference) == value.strip().lower(),
        KnownProblem.status != ProblemStatus.RESOLVED)))


def link_by_reference(case: Case, value: str) -> list[KnownProblem]:
    """Link the case to every open problem carrying this outside reference."""
    found = open_with_reference(value)
    for problem in found:
        link_ids(problem, [case.id], "reference")
    return found


def link_ids(problem: KnownProblem, case_ids: Iterable[int], how: str) -> int:
    """Link these cases (those not linked already); returns how many are new."""
    wanted = set(case_ids)
    if not wanted:
        return 0
    have = set(db.session.scalars(select(ProblemCase.case_id).where(
        ProblemCase.problem_id == problem.id, ProblemCase.case_id.in_(wanted))))
    new = sorted(wanted - have)
    if new:
        db.session.execute(insert(ProblemCase), [
            {"problem_id": problem.id, "case_id": case_id, "how": how} for case_id in new])
    return len(new)


def ids_with_reference(value: str) -> list[int]:
    """Every case carrying this outside reference."""
    return list(db.session.scalars(select(CaseReference.case_id).distinct().where(
        func.lower(CaseReference.value) == value.strip().lower())))


def linked_count(problem: KnownProblem) -> int:
    return db.session.scalar(select(func.count()).select_from(ProblemCase).where(
        ProblemCase.problem_id == problem.id)) or 0


def linked_counts(problems: Iterable[KnownProblem]) -> dict[int, int]:
    """Linked cases per problem, in one query."""
    ids = [p.id for p in problems]
    rows = db.session.execute(select(ProblemCase.problem_id, func.count()).where(
        ProblemCase.problem_id.in_(ids)).group_by(ProblemCase.problem_id)) if ids else []
    return {problem_id: count for problem_id, count in rows}


# Built once (SQLAlchemy memoises a statement's cache key): the workspace asks per load.
PROBLEMS_OF = select(KnownProblem).join(ProblemCase, ProblemCase.problem_id == KnownProblem.id) \
    .where(ProblemCase.case_id == bindparam("case_id")).order_by(KnownProblem.id.desc())


def problems_of(case: Case) -> list[KnownProblem]:
    """The known problems this case is linked to, newest first."""
    return list(db.session.scalars(PROBLEMS_OF, {"case_id": case.id}))
