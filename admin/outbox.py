"""Delivery state of outgoing email, for managers: what was sent, what waits, what failed.

Managers see (and resend) the mail about their departments' cases; admins see it all.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.models import Role
from portal.models.outbox import FAILED, OUTBOX_STATUSES, PENDING, SENDING, SENT
from portal.services import outbox as outbox_service
from portal.services.errors import NotFound, ServiceError
from portal.web.lazy_text import lazy_gettext as _l

from . import bp
from .decorators import staff_required
from .views import arg_choice

STATUS_NAMES = {PENDING: _l("Pending"), SENDING: _l("Sending"), SENT: _l("Sent"),
                FAILED: _l("Failed")}


@bp.get("/outbox")
@staff_required(Role.MANAGER)
def outbox():
    status = arg_choice("status", ("", *OUTBOX_STATUSES), "")
    messages = outbox_service.recent(current_user, status or None)
    return render_template("admin/outbox.html", messages=messages,
                           status=status, statuses=OUTBOX_STATUSES, status_names=STATUS_NAMES,
                           counts=outbox_service.counts(current_user),
                           failed=FAILED)


@bp.post("/outbox/<int:message_id>/retry")
@staff_required(Role.MANAGER)
def outbox_retry(message_id: int):
    try:
        outbox_service.retry(message_id, current_user)
    except NotFound:
        abort(404)  # another department's mail, or none: the same answer
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Queued again: the worker sends it on its next round."), "success")
    return redirect(url_for("admin.outbox", status=request.args.get("status", "")))
