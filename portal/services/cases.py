"""The rules of a case: open it, reply to it, move its status, find it for someone."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import (
    CONTACT_DEFAULTS,
    Case,
    CaseEvent,
    Category,
    Channel,
    EventKind,
    Priority,
    Status,
    User,
    Visibility,
    utcnow,
)
from ..web.pagination import Keyset, Page, PageStatements, decode_cursor
from . import audit, customer_access, effects, notifications, timeline
from .attachments import CheckedFile
from .errors import ServiceError
from .headers import clean_header
from .text import clean

MAX_BODY = 20_000
MAX_TITLE = 200


def get_case_for(customer: User, reference: str, *, alone: bool = False) -> Case:
    """The case with this reference if the customer may see it (customer_access: their own,
    one they are on, or their organisation's); NotFound for anything else."""
    return customer_access.get_case_for(customer, reference, alone=alone)


MY_CASES_PAGE = 25
_CUSTOMER_ID = bindparam("customer_id")  # My cases' statements are built once (see below)
MOST_RECENT_FIRST = Keyset(Case.last_activity_at, Case.id)


@dataclass(frozen=True)
class CaseCard:
    """A case as My cases lists it: plain columns (building a page of cases as ORM objects
    cost more CPU than the SQL did), read by the model's own rules for what they mean."""

    id: int
    title: str
    status: Status
    first_response_at: datetime | None
    last_update_at: datetime | None
    customer_seen_at: datetime | None
    last_activity_at: datetime
    customer_name: str | None = None  # who opened it: for cases of others only

    reference = Case.reference
    has_been_answered = Case.has_been_answered
    has_unseen_updates = Case.has_unseen_updates
    status_text = Case.status_text
    status_words = Case.status_words


CARD_COLUMNS = (Case.id, Case.title, Case.status, Case.first_response_at, Case.last_update_at,
                Case.customer_seen_at, Case.last_activity_at)


def cases_for(customer: User, cursor: str | None = None,
              size: int = MY_CASES_PAGE) -> Page[CaseCard]:
    """One page of the customer's cases, the most recently active first; InvalidCursor if
    the page link is broken. (A business's best customers have hundreds of cases.)"""
    after = decode_cursor(cursor, MOST_RECENT_FIRST) if cursor else None
    page = _my_cases(size).read(after, {_CUSTOMER_ID.key: customer.id})
    return Page(items=[CaseCard(*row) for row in page.items], next_cursor=page.next_cursor)


@functools.lru_cache(maxsize=4)
def _my_cases(size: int) -> PageStatements:
    return PageStatements.of(select(*CARD_COLUMNS).where(Case.customer_id == _CUSTOMER_ID),
                             MOST_RECENT_FIRST, size)


OTHERS_CASES_SHOWN = 50
_Opener = aliased(User, name="opener")


def _others_listed(query: Select) -> Select:
    return (query.with_only_columns(*CARD_COLUMNS, _Opener.name, maintain_column_froms=False)
            .select_from(Case).outerjoin(_Opener, _Opener.id == Case.customer_id)
            .order_by(Case.last_activity_at.desc(), Case.id.desc()).limit(OTHERS_CASES_SHOWN))


# Built once with the customer as a parameter: making these nested EXISTS statements and
# their cache keys on every request cost My cases more CPU than running them did.
OTHERS_CASES = {
    "shared": _others_listed(customer_access.cases_shared_with(_CUSTOMER_ID)),
    "organisation": _others_listed(customer_access.organisation_cases_for(_CUSTOMER_ID)),
}


def others_cases_for(customer: User) -> dict[str, list[CaseCard]]:
    """Cases others opened that the customer follows, the most recently active first:
    those they are on as a colleague ("shared"), and their organisation's ("organisation")."""
    # Plain rows straight from the connection: the ORM's result handling of a select of
    # columns cost more than the statement (nothing here is pending a flush: a GET reads).
    connection = db.session.connection()
    return {name: [CaseCard(*row) for row in connection.execute(query,
                                                                {"customer_id": customer.id})]
            for name, query in OTHERS_CASES.items()}


def check_opening(title: str, body: str) -> None:
    """The ServiceError open_case would raise for this title and body, before anything else
    (a new customer) is made for it."""
    clean(title, "title", MAX_TITLE)
    clean(body, "body", MAX_BODY)


@dataclass(frozen=True)
class TakenBy:
    """Staff wrote the first message down after a call, a visit, a letter or an email."""

    staff: User
    logged: bool = False  # the words are staff's note of the contact, not the customer's own
    new_account: bool = False  # the customer was created just now: their email says so


def open_case(
    customer: User,
    title: str,
    body: str,
    category: Category,
    channel: Channel = Channel.WEB,
    files: list[CheckedFile] = (),  # type: ignore[assignment]
    priority: Priority = Priority.NORMAL,
    previous: Case | None = None,
    once: str | None = None,
    written_by: User | None = None,
    event_data: Mapping[str, Any] | None = None,
    taken_by: TakenBy | None = None,
    acknowledge: bool = False,
) -> Case:
    """Open a case with its first message, routed by its category: the customer's words, or
    (`written_by`, another system of the business) words to the customer, emailed to them,
    or (`taken_by`) what staff wrote down after a contact, the customer emailed about it.

    `acknowledge` emails the customer a receipt with the reference and what happens next
    (a new email from them; the caller makes sure it was not automatic mail).
    The same form sent twice (`once`, see timeline.earlier_submission) opens one case.
    `event_data` is kept with the first message (how an email's sender was verified).
    """
    # One line: a title becomes an email subject, and a bidi override could disguise it.
    title = clean_header(clean(title, "title", MAX_TITLE), MAX_TITLE)
    body = clean(body, "body", MAX_BODY)
    writer = taken_by.staff if taken_by and taken_by.logged else customer
    earlier = timeline.earlier_submission(customer, writer, once, body)
    if earlier is not None:
        effects.commit()
        return earlier.case
    case = Case(
        title=title,
        customer=customer,
        category=category,
        department_id=category.department_id,
        priority=priority,
        status=Status.NEW,
        previous_case_id=previous.id if previous else None,
        customer_seen_at=utcnow(),
        waiting_since=utcnow(),
    )
    db.session.add(case)
    if taken_by is not None:
        _record_taken(case, taken_by, body, channel, files, once)
    else:
        timeline.record(case, EventKind.OPENED, written_by or customer, body, channel=channel,
                        files=files, once=once,
                        previous_reference=previous.reference if previous else None,
                        **(event_data or {}))
    db.session.flush()  # the new case needs its id before anything can point at it
    if written_by is not None:
        notifications.opened_for_customer(case, written_by, body)
    elif taken_by is not None:
        notifications.case_opened(case, channel, taken_by.staff, taken_by.new_account)
        _audit_taken(case, taken_by, channel)
    elif acknowledge:
        notifications.case_opened(case, channel)
    if previous is not None:
        # With the reply's form id: the closed case's page, shown again by Back, offers it,
        # so sending the same words again finds this case instead of opening another.
        timeline.record(previous, EventKind.LINKED, None, channel=Channel.SYSTEM,
                        new_reference=case.reference, once=once)
    # Opened for them by staff, it is news to the customer: My cases marks it until seen.
    case.customer_seen_at = None if taken_by else case.last_activity_at
    effects.commit()
    return case


def _record_taken(case: Case, taken_by: TakenBy, body: str, channel: Channel,
                  files: list[CheckedFile], once: str | None) -> None:
    """The customer opened it by phone (visit, letter…): in their words, taken down by staff,
    or with staff's note of the contact as the first message."""
    taken = {"taken_by": taken_by.staff.name, "taken_by_id": taken_by.staff.id}
    if not taken_by.logged:
        timeline.record(case, EventKind.OPENED, case.customer, body, channel=channel,
                        files=files, once=once, **taken)
        return
    timeline.record(case, EventKind.OPENED, case.customer, "", channel=channel, **taken)
    timeline.record(case, EventKind.CONTACT_LOGGED, taken_by.staff, body, channel=channel,
                    files=files, once=once, contact_label=CONTACT_DEFAULTS[channel])


def _audit_taken(case: Case, taken_by: TakenBy, channel: Channel) -> None:
    audit.record(taken_by.staff, "case.open", case,
                 f"{case.reference} opened for {case.customer.name} ({channel.value})",
                 after={"channel": channel.value, "category": case.category.name,
                        "first_message": "logged contact" if taken_by.logged else
                        "customer's words", "new_customer": taken_by.new_account},
                 department_id=case.department_id)


def add_customer_message(
    case: Case,
    customer: User,
    body: str,
    channel: Channel = Channel.WEB,
    files: list[CheckedFile] = (),  # type: ignore[assignment]
    once: str | None = None,
    event_data: Mapping[str, Any] | None = None,
) -> Case:
    """Append the customer's words; returns the case they landed on (maybe a new linked one).

    The same form sent twice (`once`) is stored once; the second gets the first's case.
    `event_data` is kept with the message (how an email's sender was verified).
    """
    body = clean(body, "body", MAX_BODY)
    earlier = timeline.earlier_submission(customer, customer, once, body)
    if earlier is not None:
        effects.commit()
        return earlier.case
    if not _can_reopen(case):
        # Kept on the new case's first event, so its page can say why it is a new case.
        why = {**(event_data or {}), "previous_status": case.status.value}
        return open_case(
            customer, f"Follow-up to {case.reference}: {case.title}"[:MAX_TITLE], body,
            case.category or _default_category(case), channel=channel, files=files,
            priority=case.priority, previous=case, once=once, event_data=why,
        )
    previous_status = case.status
    event = timeline.record(case, EventKind.CUSTOMER_MESSAGE, customer, body, channel=channel,
                            files=files, once=once, **(event_data or {}))
    case.waiting_since = case.waiting_since or event.created_at
    if previous_status in (Status.WAITING_ON_CUSTOMER, Status.RESOLVED):
        kind = EventKind.REOPENED if previous_status == Status.RESOLVED else EventKind.STATUS_CHANGE
        _set_status(case, Status.IN_PROGRESS, None, kind, channel=Channel.SYSTEM)
    case.customer_seen_at = case.last_activity_at
    effects.commit()
    return case


def _can_reopen(case: Case) -> bool:
    if case.status == Status.CLOSED:
        return False
    if case.status != Status.RESOLVED or case.resolved_at is None:
        return True
    window = timedelta(days=current_app.config["REOPEN_WINDOW_DAYS"])
    return utcnow() - case.resolved_at <= window


def followed_up(case: Case) -> Case | None:
    """The earlier case a reply to which opened this one (it was closed), if any."""
    if case.previous_case_id is None:
        return None
    previous = db.session.get(Case, case.previous_case_id)
    # A follow-up is opened for the same customer; anything else is never shown to them.
    return previous if previous is not None and previous.customer_id == case.customer_id \
        else None


def _default_category(case: Case) -> Category:
    category = db.session.scalar(
        select(Category).where(Category.department_id == case.department_id).limit(1)
    )
    if category is None:
        raise ServiceError(_("This case cannot be followed up: no category exists."))
    return category


def add_staff_reply(
    case: Case,
    staff: User,
    body: str,
    internal: bool = False,
    channel: Channel = Channel.WEB,
    files: list[CheckedFile] = (),  # type: ignore[assignment]
    once: str | None = None,
) -> CaseEvent:
    """A public reply (the customer is told) or an internal note (the customer never sees it).

    The same form sent twice (`once`) is stored, and emailed, once; both get its event.
    """
    body = clean(body, "body", MAX_BODY)
    earlier = timeline.earlier_submission(case.customer, staff, once, body)
    if earlier is not None:
        effects.commit()
        return earlier
    if internal:
        event = timeline.record(case, EventKind.INTERNAL_NOTE, staff, body, channel=channel,
                                visibility=Visibility.INTERNAL, files=files, once=once)
    else:
        event = timeline.record(case, EventKind.STAFF_REPLY, staff, body, channel=channel,
                                files=files, once=once)
        mark_answered(case, staff)
        notifications.staff_replied(case, staff, body)
    effects.commit()
    return event


def mark_answered(case: Case, staff: User) -> None:
    """The customer has our answer (a public reply, a completed follow-up's message): off
    *Awaiting our answer*, and a new case is in progress. The caller commits."""
    case.waiting_since = None
    if case.status in (Status.NEW, Status.ACKNOWLEDGED):
        _set_status(case, Status.IN_PROGRESS, staff, EventKind.STATUS_CHANGE)


def change_status(case: Case, actor: User, status: Status, explanation: str = "") -> None:
    """Move the case to a status, telling the customer why in plain words.

    Resolving needs a summary for the customer and no promise left open.
    """
    explanation = clean(explanation, "explanation", MAX_BODY, required=False)
    if status == case.status:
        raise ServiceError(_("The case already has that status."), "status")
    if status == Status.RESOLVED:
        _check_resolvable(case, explanation)
        case.resolution_summary = explanation
        case.resolution_count = (case.resolution_count or 0) + 1
    old = case.status
    _set_status(case, status, actor, EventKind.STATUS_CHANGE, body=explanation)
    audit.record(actor, "case.status", case, f"{case.reference}: {old.value} → {status.value}",
                 {"status": old}, {"status": status}, department_id=case.department_id)
    notifications.status_changed(case, explanation)
    effects.commit()


def _check_resolvable(case: Case, summary: str) -> None:
    if not summary:
        raise ServiceError(_("Write a resolution summary: what was done, in words the customer "
                             "understands."), "explanation")
    still_open = [p for p in case.promises if p.is_open]
    if still_open:
        # The same English for one and many; ngettext gives other languages their plurals.
        raise ServiceError(ngettext(
            "%(num)d promise(s) still open: mark each kept, broken or withdrawn before resolving.",
            "%(num)d promise(s) still open: mark each kept, broken or withdrawn before resolving.",
            len(still_open)), "status")


def confirm_solved(case: Case, customer: User) -> None:
    """The customer says it is solved: close at once instead of after the quiet period."""
    if case.status != Status.RESOLVED:
        raise ServiceError(_("Only a resolved case can be confirmed as solved."))
    close_confirmed(case, customer)
    effects.commit()


def close_confirmed(case: Case, customer: User) -> None:
    """Close because the customer confirmed it is solved (the caller commits)."""
    _set_status(case, Status.CLOSED, customer, EventKind.STATUS_CHANGE,
                body="Confirmed as solved by the customer.")


def reopen_after_feedback(case: Case, customer: User) -> None:
    """The customer says it is not solved: back to us, their clock running again."""
    _set_status(case, Status.IN_PROGRESS, customer, EventKind.REOPENED, channel=Channel.SYSTEM,
                reason="feedback")
    case.waiting_since = case.waiting_since or utcnow()


def close_quiet_cases(now: datetime) -> list[str]:
    """Close every resolved case nobody has replied to for the quiet period (no commit);
    returns their references."""
    days = current_app.config["QUIET_PERIOD_DAYS"]
    quiet = list(db.session.scalars(select(Case).where(
        Case.status == Status.RESOLVED, Case.resolved_at < now - timedelta(days=days))))
    for case in quiet:
        _set_status(case, Status.CLOSED, None, EventKind.STATUS_CHANGE, channel=Channel.SYSTEM,
                    body=f"Closed after {days} quiet days. Reply here any time: we will open "
                         "a follow-up case for you.")
    return [case.reference for case in quiet]


def _set_status(
    case: Case,
    status: Status,
    actor: User | None,
    kind: EventKind,
    body: str = "",
    channel: Channel = Channel.WEB,
    **data: str,
) -> None:
    old = case.status
    case.status = status
    now = utcnow()
    _track_customer_wait(case, old, status, now)
    if status in (Status.RESOLVED, Status.CLOSED):
        case.waiting_since = None
    if status == Status.RESOLVED:
        case.resolved_at = now
    elif status == Status.CLOSED:
        case.closed_at = now
    else:
        case.resolved_at = case.closed_at = None
    timeline.record(case, kind, actor, body, channel=channel, old=old.value, new=status.value,
                    **data)


def _track_customer_wait(case: Case, old: Status, new: Status, now) -> None:
    """Time waiting on the customer is counted apart, so it is shown, not hidden."""
    if new == Status.WAITING_ON_CUSTOMER and old != new:
        case.waiting_on_customer_since = now
    elif old == Status.WAITING_ON_CUSTOMER and case.waiting_on_customer_since:
        spent = (now - case.waiting_on_customer_since).total_seconds()
        case.customer_wait_seconds = (case.customer_wait_seconds or 0) + int(spent)
        case.waiting_on_customer_since = None


def already_submitted(customer: User, once: str | None, body: str) -> Case | None:
    """The case an earlier copy of this very form landed on (a double click), if any."""
    try:
        body = clean(body, "body", MAX_BODY)
    except ServiceError:
        return None
    earlier = timeline.earlier_submission(customer, customer, once, body)
    return earlier.case if earlier is not None else None
