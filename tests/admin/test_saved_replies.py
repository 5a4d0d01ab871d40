"""The saved replies page: everyone keeps their own, managers their department's."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Role, SavedReply
from portal.services import saved_replies
from tests import factories


@pytest.fixture
def team():
    service = factories.department("Northside Service Centre")
    finance = factories.department("Finance")
    return {
        "service": service, "finance": finance,
        "tom": factories.staff(departments=[service], name="Tom Berger"),
        "mia": factories.staff(Role.MANAGER, departments=[service], name="Mia Stone"),
        "fatima": factories.staff(Role.MANAGER, departments=[finance], name="Fatima Noor"),
    }


def _titles() -> list[str]:
    return list(db.session.scalars(select(SavedReply.title).order_by(SavedReply.id)))


def test_an_agent_keeps_personal_replies_and_sees_the_departments(client, login, team):
    saved_replies.save(team["mia"], "Recall booked", "Booked for {next_update}.",
                       team["service"].id)
    saved_replies.save(team["fatima"], "Invoice cancelled", "Cancelled.", team["finance"].id)
    login(client, team["tom"])
    page = client.get("/admin/saved-replies")
    assert page.status_code == 200
    assert "Recall booked" in page.text and "Invoice cancelled" not in page.text
    assert "Everyone in" not in page.text  # an agent shares nothing: only "Only me"
    done = client.post("/admin/saved-replies", data={
        "title": "Thanks", "body": "Thank you, {customer_name}.", "owner": 0})
    assert done.status_code == 302
    mine = db.session.scalar(select(SavedReply).where(SavedReply.title == "Thanks"))
    assert mine.owner_id == team["tom"].id and mine.department_id is None


def test_an_agent_cannot_share_with_a_department(client, login, team):
    login(client, team["tom"])
    page = client.post("/admin/saved-replies", data={
        "title": "For all", "body": "Words we all use", "owner": team["service"].id})
    assert page.status_code == 422
    assert "You can only share saved replies with a department you manage." in page.text
    assert "Words we all use" in page.text  # their words kept
    assert _titles() == []


def test_a_manager_shares_with_their_department_only(client, login, team):
    login(client, team["mia"])
    assert "Everyone in Northside Service Centre" in client.get("/admin/saved-replies").text
    client.post("/admin/saved-replies", data={"title": "Recall booked", "body": "Booked.",
                                              "owner": team["service"].id})
    refused = client.post("/admin/saved-replies", data={
        "title": "Finance words", "body": "Cancelled.", "owner": team["finance"].id})
    assert refused.status_code == 422
    assert _titles() == ["Recall booked"]


def test_nobody_edits_or_removes_anothers_personal_or_another_departments_reply(
        client, login, team):
    toms = saved_replies.save(team["tom"], "Tom's", "Mine.", None)
    finance = saved_replies.save(team["fatima"], "Invoice", "Cancelled.", team["finance"].id)
    ours = saved_replies.save(team["mia"], "Recall booked", "Booked.", team["service"].id)
    login(client, team["mia"])
    for reply in (toms, finance):
        assert client.get(f"/admin/saved-replies/{reply.id}").status_code == 404
        assert client.post(f"/admin/saved-replies/{reply.id}", data={
            "title": "Taken", "body": "Over.", "owner": 0}).status_code == 404
        assert client.post(f"/admin/saved-replies/{reply.id}/delete").status_code == 404
    assert _titles() == ["Tom's", "Invoice", "Recall booked"]
    client.post("/admin/logout")
    login(client, team["tom"])  # an agent uses the department's replies, never changes them
    assert client.get(f"/admin/saved-replies/{ours.id}").status_code == 404
    assert client.post(f"/admin/saved-replies/{ours.id}/delete").status_code == 404
    assert "Mine." in client.get(f"/admin/saved-replies/{toms.id}").text
    client.post(f"/admin/saved-replies/{toms.id}", data={"title": "Tom's", "body": "Changed.",
                                                         "owner": 0})
    assert db.session.get(SavedReply, toms.id).body == "Changed."
    assert client.post(f"/admin/saved-replies/{toms.id}/delete").status_code == 302
    assert _titles() == ["Invoice", "Recall booked"]


def test_saved_replies_need_the_csrf_token(client, login, team, app, monkeypatch):
    toms = saved_replies.save(team["tom"], "Tom's", "Mine.", None)
    case = factories.case(cat=factories.category(team["service"]))
    login(client, team["tom"])
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post("/admin/saved-replies", data={
        "title": "Forged", "body": "Words", "owner": 0}).status_code == 400
    assert client.post(f"/admin/saved-replies/{toms.id}/delete").status_code == 400
    assert client.post(f"/admin/cases/{case.reference}/saved-reply", data={
        "saved_reply": toms.id}).status_code == 400
    assert _titles() == ["Tom's"]
