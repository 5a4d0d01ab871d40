"""Recognise mail no person wrote: auto-replies, bounces, lists and our own mail coming back."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import parseaddr

from flask import current_app

from ..services.mail_addresses import LOCAL_PREFIX, mail_domain
from .compose import LOOP_HEADER

_BULK = {"bulk", "list", "junk"}
_ROBOTS = ("mailer-daemon@", "postmaster@", "noreply@", "no-reply@", "donotreply@")


def automatic_reason(message: EmailMessage, sender: str) -> str | None:
    """Why this message was sent by a machine, or None when a person seems to have sent it.

    Such mail is never put on a timeline and never answered, so mail loops cannot start.
    """
    for check in (_headers, _report, _return_path):
        reason = check(message)
        if reason:
            return reason
    return _sender(sender)


def may_answer(message: EmailMessage, sender: str) -> bool:
    """True when a person seems to have written it: only then may we email an answer."""
    return automatic_reason(message, sender) is None


def _headers(message: EmailMessage) -> str | None:
    auto = str(message.get("Auto-Submitted", "")).split(";")[0].strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in _BULK:
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if name in message:
            return f"{name} header"
    if "List-Id" in message:
        return "Mailing list (List-Id)"
    if LOOP_HEADER in message:
        return "Our own notification came back (loop)"
    return None


def _report(message: EmailMessage) -> str | None:
    if message.get_content_type() == "multipart/report":
        kind = message.get_param("report-type") or "report"
        return f"Delivery report (multipart/report; {kind})"
    return None


def _return_path(message: EmailMessage) -> str | None:
    paths = [str(v).strip() for v in message.get_all("Return-Path", [])]
    if any(p in ("<>", "") for p in paths):
        return "Empty Return-Path (a bounce)"
    return None


def _sender(sender: str) -> str | None:
    own = parseaddr(current_app.config["MAIL_FROM"])[1].lower()
    ours = sender.startswith(LOCAL_PREFIX) and sender.endswith("@" + mail_domain().lower())
    if sender == own or ours:
        return "Sent from our own address"
    if sender.startswith(_ROBOTS):
        return f"Sent by {sender.split('@')[0]}"
    return None
