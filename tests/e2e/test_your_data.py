"""Your data in Chromium: a customer downloads everything we hold, then deletes their account
(docs/your-data.md)."""

from __future__ import annotations

import json
import zipfile
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from portal.database import writing
from portal.extensions import db
from portal.models import DataRequest, User, utcnow
from portal.services import erasure
from tests import factories
from tests.e2e.conftest import snap
from tests.e2e.helpers import sign_in, unexpected


def test_a_customer_downloads_their_data_then_deletes_their_account(page, app, monkeypatch,
                                                                    tmp_path):
    # As in production: the web process starts building at once, in a thread of its own.
    monkeypatch.setitem(app.config, "DATA_EXPORT_AT_ONCE", True)
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    factories.case(dana, "Recall RC-42 not booked", "The garage cannot see my recall.")
    factories.case(dana, "Brake light warning", "It comes on after a minute.")
    db.session.commit()

    sign_in(page, "dana@example.com")
    page.goto("/profile")
    page.get_by_role("button", name="Download my data").click()
    download_link = page.get_by_role("link", name="Download your data (ZIP)")
    expect(download_link).to_be_visible(timeout=20_000)  # htmx polls until it is ready
    snap(page, "your-data-ready")
    with page.expect_download() as info:
        download_link.click()
    saved = tmp_path / "data.zip"
    info.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        names = archive.namelist()
        data = json.loads(archive.read("data.json"))
        index = archive.read("index.html").decode()
    assert data["profile"]["email"] == "dana@example.com"
    assert {c["title"] for c in data["cases"]} == {"Recall RC-42 not booked",
                                                   "Brake light warning"}
    assert "Brake light warning" in index
    assert sum(n.startswith("cases/") and n.endswith(".html") for n in names) == 2

    page.get_by_label("Type your email address to confirm").fill("dana@example.com")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Your account will be deleted in 14 days")).to_be_visible()
    snap(page, "your-data-deleted")

    # The grace period passes; the minute job erases the account.
    db.session.commit()
    with writing():
        erased = erasure.run_due(utcnow() + timedelta(days=15))
    assert erased == [dana.id]
    db.session.expire_all()
    gone = db.session.get(User, dana.id)
    assert gone.email is None and not gone.active
    assert db.session.scalar(select(DataRequest).where(DataRequest.kind == "erasure")) \
        .status == "done"

    page.goto("/login")
    page.get_by_label("Email").first.fill("dana@example.com")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="My cases")).not_to_be_visible()
    assert not unexpected(page.console_errors)
