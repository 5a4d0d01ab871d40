"""The 503 a customer sees when the database goes away mid-request, and the recovery after.

The database is made unreachable for real: the app's SQLite file's folder is moved away
(and the pool emptied), so every new connection fails as it would with a dead server.
"""

from __future__ import annotations

import shutil

import pytest
from flask_migrate import upgrade
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from portal import create_app
from portal.extensions import db
from portal.models import CaseEvent
from tests import factories

HX = {"HX-Request": "true"}
WORDS = "The garage still cannot see recall RC-42 on my car."


@pytest.fixture
def fragile(tmp_path, monkeypatch):
    """An app on a SQLite file of its own, a signed-in customer, and a switch for its folder."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    folder = tmp_path / "db"
    folder.mkdir()
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "ENV_NAME": "test",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'caseloop.db'}",
                      "ATTACHMENT_DIR": str(tmp_path / "files")})
    with app.app_context():
        upgrade()
        dana = factories.customer("Dana Whitfield", "dana@example.com")
        reference = factories.case(dana).reference
        db.session.remove()
    client = app.test_client()
    assert client.post("/login", data={"email": "dana@example.com",
                                       "password": factories.PASSWORD}).status_code == 302

    class Fragile:
        def __init__(self):
            self.app, self.client, self.reference = app, client, reference

        def go_away(self) -> None:
            with app.app_context():
                db.engine.dispose()
            shutil.move(folder, tmp_path / "away")

        def come_back(self) -> None:
            shutil.move(tmp_path / "away", folder)

        def replies(self) -> int:
            with app.app_context():
                count = db.session.scalar(select(func.count()).select_from(CaseEvent)
                                          .where(CaseEvent.body.contains("recall RC-42")))
                db.session.remove()
                return count

    yield Fragile()
    with app.app_context():
        db.engine.dispose()


def test_a_reply_that_cannot_be_saved_gets_a_clear_503_with_the_words_kept(fragile):
    fragile.go_away()
    assert fragile.client.get("/healthz").status_code == 503
    answer = fragile.client.post(f"/cases/{fragile.reference}/replies", data={"body": WORDS})
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    page = answer.text
    assert 'class="topbar"' in page and "Sign out" not in page  # the layout, no nav
    assert "We're having trouble right now" in page
    assert "Nothing you wrote was lost: try again in a few seconds." in page
    assert WORDS in page  # shown back, since nothing was saved

    fragment = fragile.client.post(f"/cases/{fragile.reference}/replies", data={"body": WORDS},
                                   headers=HX)
    assert fragment.status_code == 503 and "HX-Refresh" not in fragment.headers
    assert "<html" not in fragment.text and "try again" in fragment.text

    fragile.come_back()  # the same app carries on, and nothing was half-stored
    assert fragile.client.get("/healthz").status_code == 200
    assert fragile.replies() == 0
    again = fragile.client.post(f"/cases/{fragile.reference}/replies", data={"body": WORDS})
    assert again.status_code == 302 and fragile.replies() == 1


def test_a_reply_saved_just_before_the_database_went_away_says_so(fragile):
    armed = []

    def vanish_after_the_commit(_session: Session) -> None:
        if armed:
            armed.clear()
            fragile.go_away()

    event.listen(Session, "after_commit", vanish_after_the_commit)
    try:
        armed.append(True)
        answer = fragile.client.post(f"/cases/{fragile.reference}/replies",
                                     data={"body": WORDS})
        assert answer.status_code == 503
        assert "what you sent was saved" in answer.text
        assert "no need to send it again" in answer.text and WORDS not in answer.text
        fragile.come_back()
        assert fragile.replies() == 1

        armed.append(True)  # with htmx: reload to show what was saved
        fragment = fragile.client.post(f"/cases/{fragile.reference}/replies",
                                       data={"body": WORDS}, headers=HX)
        assert fragment.status_code == 503 and fragment.headers["HX-Refresh"] == "true"
        fragile.come_back()
        assert fragile.replies() == 2
    finally:
        event.remove(Session, "after_commit", vanish_after_the_commit)
