"""Serving stored attachments so that no file can ever run as a page of ours."""

from __future__ import annotations

from flask import Response, send_file

from ..models import Attachment
from ..services.attachments import storage_path

INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif"})


def send_attachment(found: Attachment) -> Response:
    """Images inline, anything else as a download; never sniffed, always sandboxed."""
    response = send_file(
        storage_path(found.storage_key),
        mimetype=found.content_type,
        as_attachment=found.content_type not in INLINE_TYPES,
        download_name=found.filename,  # Werkzeug encodes it per RFC 5987
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def send_zip(path, download_name: str) -> Response:
    """A data download (docs/your-data.md): always saved, never cached."""
    response = send_file(path, mimetype="application/zip", as_attachment=True,
                         download_name=download_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
