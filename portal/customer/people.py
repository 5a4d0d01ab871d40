"""People on a case: the requester adds and removes colleagues, and shares the case."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import ratelimit
from ..auth import customer_required
from ..services import organisations, participants
from ..services.errors import NotFound, ServiceError
from ..web.form_input import saved
from ..web.htmx import wants_fragment
from . import bp
from .cases import _own_case, _render_case
from .forms import ParticipantForm, ReplyForm


def _back(case):
    return redirect(url_for("customer.case_detail", reference=case.reference) + "#people")


@bp.post("/cases/<reference>/participants")
@customer_required
def add_participant(reference: str):
    case = _own_case(reference)
    if not participants.may_manage(current_user, case):
        abort(404)
    form = ParticipantForm()

    def add():
        # Each colleague is emailed: a cap stops a case page being used to send mail.
        if not ratelimit.counted("RATELIMIT_INVITE_ACCOUNT", "invite", f"user:{current_user.id}"):
            raise ServiceError(_("You have added many colleagues in the last hour. Please try "
                                 "again later."), "email")
        return participants.add(case, current_user, form.email.data, form.name.data or "")

    if done := saved(form, add, "email"):
        flash(_("%(email)s is on the case now: we emailed them a link to it.",
                email=done.value.user.email), "success")
        return _back(case)
    template = "portal/cases/_case.html" if wants_fragment() else "portal/cases/detail.html"
    return _render_case(template, case, ReplyForm(formdata=None), 422, people_form=form)


@bp.post("/cases/<reference>/participants/<int:participant_id>/remove")
@customer_required
def remove_participant(reference: str, participant_id: int):
    case = _own_case(reference)
    try:
        participants.remove(case, current_user, participant_id)
    except NotFound:
        abort(404)
    flash(_("They are no longer on the case."), "success")
    return _back(case)


@bp.post("/cases/<reference>/share")
@customer_required
def share(reference: str):
    return _set_shared(reference, True)


@bp.post("/cases/<reference>/unshare")
@customer_required
def unshare(reference: str):
    return _set_shared(reference, False)


def _set_shared(reference: str, shared: bool):
    case = _own_case(reference)
    try:
        organisations.set_shared(case, current_user, shared)
    except NotFound:
        abort(404)
    flash(_("Your organisation can see this case now.") if shared else
          _("Only you and the people on the case can see it now."), "success")
    return _back(case)
