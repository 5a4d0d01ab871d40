""""This is taking too long": the customer escalates their open case to a manager."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import customer_required
from ..models import utcnow
from ..services import customer_escalations
from ..services.errors import ServiceError
from ..web.htmx import htmx_response, wants_fragment
from . import bp
from .cases import _own_case, _render_case, escalation_context
from .forms import EscalateForm, ReplyForm


@bp.post("/cases/<reference>/escalate")
@customer_required
def escalate(reference: str):
    """Escalate, then back to the case; 422 with the message for a missing reason, 429 (a
    fragment: 422, which htmx swaps in) when the case was escalated today already."""
    case = _own_case(reference)
    form = EscalateForm()
    code, headers = 422, {}
    if form.validate_on_submit():
        try:
            done = customer_escalations.escalate(case, current_user, form.reason.data)
        except customer_escalations.AlreadyEscalated as exc:
            form.reason.errors.append(exc.message)
            code = 422 if wants_fragment() else 429
            headers["Retry-After"] = str(max(0, int((exc.again_at - utcnow()).total_seconds())))
        except ServiceError as exc:
            form.reason.errors.append(exc.message)
        else:
            flash(_("Thank you. %(name)s now owns the answer to your case.",
                    name=done.manager.name), "success")
            target = url_for("customer.case_detail", reference=case.reference)
            if wants_fragment():
                return htmx_response("", 204, location=target)
            return redirect(target, 303)
    if wants_fragment():
        return render_template("portal/cases/_escalate.html", case=case,
                               **escalation_context(case, form)), code
    html, code = _render_case("portal/cases/detail.html", case, ReplyForm(formdata=None), code,
                              escalate_form=form)
    return html, code, headers
