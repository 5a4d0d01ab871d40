"""Staff put a colleague of the customer on a case (CC), or take them off."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.models import Role
from portal.services import participants
from portal.services.errors import NotFound, ServiceError

from . import bp
from .cases import case_or_404, render_workspace
from .decorators import staff_required


@bp.post("/cases/<reference>/participants")
@staff_required(Role.AGENT)
def add_case_participant(reference: str):
    case = case_or_404(reference)
    try:
        added = participants.add(case, current_user, request.form.get("email", "")[:254])
    except ServiceError as exc:
        flash(exc.message, "error")
        return render_workspace(case, code=422)
    flash(_("%(email)s is on the case now: we emailed them a link to it.",
            email=added.user.email), "success")
    return redirect(url_for("admin.workspace", reference=case.reference) + "#people")


@bp.post("/cases/<reference>/participants/<int:participant_id>/remove")
@staff_required(Role.AGENT)
def remove_case_participant(reference: str, participant_id: int):
    case = case_or_404(reference)
    try:
        participants.remove(case, current_user, participant_id)
    except NotFound:
        abort(404)
    flash(_("They are no longer on the case."), "success")
    return redirect(url_for("admin.workspace", reference=case.reference) + "#people")
