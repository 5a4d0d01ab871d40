"""Attachments: hostile uploads refused, hostile names harmless, no file served as a page."""

from __future__ import annotations

import base64
import io
from email.utils import make_msgid
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.mail.inbound import ingest
from portal.models import (
    Attachment,
)
from portal.services import timeline
from portal.services.attachments import storage_path
from portal.services.mail_addresses import reply_address
from tests.security.catalogue import PNG, assert_nothing_stored, attach, row_counts

# --- 12. Hostile attachments ---------------------------------------------------------------

def _stored_files(app) -> int:
    root = Path(app.config["ATTACHMENT_DIR"])
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


REFUSED_FILES = {
    "html page": ("page.html", b"<html><script>alert(1)</script></html>", "not accepted"),
    "svg image": ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
                  "not accepted"),
    "executable": ("setup.exe", b"MZ\x90\x00", "not accepted"),
    "no extension": ("README", b"hello", "not accepted"),
    "html named png": ("photo.png", b"<html><script>alert(1)</script>", "does not look like"),
    "html behind a double extension": ("photo.html.png", b"<html>", "does not look like"),
    "png named pdf": ("invoice.pdf", PNG, "does not look like"),
    "binary named txt": ("notes.txt", b"\x00\x01\x02binary", "does not look like"),
    "svg named gif": ("anim.gif", b"<svg onload=alert(1)>", "does not look like"),
    "empty file": ("empty.png", b"", "is empty"),
}


@pytest.mark.parametrize("name,data,message", REFUSED_FILES.values(), ids=REFUSED_FILES.keys())
def test_hostile_uploads_are_refused_and_nothing_is_stored(app, client, login, world, name,
                                                           data, message):
    login(client, world.dana)
    before, files = row_counts(), _stored_files(app)
    response = attach(client, world.mine, name, data, "image/png")
    assert response.status_code == 422 and message in response.text
    assert "see file" in response.text  # the words are kept for another try
    assert_nothing_stored(before)
    assert _stored_files(app) == files


def test_too_many_files_are_refused(app, client, login, world):
    login(client, world.dana)
    before = row_counts()
    response = client.post(f"/cases/{world.mine.reference}/replies",
                           content_type="multipart/form-data",
                           data={"body": "six", "attachments": [
                               (io.BytesIO(PNG), f"p{i}.png", "image/png") for i in range(6)]})
    assert response.status_code == 422 and "at most 5" in response.text
    assert_nothing_stored(before)


def test_an_oversize_new_case_is_413_and_opens_nothing(app, client, login, world, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    login(client, world.dana)
    before = row_counts()
    response = client.post("/cases/new", content_type="multipart/form-data", data={
        "category": world.mine.category_id, "title": "Big", "body": "big file",
        "attachments": [(io.BytesIO(PNG + bytes(128 * 1024)), "big.png", "image/png")]})
    assert response.status_code == 413 and "too large" in response.text
    assert_nothing_stored(before)


HOSTILE_NAMES = {
    "path traversal": ("../../../../etc/passwd.txt", "passwd.txt"),
    "windows traversal": ("..\\..\\windows\\win.ini.txt", "win.ini.txt"),
    "absolute path": ("/etc/cron.d/evil.txt", "evil.txt"),
    "dot dot slash games": ("....//....//x.txt", "x.txt"),
    "hidden file": (".htaccess.txt", "htaccess.txt"),
    "right-to-left override": ("invoice\u202etxt.exe.txt", "invoicetxt.exe.txt"),
    "nul byte": ("evil.php\x00.txt", "evil.php.txt"),
}


@pytest.mark.parametrize("raw,shown", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_hostile_file_names_are_stored_harmless_and_served_as_downloads(app, client, login, world,
                                                                        raw, shown):
    login(client, world.dana)
    assert attach(client, world.mine, raw, b"plain words", "text/plain").status_code == 302
    stored = db.session.scalar(select(Attachment).order_by(Attachment.id.desc()))
    assert stored.filename.endswith(shown) and not {"/", "\\"} & set(stored.filename)
    assert not stored.filename.startswith(".")
    path = storage_path(stored.storage_key).resolve()
    assert path.is_relative_to(Path(app.config["ATTACHMENT_DIR"]).resolve())
    assert path.name == stored.storage_key
    with client.get(f"/attachments/{stored.id}/x") as served:
        disposition = served.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert not {"\r", "\n", "\u202e", "/", "\\"} & set(disposition.split(";", 1)[1])
        assert not any("evil" in c for c in served.headers.getlist("Set-Cookie"))
        assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_a_mailed_file_name_with_line_breaks_and_bidi_is_stored_harmless(client, login, world):
    """Mail encodes any byte in a file name (RFC 2231); the stored name must still be safe."""
    boundary = "b1"
    raw = (f"From: dana@example.com\r\nTo: {reply_address(world.mine.id, world.dana.id)}\r\n"
           f"Subject: Re: photo\r\nMessage-ID: {make_msgid(domain='example.com')}\r\n"
           f"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary={boundary}\r\n\r\n"
           f"--{boundary}\r\nContent-Type: text/plain\r\n\r\nThe photo.\r\n"
           f"--{boundary}\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
           "Content-Disposition: attachment; filename*=utf-8''a%0D%0ASet-Cookie%3A%20x%3D"
           f"evil%E2%80%AEgnp.png\r\n\r\n{base64.b64encode(PNG).decode()}\r\n"
           f"--{boundary}--\r\n").encode()
    ingest(raw)
    stored = db.session.scalar(select(Attachment).order_by(Attachment.id.desc()))
    assert stored.filename == "aSet-Cookie: x=evilgnp.png"
    login(client, world.dana)
    with client.get(f"/attachments/{stored.id}/x") as served:
        assert served.status_code == 200
        assert not any("evil" in c for c in served.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize("content_type", ["text/html", "image/svg+xml", "application/xhtml+xml",
                                          "text/plain", "application/pdf"])
def test_no_stored_file_is_ever_served_as_a_page(client, login, world, content_type):
    """Even a row that says HTML or SVG (an older version, a restored backup) downloads."""
    stored = world.eve_reply.attachments[0]
    stored.event = timeline.public_events(world.mine)[-1]
    stored.content_type = content_type
    db.session.commit()
    login(client, world.dana)
    with client.get(f"/attachments/{stored.id}/x") as served:
        assert served.status_code == 200
        assert served.headers["Content-Disposition"].startswith("attachment;")
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.headers["Content-Security-Policy"].startswith("sandbox")


def test_images_are_inline_but_sandboxed_and_never_sniffed(client, login, world):
    stored = world.eve_reply.attachments[0]
    stored.event = timeline.public_events(world.mine)[-1]
    db.session.commit()
    login(client, world.dana)
    with client.get(f"/attachments/{stored.id}/x") as served:
        assert served.mimetype == "image/png"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.headers["Content-Security-Policy"].startswith("sandbox")
        assert "private" in served.headers["Cache-Control"]
