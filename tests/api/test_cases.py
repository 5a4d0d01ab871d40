"""Cases through the API: open, read, list with filters and cursors, change status."""

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from portal.extensions import db
from portal.models import Case, CaseReference, Channel, EventKind, Role, Status, utcnow
from portal.services import timeline
from tests import factories
from tests.helpers import mails_to


def _open(api, **changes):
    body = {"customer_email": "dana@example.com", "customer_name": "Dana Whitfield",
            "title": "Recall RC-42", "body": "Open recall on the car.",
            "category": changes.pop("category")} | changes
    return api.post("/cases", body)


def test_open_a_case_with_references(api):
    cat = factories.category(factories.department("Northside"), "Recalls")
    response = _open(api, category="recalls", priority="high",
                     references=[{"system": "recall", "value": "RC-42"},
                                 {"system": "recall", "value": "RC-42"},
                                 {"system": "vin", "value": "WVW123"}])
    assert response.status_code == 201, response.json
    data = response.json
    assert data["reference"].startswith("CL-") and data["status"] == "new"
    assert data["priority"] == "high" and data["category"]["id"] == cat.id
    assert data["department"]["name"] == "Northside"
    assert data["customer"]["email"] == "dana@example.com"
    assert data["references"] == [{"system": "recall", "value": "RC-42"},
                                  {"system": "vin", "value": "WVW123"}]
    assert response.headers["Location"] == f"/api/v1/cases/{data['reference']}"
    case = db.session.scalar(select(Case))
    opened = timeline.all_events(case)[0]
    assert opened.kind == EventKind.OPENED and opened.channel == Channel.API
    assert opened.author.email == "dana@example.com"


def test_a_case_the_business_opens_is_signed_by_its_system_and_emailed_to_the_customer(api):
    factories.category(factories.department("Northside"), "Recalls")
    response = _open(api, category="Recalls", written_by="business",
                     body="Our records show recall RC-42 is open for your car.")
    assert response.status_code == 201, response.json
    case = db.session.scalar(select(Case))
    opened = timeline.all_events(case)[0]
    assert opened.author.name == "API: Head office recall system" and opened.author.is_staff
    [mail] = mails_to("dana@example.com")
    assert "API: Head office recall system opened case CL-" in mail.body_text
    assert "Our records show recall RC-42 is open for your car." in mail.body_text
    assert "Our records show recall RC-42" in mail.body_html


def test_the_customers_own_words_relayed_are_theirs_and_not_emailed_back(api):
    factories.category(factories.department("Northside"), "Recalls")
    assert _open(api, category="Recalls", written_by="customer").status_code == 201
    case = db.session.scalar(select(Case))
    assert timeline.all_events(case)[0].author.email == "dana@example.com"
    assert mails_to("dana@example.com") == []
    refused = _open(api, category="Recalls", written_by="head office")
    assert refused.status_code == 422
    assert refused.json["errors"][0]["field"] == "written_by"
    assert db.session.query(Case).count() == 1


def test_category_by_id_and_unknown_categories(api):
    cat = factories.category()
    assert _open(api, category=cat.id).status_code == 201
    response = _open(api, category="No such thing")
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "category"
    cat.active = False
    db.session.commit()
    assert _open(api, category=cat.id).status_code == 422


def test_get_one_case_by_reference(api):
    case = factories.case()
    response = api.get(f"/cases/{case.reference}")
    assert response.status_code == 200
    assert response.json["reference"] == case.reference
    assert response.json["status_label"] == "Received"
    for bad in ("CL-999999", "nonsense", "CL-99999999999", "CL-" + "9" * 40):
        assert api.get(f"/cases/{bad}").status_code == 404


def test_list_filters_by_status_department_reference_and_time(api):
    north, south = factories.department("North"), factories.department("South")
    a = factories.case(cat=factories.category(north))
    b = factories.case(cat=factories.category(south), status=Status.IN_PROGRESS)
    db.session.add(CaseReference(case_id=b.id, system="recall", value="RC-42"))
    a.last_activity_at = utcnow() - timedelta(days=3)
    db.session.commit()

    def refs(query: str) -> list[str]:
        response = api.get(f"/cases{query}")
        assert response.status_code == 200, response.json
        return [c["reference"] for c in response.json["items"]]

    assert refs("") == [b.reference, a.reference]
    assert refs("?status=in_progress") == [b.reference]
    assert refs(f"?department={north.id}") == [a.reference]
    assert refs("?reference=RC-42") == [b.reference]
    # reference= is another system's; the case's own reference has its own filter.
    assert refs(f"?reference={b.reference}") == []
    assert refs(f"?case_reference={a.reference}") == [a.reference]
    assert refs(f"?case_reference={a.reference}&reference=RC-42") == []
    since = (utcnow() - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert refs(f"?updated_since={since}") == [b.reference]


def test_list_pages_with_a_cursor(api):
    made = [factories.case() for _ in range(5)]
    seen, cursor = [], None
    while True:
        response = api.get("/cases", query_string={"limit": 2, "cursor": cursor}
                           if cursor else {"limit": 2})
        assert response.status_code == 200
        seen += [c["reference"] for c in response.json["items"]]
        cursor = response.json["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(c.reference for c in made) and len(seen) == 5


def test_unusable_query_parameters_are_400_problems(api):
    for query in ("?status=sleeping", "?department=abc", "?department=99999999999999",
                  "?updated_since=yesterday", "?updated_since=2026-01-01T00:00:00",
                  "?cursor=not-a-cursor", "?limit=0", "?limit=101", "?limit=", "?reference=%00",
                  "?case_reference=RC-42", "?case_reference=CL-99999999999",
                  "?updated_since=0001-01-01T00:00:00%2B01:00"):
        response = api.get(f"/cases{query}")
        assert response.status_code == 400, query
        assert response.mimetype == "application/problem+json"
        assert response.json["errors"], query


def test_change_status_with_an_explanation(api):
    case = factories.case()
    response = api.post(f"/cases/{case.reference}/status",
                        {"status": "waiting_on_customer", "explanation": "Send the VIN, please."})
    assert response.status_code == 200, response.json
    assert response.json["status"] == "waiting_on_customer"
    event = timeline.all_events(db.session.get(Case, case.id))[-1]
    assert event.kind == EventKind.STATUS_CHANGE and event.body == "Send the VIN, please."
    assert event.author.name == "API: Head office recall system"


def test_status_changes_refused_by_the_rules_are_422_and_stale_versions_409(api):
    case = factories.case()
    same = api.post(f"/cases/{case.reference}/status", {"status": "new"})
    assert same.status_code == 422 and same.json["errors"][0]["field"] == "status"
    unexplained = api.post(f"/cases/{case.reference}/status", {"status": "resolved"})
    assert unexplained.status_code == 422
    assert unexplained.json["errors"][0]["field"] == "explanation"
    stale = api.post(f"/cases/{case.reference}/status",
                     {"status": "in_progress", "version": case.version - 1 or 99})
    assert stale.status_code == 409
    assert db.session.get(Case, case.id).status == Status.NEW
    fresh = api.post(f"/cases/{case.reference}/status",
                     {"status": "in_progress", "version": case.version})
    assert fresh.status_code == 200


def test_a_customer_escalation_is_in_the_case_a_system_reads(api, client, login):
    """The API is for staff systems (no customer tokens): they read what the customer said
    on the case page, who owns the answer and by when."""
    dep = factories.department("Home Delivery")
    factories.staff(Role.MANAGER, [dep], name="Ken Ito", email="ken@example.com")
    monday_10am = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)  # inside working hours
    with time_machine.travel(monday_10am, tick=False):
        case = factories.case(cat=factories.category(dep))
        assert api.get(f"/cases/{case.reference}").json["escalations"] == []
        login(client, case.customer)
        said = client.post(f"/cases/{case.reference}/escalate",
                           data={"reason": "Nobody has called me back in a week"})
        assert said.status_code == 303
        client.post("/logout")
        read = api.get(f"/cases/{case.reference}")
    assert read.status_code == 200, read.json
    [escalation] = read.json["escalations"]
    assert escalation["reason"] == "Nobody has called me back in a week"
    assert escalation["manager"] == {"name": "Ken Ito", "email": "ken@example.com"}
    assert escalation["answer_due_at"] == "2026-12-14T14:00:00Z"  # four working hours
    assert escalation["answer_state"] == "open" and escalation["business_day"] == "2026-12-14"
    listed = api.get("/cases").json["items"]
    assert "escalations" not in listed[0]  # the list stays one query per page
