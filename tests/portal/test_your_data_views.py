"""Your data on Your details, and on the customer's history page for admins: who may
download, what a GET may do (nothing), and the confirmation (docs/your-data.md)."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, DataRequest, Role, User
from portal.services import data_export, erasure
from tests import factories


def _export_ready(client, customer):
    assert client.post("/profile/data/export").status_code == 302
    assert data_export.run_pending() == 1
    return db.session.scalar(select(DataRequest).where(DataRequest.customer_id == customer.id))


def _counts():
    return (db.session.scalar(select(func.count(DataRequest.id))),
            db.session.scalar(select(func.count(AuditEntry.id))))


def test_the_customer_asks_sees_progress_then_downloads_a_zip(client, login):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    factories.case(dana, "Recall RC-42 not booked")
    login(client, dana)
    assert "Download my data" in client.get("/profile").text
    client.post("/profile/data/export")
    waiting = client.get("/profile/data/export", headers={"HX-Request": "true"}).text
    assert "Putting your data together" in waiting and 'hx-trigger="every 2s"' in waiting
    assert "Refresh" in waiting  # without JavaScript, a link does what the polling does
    data_export.run_pending()
    page = client.get("/profile").text
    assert "Download your data (ZIP)" in page
    made = db.session.scalar(select(DataRequest))
    response = client.get(f"/profile/data/{made.id}/download")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    response.close()
    assert "data.json" in names and "index.html" in names


def test_another_customer_and_staff_cannot_download_it(client, login, app):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    eve = factories.customer("Eve Other", "eve@example.com")
    login(client, dana)
    made = _export_ready(client, dana)
    client.post("/logout")
    login(client, eve)
    assert client.get(f"/profile/data/{made.id}/download").status_code == 404
    client.post("/logout")
    other = app.test_client()
    assert other.get(f"/profile/data/{made.id}/download").status_code == 302  # to sign-in
    admin = factories.staff(Role.ADMIN, email="ada@example.com")
    staff_client = app.test_client()
    login(staff_client, admin)
    # An admin may take only a download they asked for themselves.
    url = f"/admin/customers/{dana.id}/data/{made.id}/download"
    assert staff_client.get(url).status_code == 404


def test_get_never_changes_anything(client, login):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    login(client, dana)
    before = _counts()
    for url in ("/profile", "/profile/data/export", "/profile/data/export/x",
                "/profile/data/delete", "/profile/data/keep"):
        client.get(url)
    assert _counts() == before


def test_deleting_needs_the_address_typed_then_signs_out(client, login):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    login(client, dana)
    refused = client.post("/profile/data/delete", data={"confirm": "dana@example.org"})
    assert refused.status_code == 422 and "Type your email address" in refused.text
    assert erasure.pending(dana) is None
    done = client.post("/profile/data/delete", data={"confirm": "dana@example.com"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert erasure.pending(dana) is not None
    assert client.get("/profile").status_code == 302  # signed out


def test_signing_in_in_the_grace_period_offers_to_keep_the_account(client, login):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    login(client, dana)
    client.post("/profile/data/delete", data={"confirm": "dana@example.com"})
    response = login(client, dana)
    page = client.get(response.headers["Location"]).text
    assert "Your account will be deleted on" in page
    assert "Keep my account" in client.get("/profile").text
    client.post("/profile/data/keep")
    db.session.expire_all()
    assert erasure.pending(db.session.get(User, dana.id)) is None


@pytest.mark.parametrize("role", [Role.AGENT, Role.MANAGER])
def test_only_admins_run_data_rights_for_a_customer(client, login, role):
    dep = factories.department()
    staff = factories.staff(role, [dep])
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    factories.case(dana, cat=factories.category(dep))
    login(client, staff)
    assert "Delete their account" not in client.get(f"/admin/customers/{dana.id}").text
    assert client.post(f"/admin/customers/{dana.id}/data/export").status_code == 403
    assert client.post(f"/admin/customers/{dana.id}/data/delete",
                       data={"confirm": "dana@example.com"}).status_code == 403
    assert db.session.scalar(select(DataRequest)) is None


def test_an_admin_exports_and_erases_on_the_customers_request(client, login):
    admin = factories.staff(Role.ADMIN, email="ada@example.com")
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    login(client, admin)
    assert "Delete their account" in client.get(f"/admin/customers/{dana.id}").text
    client.post(f"/admin/customers/{dana.id}/data/export")
    assert data_export.run_pending() == 1
    made = db.session.scalar(select(DataRequest))
    page = client.get(f"/admin/customers/{dana.id}").text
    assert "Download their data (ZIP)" in page
    download = client.get(f"/admin/customers/{dana.id}/data/{made.id}/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    download.close()
    wrong = client.post(f"/admin/customers/{dana.id}/data/delete", data={"confirm": "nope"})
    assert wrong.status_code == 422
    client.post(f"/admin/customers/{dana.id}/data/delete", data={"confirm": "dana@example.com"})
    assert erasure.pending(dana) is not None
    client.post(f"/admin/customers/{dana.id}/data/keep")
    db.session.expire_all()
    assert erasure.pending(dana) is None
    actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["data_export.requested", "data_export.ready", "erasure.requested",
                       "erasure.cancelled"]


def test_without_a_csrf_token_nothing_is_asked_or_deleted(client, login, app, monkeypatch):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    login(client, dana)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    before = _counts()
    for url, data in (("/profile/data/export", {}),
                      ("/profile/data/delete", {"confirm": "dana@example.com"}),
                      ("/profile/data/keep", {})):
        assert client.post(url, data=data).status_code == 400
    assert _counts() == before
