"""What the security catalogue's tests share: the payloads, the world they attack, and checks.

docs/attack-catalogue.md's attack and bad-input catalogue has one test file a section here (see
tests/README.md). Every test names the attack in its id and asserts what the person on the
other side would notice: an error status with a clear message, nothing stored (row counts of
every table unchanged), nothing of anyone else's leaked. Neighbours these files do not
repeat: tests/test_csrf.py (CSRF on, with a token), tests/admin/test_authorization.py (the
role x case-action matrix), tests/api/* (token basics, validation), tests/mail/* (inbound
parsing, triage, outbound headers). The `world` fixture is in tests/security/conftest.py.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    Case,
    CaseEvent,
    EventKind,
    Feedback,
    Solved,
    Status,
    User,
)
from portal.services import cases, feedback, timeline
from portal.services.attachments import CheckedFile
from tests.helpers import last_link

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
SECRET = "Eve's loan account 99-SECRET-7731"  # must never reach Dana or an outsider
# Short enough for a name (120) or a file name; every vector a browser would run.
XSS = '<img src=x onerror=alert(1)><svg onload=alert(2)>'
XSS_LONG = (XSS + '<script>alert(3)</script><a href="javascript:alert(4)" '
            'hx-get="/admin" hx-trigger="load">x</a>')
XSS_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;&lt;svg onload=alert(2)&gt;"
LIVE_MARKUP = ("<img src=x", "<svg onload", "<script>alert", '<a href="javascript',
               'hx-trigger="load"')


@dataclass
class World:
    service: object
    finance: object
    dana: User
    eve: User
    agent: User
    outsider: User
    admin: User
    mine: Case
    theirs: Case
    elsewhere: Case
    eve_reply: CaseEvent
    note: CaseEvent


def last_staff_reply(case: Case) -> CaseEvent:
    return [e for e in timeline.public_events(case) if e.kind == EventKind.STAFF_REPLY][-1]


def checked_file(name: str, data: bytes = PNG, kind: str = "image/png") -> CheckedFile:
    return CheckedFile(name, kind, data)


def row_counts() -> dict[str, int]:
    """Rows in every table, read in a fresh transaction."""
    db.session.commit()
    return {t.name: db.session.scalar(select(func.count()).select_from(t))
            for t in db.metadata.sorted_tables}


def assert_nothing_stored(before: dict[str, int]) -> None:
    after = row_counts()
    assert after == before, {k: (before[k], after[k]) for k in after if after[k] != before[k]}


def assert_inert(html: str) -> None:
    """The payload is shown as text: escaped, never as markup a browser or htmx would run."""
    for markup in LIVE_MARKUP:
        assert markup not in html, markup
    assert XSS_ESCAPED in html


def csrf_token_from(html: str) -> str:
    """The token a page gives its forms and htmx requests (base.html's hx-headers)."""
    return re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)


def resolved_with_feedback(world: World, comment: str = "It still rattles") -> Feedback:
    """Eve's case resolved and answered “No, 2/10”: a follow-up is opened for it."""
    cases.change_status(world.theirs, world.agent, Status.RESOLVED, "Fixed, we think.")
    return feedback.answer(world.theirs, world.eve, Solved.NO, 2, comment)


def fill_in(template: str, world: World, **extra: object) -> str:
    return template.format(
        theirs=world.theirs.reference, mine=world.mine.reference, eve_reply=world.eve_reply.id,
        note=world.note.id, eve_file=world.eve_reply.attachments[0].id,
        note_file=world.note.attachments[0].id, eve=world.eve.id, **extra)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def sign_in_link_for(client, email: str) -> str:
    client.post("/login/link", data={"link-email": email})
    return last_link(email)


def attach(client, case, name: str, data: bytes, content_type="application/octet-stream",
            body: str = "see file"):
    return client.post(f"/cases/{case.reference}/replies", content_type="multipart/form-data",
                       data={"body": body,
                             "attachments": [(io.BytesIO(data), name, content_type)]})
