"""Which changes tell the customer by email, and what the email says.

Every case link signs the customer in (once, within CASE_LINK_MINUTES). A customer who
chose the daily digest gets the update collected for it instead of an email now.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import LazyString

from portal.web.lazy_text import lazy_gettext as _l

from ..extensions import db
from ..i18n import in_language
from ..models import Case, Channel, DigestItem, EmailUpdates, PromiseState, Status, User
from ..web.formatting import fulltime
from ..web.urls import external_url, site_path
from . import accounts, clock, participants
from .feedback_rules import can_ask
from .notification_prefs import Kind, should_email
from .outbox import queue_email

FEEDBACK_ANSWERS = ("yes", "partly", "no")


def signed_case_token(case: Case, person: User | None = None) -> str:
    """A fresh single-use sign-in token for the case's customer (or `person`, a colleague on
    it) that lands on the case."""
    return accounts.case_link_token(
        person or case.customer, site_path("customer.case_detail", reference=case.reference))


def recipients(case: Case) -> list[User]:
    """The customers told about the case's public updates: the requester first, then the
    colleagues on it (CC). Organisation members who only may see it are not emailed."""
    return [case.customer, *(p.user for p in participants.of_case(case))]


def signed_url(token: str, **preset: str) -> str:
    """The emailed link for a sign-in token; `solved=` pre-selects a feedback answer."""
    return external_url("customer.confirm_link", token=token, **preset)


def _tell(case: Case, subject: LazyString, template: str, headline: LazyString,
          detail: str | LazyString, ask_feedback: bool = False, now: bool = False,
          kind: Kind = Kind.UPDATE, **ctx) -> None:
    """Email the customer now (`now`: a receipt, never held back), or keep the update for
    their daily digest; nothing for a customer without an address (a phone-only caller).

    The texts are lazy: they are put in the customer's language, not the sender's.
    Colleagues on the case hear of it too (a receipt, `now`, is the requester's alone), each
    with their own sign-in link and reply address; feedback links go to the requester only.
    Each person's choices (channel, muted case) decide first: notification_prefs.should_email.
    """
    for person in recipients(case)[:1] if now else recipients(case):
        _tell_one(case, person, subject, template, headline, detail,
                  ask_feedback and person.id == case.customer_id, now, kind, **ctx)


def _tell_one(case: Case, customer: User, subject: LazyString, template: str,
              headline: LazyString, detail: str | LazyString, ask_feedback: bool, now: bool,
              kind: Kind, **ctx) -> None:
    if not customer.email or not customer.active or not should_email(customer, case, kind):
        return
    if customer.email_updates == EmailUpdates.DAILY and not now:
        with in_language(customer.language):
            db.session.add(DigestItem(customer_id=customer.id, case_id=case.id,
                                      headline=str(headline)[:250], detail=str(detail)))
        return
    token = signed_case_token(case, customer)
    feedback_urls = {a: signed_url(token, solved=a) for a in FEEDBACK_ANSWERS} \
        if ask_feedback else None
    queue_email(
        customer.email, subject, template, case_id=case.id, replies_from=customer,
        language=customer.language, case=case, url=signed_url(token), feedback_urls=feedback_urls,
        link_minutes=current_app.config["CASE_LINK_MINUTES"], recipient=customer, **ctx,
    )


def staff_replied(case: Case, staff: User, body: str) -> None:
    _tell(case, _l("[%(reference)s] New reply: %(title)s", reference=case.reference,
                   title=case.title),
          "staff_reply", _l("%(name)s replied", name=staff.name), body, kind=_kind(case),
          staff=staff, body=body)


def _kind(case: Case) -> Kind:
    """While we wait on the customer, what we write asks something of them: never muted."""
    return Kind.ACTION if case.status == Status.WAITING_ON_CUSTOMER else Kind.UPDATE


def opened_for_customer(case: Case, writer: User, body: str) -> None:
    """Another system of the business opened the case with words for the customer."""
    _tell(case, _l("[%(reference)s] %(title)s", reference=case.reference, title=case.title),
          "staff_reply", _l("%(name)s opened a case for you", name=writer.name), body,
          staff=writer, body=body, opened=True)


def case_opened(case: Case, channel: Channel, taken_by: User | None = None,
                new_account: bool = False) -> None:
    """Tell the customer their case exists and what happens next: the receipt of an email that
    opened it, or (`taken_by`) the case staff opened after a call, visit or letter."""
    due = clock.next_update_expected(case, clock.standard_for(case))
    _tell(case, _l("[%(reference)s] We opened your case: %(title)s", reference=case.reference,
                   title=case.title),
          "case_opened", _l("Case %(reference)s opened", reference=case.reference),
          case.title, now=True, kind=Kind.ACCOUNT if new_account else Kind.UPDATE,
          staff=taken_by, new_account=new_account, channel=channel.value,
          due=LazyString(fulltime, due, case.customer) if due else None,
          login_url=external_url("customer.login") if new_account else None)


def status_changed(case: Case, explanation: str) -> None:
    # Lazy, unlike case.status_text: the customer's language. The detail is for the digest,
    # which cannot be answered by email: no "reply to this email" in it.
    text = case.status_words()
    _tell(case, _l("[%(reference)s] %(status)s: %(title)s", reference=case.reference,
                   status=text.label, title=case.title),
          "status_changed", _l("Status: %(status)s", status=text.label),
          explanation or text.next_step, ask_feedback=can_ask(case), kind=_kind(case),
          explanation=explanation)


def promise_changed(case: Case, promise) -> None:
    what, reference = promise.what, case.reference
    if promise.is_open:
        subject = _l("[%(reference)s] Our promise: %(what)s", reference=reference, what=what)
        headline = _l("We promised: %(what)s", what=what)
        # The time is lazy too: it is written the customer's way.
        detail = _l("%(name)s will see to it by %(time)s.", name=promise.owner_name,
                    time=LazyString(fulltime, promise.due_at, case.customer))
    else:
        subject = _l("[%(reference)s] About our promise: %(what)s", reference=reference,
                     what=what)
        if promise.state == PromiseState.KEPT:
            headline = _l("Our promise “%(what)s” was kept", what=what)
        elif promise.state == PromiseState.BROKEN:
            headline = _l("Our promise “%(what)s” was broken", what=what)
        else:
            headline = _l("Our promise “%(what)s” was withdrawn", what=what)
        detail = promise.outcome or ""
    _tell(case, subject, "promise", headline, detail, promise=promise)


def customer_escalated(case: Case, manager: User, reason: str, due) -> None:
    """The customer said "This is taking too long": the manager who owns the answer is told."""
    queue_email(manager.email, _l("[%(reference)s] The customer escalated: %(title)s",
                                  reference=case.reference, title=case.title),
                "customer_escalation", case_id=case.id, language=manager.language, case=case,
                person=manager, reason=reason, due=due,
                url=external_url("admin.workspace", reference=case.reference))
def problem_updated(case: Case, problem, body: str) -> None:
    """A known problem linked to the case has news: the customer hears it on their case."""
    _tell(case, _l("[%(reference)s] Update on %(title)s", reference=case.reference,
                   title=problem.title),
          "problem_update", _l("Update on %(title)s", title=problem.title), body,
          problem=problem, body=body)


def problem_followed(user: User, problem, body: str) -> None:
    """A customer following a known problem (without a case) gets its update by email."""
    if user.email:
        queue_email(user.email, _l("Update on %(title)s", title=problem.title),
                    "problem_follower", language=user.language, user=user, problem=problem,
                    body=body, url=external_url("customer.followed_problems"))
