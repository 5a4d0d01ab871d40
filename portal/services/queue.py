"""The staff queue: filters from the URL, search over visible cases, saved-view counts."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple, TypeVar

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, bindparam, func, or_, select
from sqlalchemy.orm import aliased
from werkzeug.datastructures import MultiDict

from portal.web.lazy_text import lazy_gettext as _l

from ..extensions import db
from ..models import (
    OPEN_STATUSES,
    PRIORITY_LABELS,
    STAFF_ROLES,
    Case,
    Department,
    Priority,
    Role,
    Status,
    User,
    parse_reference,
)
from ..web.pagination import (
    InvalidCursor,
    Keyset,
    Page,
    PageStatements,
    decode_cursor,
    paginate,
    unindexed,
)
from . import case_search, catalog, stuck
from .access import (
    VISIBLE_DEPARTMENTS,
    visible_cases_by_role,
    visible_parameters,
)
from .catalog import DepartmentSettings
from .errors import ServiceError

PAGE_SIZE = 50
MAX_QUERY = 200
MAX_WORDS = 10
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL

VIEWS = ("open", "mine", "unassigned", "waiting", "stuck")
SORTS = {"updated": Case.last_activity_at, "opened": Case.created_at,
         "waiting": Case.waiting_since}
SORT_LABELS = {"updated": _l("Last update"), "opened": _l("Opened"),
               "waiting": _l("Waiting since")}
DIRECTIONS = ("desc", "asc")
DIRECTION_LABELS = {"desc": _l("Newest first"), "asc": _l("Oldest first")}
# The end of the "Showing …" line, by (sort, descending), whole: inside a sentence a label
# may need other words (or other capitals) than on its own.
SORTED_BY = {
    ("updated", True): _l("sorted by last update, newest first."),
    ("updated", False): _l("sorted by last update, oldest first."),
    ("opened", True): _l("sorted by opened, newest first."),
    ("opened", False): _l("sorted by opened, oldest first."),
    ("waiting", True): _l("sorted by waiting since, newest first."),
    ("waiting", False): _l("sorted by waiting since, oldest first."),
}
DIGITS = re.compile(r"[0-9]{1,10}")
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class QueueFilters:
    """What the staff member asked the queue for, checked and typed."""

    view: str = "open"
    statuses: frozenset[Status] = OPEN_STATUSES
    department_id: int | None = None
    assignee_id: int | None = None
    priority: Priority | None = None
    category_id: int | None = None
    q: str = ""
    words: tuple[str, ...] = ()
    sort: str = "updated"
    descending: bool = True
    after: tuple[Any, Any] | None = None

    @property
    def keyset(self) -> Keyset:
        return _keyset(self.sort, self.descending, self.view)

    @property
    def open_only(self) -> bool:
        return self.statuses == OPEN_STATUSES

    @property
    def view_alone(self) -> bool:
        """Whether these filters are a saved view as its tab counts it: open cases, nothing
        else chosen, no search (the page and order do not change which cases match)."""
        return self.open_only and not self.words and (
            self.department_id, self.assignee_id, self.priority, self.category_id
        ) == (None, None, None, None)


COUNT_CAP = 10_000  # tab counts stop here: beyond it a count says "10,000+"


@dataclass(frozen=True)
class ViewCounts:
    mine: int
    unassigned: int
    waiting: int
    open: int
    stuck: int

    def label(self, view: str) -> str:
        """'1,234', or '10,000+' past the cap (nobody works a tab by its exact size)."""
        count = getattr(self, view)
        return f"{COUNT_CAP:,}+" if count > COUNT_CAP else f"{count:,}"


Choices = list[tuple[Any, str]]


@dataclass(frozen=True)
class FilterOptions:
    """(value, label) pairs for each filter control, like WTForms choices."""

    departments: Choices
    categories: Choices
    assignees: Choices
    priorities: Choices
    sorts: Choices
    directions: Choices


def parse_filters(args: MultiDict[str, str]) -> QueueFilters:
    """Read the queue's query string; ServiceError names the first bad parameter."""
    view = _choice(args.get("view") or "open", VIEWS, "view")
    sort = _choice(args.get("sort") or ("waiting" if view == "waiting" else "updated"),
                   tuple(SORTS), "sort")
    # Waiting longest is the useful end of "waiting"; newest first for the others.
    default_dir = "asc" if sort == "waiting" else "desc"
    descending = _choice(args.get("dir") or default_dir, DIRECTIONS, "dir") == "desc"
    q, words = _search_text(args.get("q", ""))
    return QueueFilters(
        view=view,
        statuses=_statuses(args.getlist("status")),
        department_id=_id(args.get("department"), "department"),
        assignee_id=_id(args.get("assignee"), "assignee"),
        priority=_enum(Priority, args.get("priority"), "priority"),
        category_id=_id(args.get("category"), "category"),
        q=q,
        words=words,
        sort=sort,
        descending=descending,
        after=_cursor(args.get("cursor"), _keyset(sort, descending, view)),
    )


_Customer = aliased(User, name="customer")
_Assignee = aliased(User, name="assignee")
# What a queue row shows, as plain rows rather than ORM objects: building 50 cases with
# their people and departments cost more than the SQL did. Every value a row's cells show
# is here, so the rendered cells can be cached under them (admin/queue_rows.py).
ROW_COLUMNS = (
    Case.id, Case.version, Case.title, Case.status, Case.priority, Case.created_at,
    Case.last_activity_at, Case.waiting_since,
    _Customer.name.label("customer_name"), _Customer.email.label("customer_email"),
    Department.name.label("department_name"), _Assignee.name.label("assignee_name"),
)


def search(staff: User, filters: QueueFilters) -> Page[Any]:
    """One page of the cases this staff member may see that match the filters, as rows of
    ROW_COLUMNS (`.id`, `.title`, `.customer_name`, …)."""
    shape, parameters = _prepared(staff, filters)
    if filters.keyset.nullable:  # NULLs last: no one statement for every page (`Keyset`)
        query = _rows(_filtered(shape)).where(*_word_conditions(filters))
        return paginate(query, filters.keyset, filters.after, PAGE_SIZE, parameters)
    pages = _search_pages(shape, PAGE_SIZE)
    if filters.words:  # a search's words are values in conditions made for them
        pages = pages.where(*_word_conditions(filters))
    return pages.read(filters.after, parameters)


def matching_ids(staff: User, filters: QueueFilters, most: int) -> list[int]:
    """Ids of every case on all pages matching the filters, in queue order, up to most + 1
    (one more says there are too many)."""
    return list(db.session.scalars(*_matching(staff, filters, most)))


def matching_count(staff: User, filters: QueueFilters, most: int,
                   counts: ViewCounts | None = None) -> int:
    """len(matching_ids(…)), counted by the database: the queue shows it on every page, and
    fetching 201 ids to count them cost more CPU than the page's 50 rows did. With the
    page's tab `counts` and a view alone, its tab's count (capped far above `most`) says it:
    the same cases, counted by the same condition, so no second count."""
    if counts is not None and filters.view_alone and most < COUNT_CAP:
        return min(getattr(counts, filters.view), most + 1)
    query, parameters = _matching(staff, filters, most, ordered=False)
    return db.session.scalar(select(func.count()).select_from(query.subquery()),
                             parameters) or 0


def _matching(staff: User, filters: QueueFilters, most: int, *, ordered: bool = True,
              ) -> tuple[Select, dict[str, Any]]:
    """The ids of the first most + 1 matching cases, in queue order if `ordered`; counted,
    any most + 1 give the same number, so the database may read them by any index."""
    shape, parameters = _prepared(staff, filters)
    if not ordered:
        shape = shape._replace(walks=False)
    query = _filtered(shape).where(*_word_conditions(filters)).with_only_columns(Case.id)
    if ordered:
        query = query.order_by(*filters.keyset.order_by())
    return query.limit(most + 1), parameters


def view_counts(staff: User, departments: Sequence[DepartmentSettings] | None = None,
                ) -> ViewCounts:
    """Open cases per saved view over what this staff member sees, each counted only up to
    COUNT_CAP + 1 (shown as "10,000+"), in one query: a tab count costs the same at a
    hundred open cases and at a million. `departments`: every one, if already read."""
    found = stuck.cutoffs(departments=departments)
    every = sorted(found)  # a cutoff per department: every department's id
    # An admin sees every case, and every case is in a department (a foreign key): counted
    # as in all of them, each count seeks (department, status) in its index, where without
    # a department PostgreSQL 1M scanned an index whole (~150 ms a load with its generic
    # plan, ~25 ms this way; benchmarks/README.md).
    visible = ({VISIBLE_DEPARTMENTS.key: every or [-1]} if staff.role == Role.ADMIN
               else visible_parameters(staff))
    statement = _counts_statement(tuple(every), COUNT_CAP)
    row = db.session.execute(statement, {STAFF_ID.key: staff.id, **visible,
                                         **stuck.cutoff_parameters(found)}).one()
    return ViewCounts(*row)


STAFF_ID = bindparam("staff_id")


@functools.lru_cache(maxsize=64)
def _counts_statement(departments: tuple[int, ...], cap: int) -> Select:
    """view_counts' statement, built once per set of departments with the staff member,
    the departments they see and the stuck cutoffs as parameters: SQLAlchemy memoises
    its cache key, which cost as much CPU as the counting did when made every load."""
    open_cases = visible_cases_by_role(False).where(Case.status.in_(sorted(OPEN_STATUSES)))

    def capped(*conditions: ColumnElement[bool]):
        some = open_cases.where(*conditions).with_only_columns(Case.id).limit(cap + 1)
        return select(func.count()).select_from(some.subquery()).scalar_subquery()

    return select(
        capped(Case.assignee_id == STAFF_ID), capped(Case.assignee_id.is_(None)),
        capped(Case.waiting_since.is_not(None)), capped(),
        capped(stuck.condition_for(departments)))


def filter_options(staff: User, listed: catalog.Listed | None = None) -> FilterOptions:
    """The departments, categories and assignees this staff member may filter by;
    `listed`: every department and category, if already read."""
    listed = listed or catalog.departments_and_categories()
    if staff.role == Role.ADMIN:
        departments: Sequence[Any] = listed.departments
    else:
        departments = sorted(staff.departments, key=lambda d: d.name)
    ids = [d.id for d in departments] or [-1]
    categories = [tuple(named) for named, dep_id in listed.categories if dep_id in ids]
    people = db.session.execute(_people_statement(staff.role == Role.ADMIN),
                                {FILTER_DEPARTMENTS.key: ids})
    return FilterOptions(
        departments=[(d.id, d.name) for d in departments],
        categories=categories,
        assignees=[tuple(row) for row in people],
        priorities=[(p.value, PRIORITY_LABELS[p]) for p in Priority],
        sorts=list(SORT_LABELS.items()),
        directions=list(DIRECTION_LABELS.items()),
    )


FILTER_DEPARTMENTS = bindparam("filter_department_ids", expanding=True)


@functools.cache
def _people_statement(admin: bool) -> Select:
    """The staff an admin (everyone) or others (their departments' members, the ids a
    parameter) may filter by, by name: built once, as building it cost more than its SQL."""
    people = select(User.id, User.name).where(User.role.in_(sorted(STAFF_ROLES)))
    if not admin:
        people = people.where(User.departments.any(Department.id.in_(FILTER_DEPARTMENTS)))
    return people.order_by(User.name)


class _Shape(NamedTuple):
    """What a queue statement's SQL depends on; every value it compares with is a parameter
    (`_prepared`), so one statement serves every staff member asking the same way."""

    admin: bool
    view: str
    chosen: tuple[str, ...]  # the filters given, of FILTERED's names
    walks: bool  # the keyset's index gives the page in order (`_walks`)
    sort: str
    descending: bool
    stuck_departments: tuple[int, ...]  # the Stuck view's: a cutoff parameter each


# The filters that compare a column with a chosen value, by their QueueFilters field (the
# name of their parameter too).
FILTERED = {"department_id": Case.department_id, "assignee_id": Case.assignee_id,
            "priority": Case.priority, "category_id": Case.category_id}
STATUSES = bindparam("statuses", expanding=True)


def _prepared(staff: User, filters: QueueFilters) -> tuple[_Shape, dict[str, Any]]:
    """The shape of the statement these filters need, and its parameters' values (a
    statement ignores those it has not)."""
    cutoffs = stuck.cutoffs() if filters.view == "stuck" else {}
    shape = _Shape(
        admin=staff.role == Role.ADMIN, view=filters.view,
        chosen=tuple(name for name in FILTERED if getattr(filters, name) is not None),
        walks=_walks(filters), sort=filters.sort, descending=filters.descending,
        stuck_departments=tuple(sorted(cutoffs)))
    visible = {} if shape.admin else visible_parameters(staff)
    return shape, {STAFF_ID.key: staff.id, STATUSES.key: sorted(filters.statuses), **visible,
                   **{name: getattr(filters, name) for name in FILTERED},
                   **stuck.cutoff_parameters(cutoffs)}


@functools.lru_cache(maxsize=256)
def _search_pages(shape: _Shape, per_page: int) -> PageStatements:
    """search's statements for one shape, built once: building the statement and its cache
    key on every load cost ~0.6 ms of the queue's CPU (benchmarks/README.md)."""
    return PageStatements.of(_rows(_filtered(shape)), _keyset(shape.sort, shape.descending,
                                                              shape.view), per_page)


def _rows(query: Select) -> Select:
    # Outer joins, as the ORM's joined loads were: SQLite keeps cases as the outer loop and
    # walks the sort index (an inner join would let it start from users instead).
    return (query.with_only_columns(*ROW_COLUMNS, maintain_column_froms=False)
            .select_from(Case)
            .outerjoin(_Customer, _Customer.id == Case.customer_id)
            .outerjoin(Department, Department.id == Case.department_id)
            .outerjoin(_Assignee, _Assignee.id == Case.assignee_id))


@functools.lru_cache(maxsize=256)
def _filtered(shape: _Shape) -> Select:
    """The visible cases matching a shape's filters (words apart), values as parameters."""
    # Read a page at a time in keyset order: on SQLite, walk the sort index (`unindexed`).
    status = unindexed(Case.status) if shape.walks else Case.status
    department = unindexed(Case.department_id) if shape.walks else Case.department_id
    conditions: list[ColumnElement[bool]] = [status.in_(STATUSES)]
    if not shape.admin:
        conditions.append(department.in_(VISIBLE_DEPARTMENTS))
    if shape.view == "mine":
        conditions.append(Case.assignee_id == STAFF_ID)
    elif shape.view == "unassigned":
        conditions.append(Case.assignee_id.is_(None))
    elif shape.view == "waiting":
        conditions.append(Case.waiting_since.is_not(None))
    elif shape.view == "stuck":
        conditions.append(stuck.condition_for(shape.stuck_departments))
    for name, column in FILTERED.items():
        if name in shape.chosen:
            # A department holds a large share of the cases: walking the sort index past
            # the others beats reading all of its cases and sorting them (SQLite 10k: 5.3 →
            # 0.7 ms). An assignee's, a priority's or a category's are left to the planner.
            walked = shape.walks and name == "department_id"
            conditions.append((unindexed(column) if walked else column) == bindparam(name))
    return select(Case).where(*conditions)


def _word_conditions(filters: QueueFilters) -> list[ColumnElement[bool]]:
    # Every word must appear somewhere on the case, in any of the searched fields.
    return [_matches(word) for word in filters.words]


def _walks(filters: QueueFilters) -> bool:
    """Whether the keyset's index can give the page in order (NULLs-last sorts cannot)."""
    return not filters.keyset.nullable


def _matches(word: str) -> ColumnElement[bool]:
    """Cases where this word is in the reference, customer, title, a message or a reference."""
    found: list[ColumnElement[bool]] = [
        case_search.matches(word),
        Case.customer_id.in_(select(User.id).where(or_(
            User.name.icontains(word, autoescape=True),
            User.email.icontains(word, autoescape=True)))),
    ]
    case_id = _reference_id(word)
    if case_id is not None:
        found.insert(0, Case.id == case_id)
    return or_(*found)


def _reference_id(word: str) -> int | None:
    """The case id in "CL-000123" or "123", if the word is one."""
    case_id = parse_reference(word)
    if case_id is None and DIGITS.fullmatch(word):
        case_id = int(word)
    return case_id if case_id is not None and 0 < case_id <= MAX_ID else None


def _keyset(sort: str, descending: bool, view: str) -> Keyset:
    # The waiting view already excludes NULLs, so it keeps the plain, index-friendly order.
    nullable = sort == "waiting" and view != "waiting"
    return Keyset(SORTS[sort], Case.id, descending=descending, nullable=nullable)


def _choice(value: str, allowed: Sequence[str], name: str) -> str:
    if value not in allowed:
        raise ServiceError(_("Unknown %(name)s. Use one of: %(allowed)s.", name=name,
                             allowed=", ".join(allowed)), name)
    return value


def _enum(kind: type[E], value: str | None, name: str) -> E | None:
    if not value:
        return None
    return kind(_choice(value, [m.value for m in kind], name))


def _statuses(values: list[str]) -> frozenset[Status]:
    chosen = {_enum(Status, value, "status") for value in values if value}
    return frozenset(s for s in chosen if s is not None) or OPEN_STATUSES


def _id(value: str | None, name: str) -> int | None:
    if not value:
        return None
    if not DIGITS.fullmatch(value) or not 0 < int(value) <= MAX_ID:
        raise ServiceError(_("The %(name)s filter must be a number from the list.", name=name),
                           name)
    return int(value)


def _search_text(raw: str) -> tuple[str, tuple[str, ...]]:
    if "\x00" in raw:
        raise ServiceError(_("The search contains a character we cannot search for."), "q")
    if len(raw) > MAX_QUERY:
        raise ServiceError(_("Keep the search to %(count)d characters or fewer.",
                             count=MAX_QUERY), "q")
    q = " ".join(raw.split())
    # Each distinct word adds subqueries per case: keep their number small.
    # Matching ignores case, so "Recall recall" is one word, not two conditions.
    words = tuple(dict.fromkeys(w.lower() for w in q.split()))
    if len(words) > MAX_WORDS:
        raise ServiceError(_("Search for at most %(count)d words.", count=MAX_WORDS), "q")
    return q, words


def _cursor(token: str | None, keyset: Keyset) -> tuple[Any, Any] | None:
    if not token:
        return None
    try:
        return decode_cursor(token, keyset)
    except InvalidCursor as exc:
        raise ServiceError(_("That page link is broken: start again from the first page."),
                           "cursor") from exc
