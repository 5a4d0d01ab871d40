"""My cases, opening a case, the case page and replying on it."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth import customer_required
from ..extensions import db
from ..models import Category, EventKind, utcnow
from ..services import (
    attachments,
    cases,
    clock,
    customer_access,
    customer_escalations,
    customer_seen,
    feedback,
    feedback_rules,
    follow_ups,
    notification_prefs,
    organisations,
    participants,
    promises,
    timeline,
)
from ..services.errors import NotFound, ServiceError
from ..services.similar import find_similar_open_case
from ..web.choices import options
from ..web.errors import render_error
from ..web.files import send_attachment
from ..web.form_input import refuse
from ..web.fragments import Unbuilt, code_digest
from ..web.htmx import htmx_response, wants_fragment
from ..web.pagination import InvalidCursor
from . import bp, case_cards, problems
from .forms import EscalateForm, FeedbackForm, NewCaseForm, ParticipantForm, ReplyForm
from .help import suggestions_before_opening

# How long after sending, a page shown again still counts a resend as the same message.
RESEND_WINDOW = timedelta(minutes=10)


def _own_case(reference: str, *, alone: bool = False):
    try:
        return cases.get_case_for(current_user, reference, alone=alone)
    except NotFound:
        abort(404)


@bp.get("/cases")
@customer_required
def my_cases():
    cursor = request.args.get("cursor") or None
    try:
        page = cases.cases_for(current_user, cursor)
    except InvalidCursor:
        return render_error(400, _("That page link is broken: start again from the first page."))
    template = "portal/cases/_list.html" if wants_fragment() else "portal/cases/index.html"
    # Cases of others this customer follows: on the first page only, below their own.
    shared = cases.others_cases_for(current_user) if not cursor else None
    nothing_shared = not any((shared or {}).values())
    return render_template(
        template, cases=page.items, page=page, cursor=cursor, shared=shared,
        no_cases=not page.items and not cursor and nothing_shared,
        list_shown=case_cards.list_shown(page, cursor, shared),
        own_cards=case_cards.WhenAsked(lambda: case_cards.own_cards(page.items)),
        shared_cards=case_cards.WhenAsked(lambda: {
            key: case_cards.shared_cards(listed) for key, listed in (shared or {}).items()}))


def _category_choices() -> list:
    rows = db.session.scalars(select(Category).where(Category.active).order_by(Category.name))
    return options([(0, _("Choose…"))] + [(c.id, c.name) for c in rows])


@bp.route("/cases/new", methods=["GET", "POST"])
@customer_required
def new_case():
    form = NewCaseForm()
    form.category.choices = _category_choices()
    if len(form.category.choices) == 1:  # only "Choose…": nobody has set up a category yet
        # Nothing the customer typed is lost: the page shows it back with another way in.
        return render_template("portal/cases/new.html", form=form, no_categories=True), \
            503 if form.is_submitted() else 200
    if not form.validate_on_submit():
        if not form.is_submitted():  # Back then Send: the same words are the same case
            form.once.data = timeline.last_opening_once(current_user, RESEND_WINDOW) or \
                form.once.data
        status = 422 if form.is_submitted() else 200
        return render_template("portal/cases/new.html", form=form), status
    category = db.session.get(Category, form.category.data)
    if category is None or not category.active:
        form.category.errors.append(_("Choose what your case is about."))
        return render_template("portal/cases/new.html", form=form), 422
    done = cases.already_submitted(current_user, form.once.data, form.body.data)
    if done is not None:  # the same form again (a double click): show the case it opened
        return redirect(url_for("customer.case_detail", reference=done.reference))
    known = problems.known_for(category.id)
    if known and request.form.get("problems_seen", type=int) != category.id:
        # Without JavaScript the notice shows now; sent again, the case opens.
        return render_template("portal/cases/new.html", form=form, known_problems=known,
                               chosen_category=category.id), 409
    offered = suggestions_before_opening(form)
    if offered:  # without JavaScript, help articles come as a step before the case opens
        return render_template("portal/cases/new.html", form=form, articles=offered)
    similar = None if form.confirmed_new.data else find_similar_open_case(
        current_user, form.title.data, category.id)
    if similar is not None:
        form.confirmed_new.data = "yes"
        return render_template("portal/cases/new.html", form=form, similar=similar), 409
    try:
        files = attachments.check_uploads(form.attachments.data)
        case = cases.open_case(current_user, form.title.data, form.body.data, category,
                               files=files, once=form.once.data)
    except ServiceError as exc:
        refuse(form, exc, "body")
        return render_template("portal/cases/new.html", form=form), 422
    return redirect(url_for("customer.case_detail", reference=case.reference))


def _render_case(template: str, case, form=None, code: int = 200, feedback_form=None,
                 just_replied: bool = False, feedback_notice: str | None = None,
                 escalate_form=None, people_form=None):
    """The case page or its fragment, with the customer's clock and feedback worked out.

    After a reply, its event is marked so that focus moves to it (static/js/a11y.js).
    Everyone who may see the case sees the same page, but for feedback (the requester's).
    A form not given is untouched: built only if its kept HTML is not found (`_untouched`).
    """
    promises.of_case(case)  # by a statement built once, before the clock reads them
    next_update = clock.next_update_for(case)
    requester = customer_access.is_requester(current_user, case)
    answer = feedback_rules.current(case) if requester else None
    can_ask = requester and feedback_rules.can_ask(case)
    # Forms are built only where the page shows them: building one costs like rendering it.
    if feedback_form is None and (can_ask or answer is not None):
        preset = request.args.get("solved") if request.method == "GET" else None
        # A link in the email pre-selects the answer; only the POST records it.
        feedback_form = _untouched(FeedbackForm, solved=preset if preset in
                                   ("yes", "partly", "no") else None,
                                   first="1" if answer is None else "")
    events = timeline.public_events(case)
    mine = [e.id for e in events if e.kind == EventKind.CUSTOMER_MESSAGE
            and e.author_id == current_user.id]
    if form is None:
        form = _untouched(ReplyForm, once=_offer_once(events) or _new_once())
    elif not form.once.raw_data:  # a fresh form, not one sent back with an error
        form.once.data = _offer_once(events) or form.once.data
    return render_template(
        template, case=case, events=events, form=form, **_follows_up(case, events),
        flagged_promises=promises.flagged_to_someone_else(case),
        update_overdue=next_update is not None and next_update < utcnow(),
        focus_event_id=mine[-1] if just_replied and mine else None,
        next_update=next_update, can_ask=can_ask,
        answer=answer, requester=requester,
        answer_changeable=answer is not None and feedback_rules.can_change(answer),
        feedback_form=feedback_form, feedback_notice=feedback_notice,
        follow_up=follow_ups.for_feedback(answer),
        reactions=feedback.reactions_for(case) if requester else {},
        **_people(case, requester, people_form),
        **escalation_context(case, escalate_form),
        following=notification_prefs.is_following(current_user, case),
    ), code


def _untouched(form_class, **defaults) -> Unbuilt:
    """A form as nobody has touched it, built only if its kept HTML is not found: keyed by
    its class, its defaults and the code that defines its fields (labels, hints, limits).
    A `once` default is new on every page: filled in (`own`), never part of the key."""
    own = {k: v for k, v in defaults.items() if k == "once"}
    inputs = (code_digest(form_class.__module__, cases.__name__), form_class.__name__,
              sorted((k, v) for k, v in defaults.items() if k not in own))
    return Unbuilt(lambda: form_class(formdata=None, **defaults), inputs, own)


def _new_once() -> str:
    return ReplyForm.once.kwargs["default"]()


def escalation_context(case, form=None) -> dict:
    """What the "This is taking too long" panel shows: today's escalation (its manager, due
    time and when the customer may ask again), else the form."""
    escalation = customer_escalations.current(case) if case.is_open else None
    return {"escalation": escalation, "escalate_form": form or _untouched(EscalateForm),
            "escalate_again": escalation and customer_escalations.again_at(case, escalation)}


def _people(case, requester: bool, people_form=None) -> dict:
    """Who is on the case, and what this customer may change about it."""
    sharing = organisations.sharing_offered(current_user, case)
    return {"participants": participants.shown_on(case), "may_manage_people": requester,
            "people_form": people_form or (_untouched(ParticipantForm) if requester else None),
            "sharing_offered": sharing, "shared": sharing and organisations.is_shared(case)}


def _offer_once(events) -> str | None:
    """The form id of the customer's own message here, if sent in the last few minutes.

    Without JavaScript, Back shows the page afresh (no-store) with the words restored by the
    browser but a new form id, so Send would store a second copy; offered the last id, the
    same words are the same submission, and new words still a new message.
    """
    since = utcnow() - RESEND_WINDOW
    # Their own words here, or (a closed case) the follow-up case their words opened.
    recent = [e for e in events if (e.author_id == current_user.id or e.kind == EventKind.LINKED)
              and e.created_at >= since and e.data.get(timeline.ONCE)]
    return recent[-1].data[timeline.ONCE] if recent else None


def _follows_up(case, events) -> dict:
    """For a case a reply to a closed one opened: that case, why this one is new, and what
    it still owes the customer (open promises, follow-ups of their feedback among them)."""
    previous = cases.followed_up(case)
    if previous is None:
        return {"previous": None}
    first = events[0].data if events and events[0].kind == EventKind.OPENED else {}
    still_open = [p for p in previous.promises if p.public and p.is_open]
    return {"previous": previous, "previous_status": first.get("previous_status", "closed"),
            "previous_open": still_open,
            "previous_flagged": promises.flagged_to_someone_else(previous)}


@bp.get("/cases/<reference>")
@customer_required
def case_detail(reference: str):
    case = _own_case(reference)
    html = _render_case("portal/cases/detail.html", case)
    if case.customer_id == current_user.id:  # a colleague on the case (CC) is not them
        customer_seen.mark_seen(case)
    return html


@bp.post("/cases/<reference>/solved")
@customer_required
def confirm_solved(reference: str):
    case = _own_case(reference)
    if not customer_access.is_requester(current_user, case):
        abort(404)  # closing it is the requester's answer, like feedback
    try:
        cases.confirm_solved(case, current_user)
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Thank you. Your case is closed."), "success")
    return redirect(url_for("customer.case_detail", reference=case.reference))


@bp.post("/cases/<reference>/replies")
@customer_required
def reply(reference: str):
    case = _own_case(reference)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            files = attachments.check_uploads(form.attachments.data)
            landed = cases.add_customer_message(case, current_user, form.body.data, files=files,
                                                once=form.once.data)
        except ServiceError as exc:
            refuse(form, exc, "body")
        else:
            return _after_reply(case, landed)
    template = "portal/cases/_case.html" if wants_fragment() else "portal/cases/detail.html"
    return _render_case(template, case, form, 422)


def _after_reply(case, landed):
    target = url_for("customer.case_detail", reference=landed.reference)
    if landed.id != case.id:
        # The old case was closed: the reply opened a linked case, so go there.
        if wants_fragment():
            return htmx_response("", 204, location=target)
        return redirect(target)
    if wants_fragment():
        html = _render_case("portal/cases/_case.html", case, ReplyForm(formdata=None),
                            just_replied=True)
        if case.customer_id == current_user.id:
            customer_seen.mark_seen(case)
        return html
    return redirect(target + "#latest")


@bp.get("/attachments/<int:attachment_id>/<path:filename>")
@customer_required
def attachment(attachment_id: int, filename: str):
    found = attachments.get_for_customer(current_user, attachment_id)
    if found is None:
        abort(404)
    return send_attachment(found)
