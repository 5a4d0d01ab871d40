"""The customer's answers: “Did we solve it?” on the case, and reactions to replies."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user

from ..auth import customer_required
from ..models import Solved
from ..services import customer_access, feedback
from ..services.errors import NotFound, ServiceError
from ..web.form_input import refuse
from ..web.htmx import wants_fragment
from . import bp
from .cases import _own_case, _render_case
from .forms import FeedbackForm, ReactionForm, ReplyForm


@bp.post("/cases/<reference>/feedback")
@customer_required
def give_feedback(reference: str):
    case = _own_case(reference)
    if not customer_access.is_requester(current_user, case):
        abort(404)  # feedback is the requester's alone: others never see its form
    form = FeedbackForm()
    if form.validate_on_submit():
        rating = int(form.rating.data) if form.rating.data not in (None, "", "None") else None
        try:
            feedback.answer(case, current_user, Solved(form.solved.data), rating,
                            form.comment.data, first=form.first.data == "1")
        except feedback.AlreadyAnswered as exc:
            return _already_answered(case, exc.message)
        except ServiceError as exc:
            refuse(form, exc, "solved")
        else:
            return _back(case)
    template = "portal/cases/_case.html" if wants_fragment() else "portal/cases/detail.html"
    return _render_case(template, case, ReplyForm(formdata=None), 422, feedback_form=form)


@bp.post("/cases/<reference>/replies/<int:event_id>/reaction")
@customer_required
def react(reference: str, event_id: int):
    case = _own_case(reference)
    form = ReactionForm()
    if form.helpful.data not in ("yes", "no"):
        abort(400)
    if not form.validate_on_submit():
        if not form.reason.errors:
            abort(400)
        flash(" ".join(form.reason.errors), "error")  # too long: said, never cut
        return _back(case, f"#event-{event_id}")
    try:
        feedback.react(event_id, current_user, form.helpful.data == "yes", form.reason.data)
    except NotFound:
        abort(404)
    except ServiceError as exc:
        flash(exc.message, "error")
    return _back(case, f"#event-{event_id}")


def _already_answered(case, message: str):
    """The case with the answer that was recorded first, and a word on why it is not theirs."""
    if wants_fragment():
        return _render_case("portal/cases/_case.html", case, ReplyForm(formdata=None),
                            feedback_notice=message)
    flash(message, "info")
    return _back(case)


def _back(case, anchor: str = "#feedback"):
    if wants_fragment():
        return _render_case("portal/cases/_case.html", case, ReplyForm(formdata=None))
    return redirect(url_for("customer.case_detail", reference=case.reference) + anchor)
