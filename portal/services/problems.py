"""Known problems: staff say once what they know, and every affected customer hears it.

Create, edit, move through investigating → identified → fixing → resolved, post public
updates (problem_fanout writes them on each linked case), link cases, let customers follow,
and resolve the linked cases with the problem's summary, each through `cases`.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    OPEN_STATUSES,
    Case,
    Category,
    KnownProblem,
    ProblemCase,
    ProblemFollower,
    ProblemStatus,
    ProblemUpdate,
    Status,
    User,
    parse_reference,
    problem_categories,
    utcnow,
)
from . import access, audit, bulk, cases, effects, problem_fanout, problem_links
from .errors import NotFound, ServiceError
from .queue import QueueFilters, matching_ids
from .text import clean

LINK_MOST = 5000  # cases one queue search links at once


def get(problem_id: int) -> KnownProblem:
    problem = db.session.get(KnownProblem, problem_id) if 0 < problem_id < 2**31 else None
    if problem is None:
        raise NotFound(_("There is no such known problem."))
    return problem


def all_problems() -> list[KnownProblem]:
    """Open problems first, newest first."""
    return list(db.session.scalars(select(KnownProblem).order_by(
        (KnownProblem.status == ProblemStatus.RESOLVED), KnownProblem.id.desc())))


def open_problems(category_id: int | None = None) -> list[KnownProblem]:
    query = select(KnownProblem).where(KnownProblem.status != ProblemStatus.RESOLVED)
    if category_id is not None:
        query = query.join(problem_categories).where(
            problem_categories.c.category_id == category_id)
    return list(db.session.scalars(query.order_by(KnownProblem.id.desc())))


def _fields(title: str, text: str, reference: str) -> tuple[str, str, str | None]:
    return (clean(title, "title", 200), clean(text, "public_text", 20_000),
            clean(reference, "outside_reference", 120, required=False) or None)


def _categories(ids: Iterable[int]) -> list[Category]:
    ids = {int(i) for i in ids}
    found = list(db.session.scalars(select(Category).where(Category.id.in_(ids)))) if ids else []
    if not found or len(found) != len(ids):
        raise ServiceError(_("Choose the categories the problem affects."), "categories")
    return found


def create(staff: User, title: str, text: str, category_ids: Iterable[int],
           reference: str = "") -> KnownProblem:
    """Open a known problem; cases already carrying its outside reference link themselves."""
    title, text, reference = _fields(title, text, reference)
    problem = KnownProblem(title=title, public_text=text, outside_reference=reference,
                           categories=_categories(category_ids), created_by_id=staff.id)
    db.session.add(problem)
    db.session.flush()
    linked = problem_links.link_ids(problem, problem_links.ids_with_reference(reference),
                                    "reference") if reference else 0
    audit.record(staff, "problem.create", problem, f"Known problem opened: {title}",
                 after={"title": title, "reference": reference, "linked": linked})
    effects.commit()
    return problem


def edit(staff: User, problem: KnownProblem, title: str, text: str,
         category_ids: Iterable[int], reference: str = "") -> None:
    title, text, reference = _fields(title, text, reference)
    before = {"title": problem.title, "reference": problem.outside_reference}
    problem.title, problem.public_text, problem.outside_reference = title, text, reference
    problem.categories = _categories(category_ids)
    problem.updated_at = utcnow()
    if reference:
        problem_links.link_ids(problem, problem_links.ids_with_reference(reference), "reference")
    audit.record(staff, "problem.edit", problem, f"Known problem edited: {title}", before,
                 {"title": title, "reference": reference})
    effects.commit()


def change_status(staff: User, problem: KnownProblem, status: ProblemStatus) -> None:
    if status == problem.status:
        raise ServiceError(_("The problem already has that status."), "status")
    old = problem.status
    problem.status = status
    problem.updated_at = utcnow()
    problem.resolved_at = utcnow() if status == ProblemStatus.RESOLVED else None
    audit.record(staff, "problem.status", problem, f"{problem.title}: {old} → {status}",
                 {"status": old}, {"status": status})
    effects.commit()


def post_update(staff: User, problem: KnownProblem, body: str,
                status: ProblemStatus | None = None,
                batches: int = problem_fanout.INLINE_BATCHES) -> ProblemUpdate:
    """Add a public update (and move the status); writes the first batches on the linked
    cases now, the minute job the rest."""
    body = clean(body, "body", 20_000)
    if status is not None and status != problem.status:
        problem.status = status
        problem.resolved_at = utcnow() if status == ProblemStatus.RESOLVED else None
    problem.updated_at = utcnow()
    update = ProblemUpdate(problem=problem, body=body, status=problem.status.value,
                           author_id=staff.id, total=problem_links.linked_count(problem))
    db.session.add(update)
    db.session.flush()
    audit.record(staff, "problem.update", problem, f"{problem.title}: public update",
                 after={"status": problem.status, "cases": update.total})
    effects.commit()
    problem_fanout.run(update.id, batches)
    return update


def continue_update(update_id: int) -> ProblemUpdate:
    """Write the next batch of an unfinished update (a second writer at once is harmless)."""
    update = problem_fanout.run(update_id, 1)
    if update is None:
        raise NotFound(_("There is no such update."))
    return update


def link_references(staff: User, problem: KnownProblem, text: str) -> int:
    """Link the cases named (CL-000123, one per line or comma); the unknown are refused."""
    wanted = [w for w in text.replace(",", " ").split() if w]
    if not wanted:
        raise ServiceError(_("Name at least one case, like CL-000123."), "references")
    ids, bad = [], []
    for word in wanted:
        case_id = parse_reference(word)
        case = db.session.get(Case, case_id) if case_id else None
        if case is None or not access.can_see(staff, case):
            bad.append(word)
        else:
            ids.append(case.id)
    if bad:
        raise ServiceError(_("No case you can see: %(refs)s", refs=", ".join(bad)), "references")
    return link_cases(staff, problem, ids, "hand")


def link_search(staff: User, problem: KnownProblem, filters: QueueFilters) -> int:
    """Link every case the queue shows at these filters (up to LINK_MOST)."""
    ids = matching_ids(staff, filters, LINK_MOST)
    if len(ids) > LINK_MOST:
        raise ServiceError(_("That search finds more than %(num)d cases: narrow it.",
                             num=LINK_MOST), "query")
    if not ids:
        raise ServiceError(_("That search finds no cases."), "query")
    return link_cases(staff, problem, ids, "queue")


def link_cases(staff: User, problem: KnownProblem, ids: list[int], how: str) -> int:
    """Link these cases (the caller checked they may); audited, committed."""
    new = problem_links.link_ids(problem, ids, how)
    audit.record(staff, "problem.link", problem, f"{problem.title}: {new} case(s) linked",
                 after={"how": how, "cases": new})
    effects.commit()
    return new


def unlink(staff: User, problem: KnownProblem, case: Case) -> None:
    link = db.session.scalar(select(ProblemCase).where(
        ProblemCase.problem_id == problem.id, ProblemCase.case_id == case.id))
    if link is None:
        raise NotFound(_("That case is not linked to the problem."))
    db.session.delete(link)
    audit.record(staff, "problem.unlink", problem, f"{problem.title}: {case.reference} unlinked",
                 department_id=case.department_id)
    effects.commit()


def _linked(problem: KnownProblem, staff: User | None, open_only: bool):
    query = select(Case).join(ProblemCase, ProblemCase.case_id == Case.id).where(
        ProblemCase.problem_id == problem.id)
    if staff is not None:
        query = query.where(Case.id.in_(access.visible_cases(staff).with_only_columns(Case.id)))
    if open_only:
        query = query.where(Case.status.in_(sorted(OPEN_STATUSES)))
    return query


def linked_cases(problem: KnownProblem, staff: User | None = None, open_only: bool = False,
                 limit: int | None = None) -> list[Case]:
    query = _linked(problem, staff, open_only)
    return list(db.session.scalars(query.order_by(Case.id).limit(limit)))


def open_linked_count(problem: KnownProblem, staff: User) -> int:
    """Open linked cases this staff member may see (what "resolve linked cases" would try)."""
    query = _linked(problem, staff, True).with_only_columns(func.count(Case.id))
    return db.session.scalar(query) or 0


def linked_case(problem: KnownProblem, staff: User, case_id: int) -> Case | None:
    """One linked case the staff member may see, else None."""
    case = db.session.scalar(
        select(Case).join(ProblemCase, ProblemCase.case_id == Case.id)
        .where(ProblemCase.problem_id == problem.id, Case.id == case_id))
    return case if case is not None and access.can_see(staff, case) else None


def resolve_linked(staff: User, problem: KnownProblem, summary: str) -> bulk.Outcome:
    """Resolve the open linked cases (up to bulk.MOST) with the summary, each through
    cases.change_status and so still refused while it has open promises."""
    if problem.is_open:
        raise ServiceError(_("Resolve the problem first."), "summary")
    summary = clean(summary, "summary", 20_000)
    outcome = bulk.Outcome()
    for case in linked_cases(problem, staff, open_only=True, limit=bulk.MOST):
        reference = case.reference
        try:
            cases.change_status(case, staff, Status.RESOLVED, summary)
        except ServiceError as exc:
            db.session.rollback()
            outcome.skipped.append(f"{reference}: {exc.message.rstrip('.')}")
        else:
            outcome.changed.append(reference)
    return outcome


def follow(customer: User, problem: KnownProblem) -> None:
    """The customer hears each update by email; following twice is following once."""
    if not problem.is_open:
        raise ServiceError(_("This problem is solved already."), "problem")
    if is_following(customer, problem):
        return
    db.session.add(ProblemFollower(problem_id=problem.id, user_id=customer.id))
    try:
        effects.commit()
    except IntegrityError:  # the same click twice at once
        db.session.rollback()


def unfollow(customer: User, problem: KnownProblem) -> None:
    row = db.session.scalar(select(ProblemFollower).where(
        ProblemFollower.problem_id == problem.id, ProblemFollower.user_id == customer.id))
    if row is not None:
        db.session.delete(row)
        effects.commit()


def is_following(customer: User, problem: KnownProblem) -> bool:
    return db.session.scalar(select(ProblemFollower.id).where(
        ProblemFollower.problem_id == problem.id,
        ProblemFollower.user_id == customer.id)) is not None


def followed_by(customer: User) -> list[KnownProblem]:
    return list(db.session.scalars(
        select(KnownProblem).join(ProblemFollower, ProblemFollower.problem_id == KnownProblem.id)
        .where(ProblemFollower.user_id == customer.id).order_by(KnownProblem.id.desc())))


def recent_updates(limit: int = 20) -> list[ProblemUpdate]:
    return list(db.session.scalars(
        select(ProblemUpdate).options(selectinload(ProblemUpdate.problem))
        .order_by(ProblemUpdate.id.desc()).limit(limit)))
