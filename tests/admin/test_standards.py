"""Admins set standards; cases are then measured against them."""

from portal.models import AuditEntry, Role, Standard
from tests import factories


def _admin(client, login):
    admin = factories.staff(Role.ADMIN)
    login(client, admin)
    return admin


def test_admin_adds_edits_and_removes_a_standard(client, login):
    cat = factories.category(name="Recalls")
    _admin(client, login)
    response = client.post("/admin/settings/standards", data={
        "category": cat.id, "priority": "urgent", "first_response_minutes": 60,
        "update_minutes": 240, "resolution_minutes": 2880})
    assert response.status_code == 302
    page = client.get("/admin/settings/standards").text
    assert "Recalls, urgent priority" in page and "4 h" in page and "2 days" in page
    [std] = Standard.query.all()
    client.post(f"/admin/settings/standards/{std.id}", data={
        "category": cat.id, "priority": "urgent", "first_response_minutes": 30,
        "update_minutes": 240, "resolution_minutes": 2880})
    assert std.first_response_minutes == 30
    client.post(f"/admin/settings/standards/{std.id}/delete")
    assert Standard.query.count() == 0
    actions = [e.action for e in AuditEntry.query.order_by(AuditEntry.id)]
    assert actions == ["standard.saved", "standard.saved", "standard.deleted"]


def test_duplicates_and_nonsense_are_refused_with_a_message(client, login):
    _admin(client, login)
    good = {"category": 0, "priority": "", "first_response_minutes": 60,
            "update_minutes": 240, "resolution_minutes": 2880}
    assert client.post("/admin/settings/standards", data=good).status_code == 302
    again = client.post("/admin/settings/standards", data=good)
    assert again.status_code == 422 and "exists: edit it" in again.text
    backwards = client.post("/admin/settings/standards", data=good | {
        "priority": "low", "first_response_minutes": 5000})
    assert backwards.status_code == 422 and "cannot be due after" in backwards.text
    assert Standard.query.count() == 1


def test_only_admins_manage_standards(client, login):
    dep = factories.department()
    login(client, factories.staff(Role.MANAGER, [dep]))
    assert client.get("/admin/settings/standards").status_code == 403
    assert client.post("/admin/settings/standards", data={}).status_code == 403
