"""Turn an outbox row into a real MIME message: text and HTML, threading, Reply-To."""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, formataddr, parseaddr

from flask import current_app

from ..models import OutboxMessage
from ..services.headers import clean_header
from ..services.mail_addresses import mail_domain

# Marks our own mail, so a copy that comes back (auto-forwarding loops) is recognised.
LOOP_HEADER = "X-Caseloop-Loop"
UNFOLDED = frozenset({"list-unsubscribe"})


class _Policy(EmailPolicy):
    """SMTP's policy, except that a List-Unsubscribe URL is written as it is: folded, the
    email package would turn a long URL into encoded words no mail client can follow."""

    def fold(self, name, value):
        if name.lower() in UNFOLDED:
            return f"{name}: {value}{self.linesep}"
        return super().fold(name, value)

    def fold_binary(self, name, value):
        if name.lower() in UNFOLDED:
            return self.fold(name, value).encode("ascii", "replace")
        return super().fold_binary(name, value)


SMTP_POLICY = _Policy(linesep="\r\n")


def from_header() -> str:
    """MAIL_FROM re-built with formataddr, so a display name can never smuggle a header."""
    name, address = parseaddr(current_app.config["MAIL_FROM"])
    return formataddr((clean_header(name), address))


def envelope_sender() -> str:
    return parseaddr(current_app.config["MAIL_FROM"])[1]


def build(message: OutboxMessage) -> EmailMessage:
    """The message as it goes over SMTP; every header value passes clean_header."""
    mail = EmailMessage(policy=SMTP_POLICY)
    mail["From"] = from_header()
    mail["To"] = Address(addr_spec=clean_header(message.to_address, 254))
    mail["Subject"] = clean_header(message.subject)
    mail["Date"] = format_datetime(message.created_at)
    if message.message_id:
        mail["Message-ID"] = clean_header(message.message_id, 255)
    if message.in_reply_to:
        mail["In-Reply-To"] = clean_header(message.in_reply_to, 255)
        mail["References"] = clean_header(message.thread_references or message.in_reply_to, 2000)
    if message.reply_to:
        name = parseaddr(current_app.config["MAIL_FROM"])[0]
        mail["Reply-To"] = formataddr((clean_header(name), clean_header(message.reply_to, 254)))
    if message.list_unsubscribe:
        # RFC 2369 and RFC 8058: mail clients offer a one-click unsubscribe that POSTs
        # "List-Unsubscribe=One-Click" to this signed address (it mutes; see notifications.md).
        mail["List-Unsubscribe"] = f"<{clean_header(message.list_unsubscribe, 1000)}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # RFC 3834: ask vacation responders not to answer, which would loop.
    mail["Auto-Submitted"] = "auto-generated"
    mail["X-Auto-Response-Suppress"] = "All"
    mail[LOOP_HEADER] = mail_domain()
    # Quoted-printable, not 8bit: every relay can carry it, 8BITMIME or not.
    mail.set_content(message.body_text, cte="quoted-printable")
    if message.body_html:
        mail.add_alternative(message.body_html, subtype="html", cte="quoted-printable")
    return mail
