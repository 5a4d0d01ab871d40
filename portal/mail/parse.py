"""Read a raw message with the stdlib parser: headers, the customer's words, attachments."""

from __future__ import annotations

from dataclasses import dataclass, field
from email import errors, policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from ..services.headers import clean_header
from .quotes import html_to_text, strip_quotes

MAX_PARTS = 100
# Defects that mean the structure itself is broken, not just sloppy.
SERIOUS_DEFECTS = (
    errors.StartBoundaryNotFoundDefect,
    errors.MultipartInvariantViolationDefect,
    errors.MissingHeaderBodySeparatorDefect,
    errors.NoBoundaryInMultipartDefect,
)


class Unreadable(Exception):
    """The message cannot be understood well enough to act on it."""


@dataclass
class MailFile:
    filename: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    message: EmailMessage
    message_id: str | None
    sender: str
    subject: str
    text: str
    recipients: list[str] = field(default_factory=list)
    files: list[MailFile] = field(default_factory=list)


def parse(raw: bytes) -> ParsedMail:
    """Parse and check a message; raises Unreadable with a reason staff can act on."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    _check_structure(message)
    sender = parseaddr(str(message.get("From", "")))[1].strip().lower()
    if "@" not in sender:
        raise Unreadable("No usable sender address (From).")
    return ParsedMail(
        message=message,
        message_id=_message_id(message),
        sender=sender[:254],
        subject=clean_header(str(message.get("Subject", "")), 250),
        text=body_text(message),
        recipients=_recipients(message),
        files=_files(message),
    )


def headers_only(raw: bytes) -> tuple[str, str]:
    """(sender, subject) without reading the body: enough to list a message too big to parse."""
    head = BytesParser(policy=policy.default).parsebytes(raw[:65536], headersonly=True)
    sender = parseaddr(str(head.get("From", "")))[1].strip().lower()
    return sender[:254], clean_header(str(head.get("Subject", "")), 250)


def _check_structure(message: EmailMessage) -> None:
    parts = list(message.walk())
    if len(parts) > MAX_PARTS:
        raise Unreadable(f"Too many MIME parts ({len(parts)}; at most {MAX_PARTS}).")
    for part in parts:
        serious = [d for d in part.defects if isinstance(d, SERIOUS_DEFECTS)]
        if serious:
            raise Unreadable(f"Malformed MIME: {type(serious[0]).__name__}.")


def _message_id(message: EmailMessage) -> str | None:
    value = clean_header(str(message.get("Message-ID", "")), 255).strip()
    return value or None


def _recipients(message: EmailMessage) -> list[str]:
    """Every address the message was delivered to; the reply token hides in one of them."""
    values = []
    for name in ("Delivered-To", "X-Original-To", "To", "Cc", "Envelope-To"):
        values += [str(v) for v in message.get_all(name, [])]
    return [addr.lower() for _, addr in getaddresses(values) if "@" in addr]


def decode(part: EmailMessage) -> str:
    """A text part as str, whatever its charset claims (ISO-8859-1 read as windows-1252)."""
    payload = part.get_payload(decode=True) or b""
    charset = (part.get_content_charset() or "us-ascii").lower()
    if charset in {"iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii"}:
        charset = "windows-1252"  # what such mail really is (the WHATWG rule)
    for candidate in (charset, "utf-8"):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("windows-1252", errors="replace")


def _text_of(message: EmailMessage) -> str:
    """The body as text: plain preferred, HTML sanitised (nh3) then flattened."""
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    if body.get_content_type() == "text/html":
        return html_to_text(decode(body))
    return decode(body)


def body_text(message: EmailMessage) -> str:
    """The new words, without quoted history or signature, plus any forwarded message."""
    text = _text_of(message)
    stripped = strip_quotes(text)
    # A reply that is all quote (people do answer inline) keeps the whole text.
    parts = [stripped or text.strip(), *_forwarded(message)]
    return "\n\n".join(p for p in parts if p)


def _forwarded(message: EmailMessage) -> list[str]:
    """Messages forwarded as attachments are the point of the mail: keep their words."""
    out = []
    for part in message.walk():
        if part.get_content_type() != "message/rfc822" or not part.is_multipart():
            continue
        inner = part.get_payload()[0]
        if isinstance(inner, EmailMessage):
            head = clean_header(f"Forwarded message from {inner.get('From', '?')}: "
                                f"{inner.get('Subject', '')}", 300)
            out.append(f"{head}\n{_text_of(inner).strip()}")
    return out


def _files(message: EmailMessage) -> list[MailFile]:
    """Attached files (not the body, not images embedded in the HTML by Content-ID)."""
    found = []
    for part in message.iter_attachments():
        if part.get_content_type() == "multipart/mixed":
            found += _files(part)  # a nested mixed part still holds attachments
            continue
        if part.get_content_maintype() in ("multipart", "message"):
            continue
        if part.get("Content-ID") and part.get_content_disposition() != "attachment":
            continue  # a logo in someone's signature, not something they meant to send
        data = part.get_payload(decode=True) or b""
        name = part.get_filename() or f"attachment.{part.get_content_subtype()}"
        found.append(MailFile(name, part.get_content_type(), data))
    return found
