"""Check uploaded files and store them outside static/ under random keys."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from ..extensions import db
from ..models import Attachment, User, Visibility
from . import customer_access
from .errors import ServiceError

MAX_FILES = 5

# Extension → (content type, a check of the first bytes). The bytes decide, not the name.
ALLOWED: dict[str, tuple[str, object]] = {
    "png": ("image/png", lambda b: b.startswith(b"\x89PNG\r\n\x1a\n")),
    "jpg": ("image/jpeg", lambda b: b.startswith(b"\xff\xd8\xff")),
    "jpeg": ("image/jpeg", lambda b: b.startswith(b"\xff\xd8\xff")),
    "gif": ("image/gif", lambda b: b[:6] in (b"GIF87a", b"GIF89a")),
    "pdf": ("application/pdf", lambda b: b.startswith(b"%PDF-")),
    "txt": ("text/plain", lambda b: _is_text(b)),
}
ALLOWED_NAMES = ", ".join(sorted({k.upper() for k in ALLOWED if k != "jpeg"}))


def _is_text(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in data


@dataclass
class CheckedFile:
    filename: str
    content_type: str
    data: bytes


def display_name(raw: str) -> str:
    """A filename safe to show and to put in a header: no path, no control characters."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if ch.isprintable())
    name = name.strip().lstrip(".") or "file"
    return name[-120:]


def check_uploads(files: list[FileStorage] | None) -> list[CheckedFile]:
    """Validate every file before anything is stored; raises ServiceError naming the problem."""
    files = [f for f in files or [] if f and f.filename]
    if len(files) > MAX_FILES:
        raise ServiceError(_("Attach at most %(count)d files.", count=MAX_FILES), "attachments")
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    checked = []
    for upload in files:
        name = display_name(upload.filename or "")
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext not in ALLOWED:
            raise ServiceError(_("%(name)s: this type of file is not accepted. Use %(types)s.",
                                 name=name, types=ALLOWED_NAMES), "attachments")
        data = upload.read(limit + 1)
        if len(data) > limit:
            raise ServiceError(_("%(name)s is larger than %(mb)d MB.", name=name,
                                 mb=limit // 1048576), "attachments")
        if not data:
            raise ServiceError(_("%(name)s is empty.", name=name), "attachments")
        content_type, looks_right = ALLOWED[ext]
        if not looks_right(data):  # type: ignore[operator]
            raise ServiceError(_("%(name)s does not look like a %(type)s file.", name=name,
                                 type=ext.upper()), "attachments")
        checked.append(CheckedFile(name, content_type, data))
    return checked


def storage_path(key: str) -> Path:
    return Path(current_app.config["ATTACHMENT_DIR"]) / key[:2] / key


def store(checked: CheckedFile) -> Attachment:
    """Write the bytes under a random key and return the (unsaved) row."""
    key = secrets.token_hex(16)
    path = storage_path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(checked.data)
    return Attachment(
        filename=checked.filename,
        content_type=checked.content_type,
        size=len(checked.data),
        sha256=hashlib.sha256(checked.data).hexdigest(),
        storage_key=key,
    )


def get_for_customer(customer: User, attachment_id: int) -> Attachment | None:
    """The attachment if it sits on a public event of a case this customer may see."""
    found = db.session.get(Attachment, attachment_id)
    if found is None:
        return None
    event = found.event
    if event.visibility != Visibility.PUBLIC or not customer_access.can_view(customer, event.case):
        return None
    return found
