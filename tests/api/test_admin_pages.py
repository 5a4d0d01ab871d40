"""Admin pages for API tokens and webhooks: admins only, the secret shown once, audited."""

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, Role
from portal.models.api import ApiToken, Webhook
from tests import factories


@pytest.fixture
def signed_in_admin(client, login, admin):
    login(client, admin)
    return admin


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_the_settings_nav_has_an_api_tab(client, signed_in_admin):
    page = client.get("/admin/settings/staff").text
    assert 'href="/admin/settings/api-tokens"' in page
    api_page = client.get("/admin/settings/api-tokens")
    assert api_page.status_code == 200
    assert 'aria-current="page">API</a>' in api_page.text


def test_create_shows_the_secret_once_and_stores_only_its_hash(client, signed_in_admin):
    north = factories.department("Northside")
    form = client.get("/admin/settings/api-tokens/new")
    assert form.status_code == 200 and "Read and write" in form.text
    response = client.post("/admin/settings/api-tokens/new", data={
        "name": "Head office recall system", "scope": "write", "departments": [north.id]})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'value="(cl_[A-Za-z0-9_-]+)"', response.text).group(1)
    token = db.session.scalar(select(ApiToken))
    assert token.scope == "write" and token.department_ids == [north.id]
    assert token.token_hash != secret and secret.startswith(token.prefix)
    listing = client.get("/admin/settings/api-tokens").text
    assert token.prefix in listing and secret not in listing and "Northside" in listing
    entry = _audit("api_token.create")[0]
    assert entry.actor_id == signed_in_admin.id and entry.after["prefix"] == token.prefix
    assert secret not in str(entry.after)
    works = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"})
    assert works.status_code == 200


def test_an_invalid_form_is_422_and_keeps_the_words(client, signed_in_admin):
    response = client.post("/admin/settings/api-tokens/new",
                           data={"name": "", "scope": "admin"})
    assert response.status_code == 422
    assert db.session.scalar(select(ApiToken)) is None


def test_revoke_is_audited_and_takes_effect(client, signed_in_admin, make_token):
    token, secret = make_token()
    response = client.post(f"/admin/settings/api-tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    assert _audit("api_token.revoke")[0].target_id == token.id
    assert client.get("/api/v1/cases",
                      headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert "Revoked" in client.get("/admin/settings/api-tokens").text
    again = client.post(f"/admin/settings/api-tokens/{token.id}/revoke")
    assert again.status_code == 302 and len(_audit("api_token.revoke")) == 1
    assert client.post("/admin/settings/api-tokens/9999/revoke").status_code == 404


def test_revoke_and_remove_refuse_get(client, signed_in_admin, make_token):
    token, _ = make_token()
    assert client.get(f"/admin/settings/api-tokens/{token.id}/revoke").status_code == 405


def test_webhooks_are_added_with_a_secret_shown_once_and_removed(client, signed_in_admin):
    response = client.post("/admin/settings/api-tokens/webhooks/new", data={
        "name": "Recall system", "url": "https://recalls.example.com/hooks",
        "events": ["case.opened", "case.status_changed"]})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    hook = db.session.scalar(select(Webhook))
    assert hook.secret in response.text
    assert hook.event_types == ["case.opened", "case.status_changed"]
    listing = client.get("/admin/settings/api-tokens").text
    assert "recalls.example.com" in listing and hook.secret not in listing
    assert _audit("webhook.create")[0].after["url"] == "https://recalls.example.com/hooks"
    removed = client.post(f"/admin/settings/api-tokens/webhooks/{hook.id}/remove")
    assert removed.status_code == 302 and db.session.scalar(select(Webhook)) is None
    assert len(_audit("webhook.remove")) == 1


def test_bad_webhook_addresses_are_refused_next_to_the_field(client, signed_in_admin):
    response = client.post("/admin/settings/api-tokens/webhooks/new", data={
        "name": "Bad", "url": "ftp://example.com/x", "events": ["case.opened"]})
    assert response.status_code == 422 and "http:// or https://" in response.text
    none_chosen = client.post("/admin/settings/api-tokens/webhooks/new", data={
        "name": "Bad", "url": "https://example.com/x"})
    assert none_chosen.status_code == 422
    assert db.session.scalar(select(Webhook)) is None


@pytest.mark.parametrize("role", [Role.AGENT, Role.MANAGER])
def test_only_admins_manage_tokens(client, login, make_token, role):
    token, _ = make_token()
    login(client, factories.staff(role))
    assert client.get("/admin/settings/api-tokens").status_code == 403
    assert client.get("/admin/settings/api-tokens/new").status_code == 403
    assert client.post("/admin/settings/api-tokens/new",
                       data={"name": "Sneaky", "scope": "write"}).status_code == 403
    assert client.post(f"/admin/settings/api-tokens/{token.id}/revoke").status_code == 403
    assert db.session.get(ApiToken, token.id).revoked_at is None
    assert len(list(db.session.scalars(select(ApiToken)))) == 1


def test_customers_never_learn_the_pages_exist(client, login):
    login(client, factories.customer())
    assert client.get("/admin/settings/api-tokens").status_code == 404
