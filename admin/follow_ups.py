"""The “Close the loop” queue: unhappy answers, each owned until the customer sees the outcome."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.extensions import db
from portal.models import FollowUpState, Role, utcnow
from portal.services import customers, feedback, follow_ups, timeline

from . import bp
from .decorators import staff_required
from .forms import CompleteFollowUpForm
from .views import arg_choice, found, saved


@bp.get("/follow-ups")
@staff_required(Role.AGENT)
def follow_up_queue():
    state = arg_choice("state", ("open", "done"), "open")
    query = follow_ups.queue_query(current_user, FollowUpState(state)).limit(500)
    return render_template("admin/follow_ups/queue.html", items=list(db.session.scalars(query)),
                           state=state, now=utcnow())


def _page(item, form=None, code: int = 200):
    case = item.case
    return render_template(
        "admin/follow_ups/detail.html", item=item, case=case,
        events=timeline.all_events(case), panel=customers.before_contact(case),
        reactions=feedback.reactions_for(case), form=form or CompleteFollowUpForm(formdata=None),
        now=utcnow()), code


@bp.get("/follow-ups/<int:follow_up_id>")
@staff_required(Role.AGENT)
def follow_up(follow_up_id: int):
    item = found(follow_ups.get_for_staff, current_user, follow_up_id)
    return _page(item)


@bp.post("/follow-ups/<int:follow_up_id>/complete")
@staff_required(Role.AGENT)
def complete_follow_up(follow_up_id: int):
    item = found(follow_ups.get_for_staff, current_user, follow_up_id)
    form = CompleteFollowUpForm()
    if saved(form, lambda: follow_ups.complete(item, current_user, form.what_was_done.data,
                                               form.told_customer.data), "what_was_done"):
        flash(_("Loop closed: the customer sees what was done."), "success")
        return redirect(url_for("admin.follow_up_queue"))
    return _page(item, form, 422)
