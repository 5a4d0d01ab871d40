"""/api/v1/problems: head office opens a known problem, cases link themselves, one update
reaches every linked case; tokens see and link only their departments' cases."""

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, CaseEvent, EventKind
from tests import factories
from tests.helpers import mails_to


def _open_case(api, email: str, reference: str | None = "RC-42"):
    opened = api.post("/cases", {
        "customer_email": email, "title": "My car's brakes", "body": "Recall letter came.",
        "category": "Vehicle recall",
        "references": [{"system": "recall", "value": reference}] if reference else []})
    assert opened.status_code == 201, opened.json
    return opened.json["reference"]


def test_a_problem_opened_through_the_api_takes_in_its_cases_and_tells_them(api):
    branch = factories.department("Northside Service Centre")
    factories.category(branch, "Vehicle recall")
    early = _open_case(api, "early@example.com")
    created = api.post("/problems", {
        "title": "Brake recall RC-42", "public_text": "Parts are on their way.",
        "categories": ["vehicle recall"], "outside_reference": "RC-42"})
    assert created.status_code == 201, created.json
    problem = created.json
    assert problem["linked_cases"] == 1 and problem["status"] == "investigating"
    late = _open_case(api, "late@example.com")
    _open_case(api, "other@example.com", reference=None)
    path = f"/problems/{problem['id']}"
    assert api.get(path).json["linked_cases"] == 2

    update = api.post(f"{path}/updates", {"body": "Parts arrive Friday.", "status": "fixing"})
    assert update.status_code == 201, update.json
    assert update.json["cases"] == update.json["delivered"] == 2
    assert update.json["finished_at"] is not None
    for reference, email in ((early, "early@example.com"), (late, "late@example.com")):
        kinds = [e["kind"] for e in api.get(f"/cases/{reference}/events").json["items"]]
        assert kinds.count(EventKind.PROBLEM_UPDATE.value) == 1
        assert any("Parts arrive Friday." in m.body_text for m in mails_to(email))
    assert not any("Parts arrive" in m.body_text for m in mails_to("other@example.com"))
    assert api.get(path).json["status"] == "fixing"
    assert api.get("/problems?status=fixing").json["items"][0]["id"] == problem["id"]
    assert api.get("/problems?status=resolved").json["items"] == []
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"problem.create", "problem.update"} <= actions

    unlinked = api.client.delete(f"/api/v1{path}/cases/{late}", headers=api.headers())
    assert unlinked.status_code == 204
    assert api.get(path).json["linked_cases"] == 1
    moved = api.post(f"{path}/status", {"status": "resolved"})
    assert moved.json["resolved_at"] is not None


def test_a_token_links_only_its_departments_cases(api_as, make_token, api):
    north, south = factories.department("North"), factories.department("South")
    factories.category(north, "Vehicle recall")
    theirs = factories.case(cat=factories.category(south))
    _, secret = make_token("write", [north])
    northern = api_as(secret)
    ours = _open_case(northern, "dana@example.com", reference=None)
    problem = northern.post("/problems", {"title": "Brake recall", "public_text": "Known.",
                                          "categories": ["Vehicle recall"]}).json
    refused = northern.post(f"/problems/{problem['id']}/cases",
                            {"references": [theirs.reference]})
    assert refused.status_code == 404
    linked = northern.post(f"/problems/{problem['id']}/cases", {"references": [ours]})
    assert linked.status_code == 200 and linked.json == {"linked": 1, "linked_cases": 1}
    again = northern.post(f"/problems/{problem['id']}/cases", {"references": [ours]})
    assert again.json == {"linked": 0, "linked_cases": 1}


def test_bad_input_is_named_and_changes_nothing(api):
    factories.category(factories.department("North"), "Vehicle recall")
    refused = api.post("/problems", {"title": "", "public_text": "Known.", "categories": []})
    assert refused.status_code == 422
    fields = {e["field"] for e in refused.json["errors"]}
    assert {"title", "categories"} <= fields
    unknown = api.post("/problems", {"title": "T", "public_text": "K", "categories": ["Nope"]})
    assert unknown.status_code == 422
    # PostgreSQL cannot compare text holding NUL: named as the item it is, never a 500.
    for name in ("Vehicle recall\x00", "x" * 81):
        bad = api.post("/problems", {"title": "T", "public_text": "K", "categories": [name]})
        assert bad.status_code == 422
        assert {e["field"] for e in bad.json["errors"]} == {"categories/0"}
    assert api.get("/problems").json["items"] == []
    assert api.get("/problems/999").status_code == 404
    assert db.session.scalar(select(CaseEvent.id)) is None
