"""A customer's notification choices through the API: read, change on request, audited."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, Role
from portal.services import cases, notification_prefs
from tests import factories
from tests.helpers import mails_to


def test_read_and_change_the_choices_then_a_muted_case_sends_nothing(api):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    recall = factories.case(dana)
    other = factories.case(dana)

    assert api.get(f"/customers/{dana.id}/notifications").json == {
        "channel": "email", "timing": "immediate", "muted_cases": []}
    changed = api.post(f"/customers/{dana.id}/notifications",
                       json={"timing": "daily", "mute": [recall.reference]})
    assert changed.status_code == 200, changed.json
    assert changed.json == {"channel": "email", "timing": "daily",
                            "muted_cases": [recall.reference]}
    db.session.expire_all()
    assert not notification_prefs.is_following(dana, recall)
    assert notification_prefs.is_following(dana, other)

    back = api.post(f"/customers/{dana.id}/notifications",
                    json={"channel": "portal", "follow": [recall.reference]})
    assert back.json == {"channel": "portal", "timing": "daily", "muted_cases": []}
    before = len(mails_to(dana.email))
    cases.add_staff_reply(recall, factories.staff(Role.AGENT, [recall.department]), "News.")
    assert len(mails_to(dana.email)) == before  # portal only

    actions = [e.action for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action.like("notifications.%"))
        .order_by(AuditEntry.id))]
    assert actions == ["notifications.settings", "notifications.muted",
                       "notifications.settings", "notifications.followed"]


def test_bad_input_and_someone_elses_case_change_nothing(api):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    ravis = factories.case(factories.customer("Ravi", "ravi@example.com"))
    bad = api.post(f"/customers/{dana.id}/notifications",
                   json={"channel": "pigeon", "mute": [ravis.reference, 7], "colour": "red"})
    assert bad.status_code == 422
    fields = {e["pointer"] for e in bad.json["errors"]}
    assert {"/channel", "/mute/0", "/mute/1", "/colour"} <= fields
    assert api.get(f"/customers/{dana.id}/notifications").json["channel"] == "email"
    assert api.get("/customers/999999/notifications").status_code == 404


def test_a_read_token_cannot_change_them(api_as, make_token):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    factories.case(dana)
    _, secret = make_token("read")
    reader = api_as(secret)
    assert reader.get(f"/customers/{dana.id}/notifications").status_code == 200
    assert reader.post(f"/customers/{dana.id}/notifications",
                       json={"channel": "portal"}).status_code == 403
