"""POST /mail/inbound: an MTA or mail service hands us a raw message, with a shared secret."""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, request

from ..extensions import csrf
from . import inbound

bp = Blueprint("mail", __name__)
# Bodies up to twice MAIL_MAX_BYTES are still stored (and triaged as too large); beyond
# that the sender gets 413 and keeps or bounces the message, so it is never silently lost.
HARD_LIMIT_FACTOR = 2


@bp.post("/mail/inbound", endpoint="inbound")
@csrf.exempt  # a machine with the shared secret, not a browser session
def receive():
    secret = current_app.config.get("MAIL_INBOUND_SECRET")
    if not secret:
        abort(404)  # switched off: do not even admit the endpoint exists
    given = request.headers.get("X-Caseloop-Secret", "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        abort(403)
    request.max_content_length = current_app.config["MAIL_MAX_BYTES"] * HARD_LIMIT_FACTOR
    raw = request.get_data(cache=False)
    if not raw:
        abort(400)
    mail = inbound.ingest(raw)
    return {"id": mail.id, "status": mail.status, "reason": mail.reason}, 202
