"""The API's organisations and case participants: what another system can do and see."""

from portal.extensions import db
from portal.models import AuditEntry
from portal.services import accounts, customer_access
from tests import factories
from tests.helpers import mails_to


def _bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def test_a_system_creates_an_organisation_and_adds_members(api, client):
    johnson = factories.customer("Mr Johnson", "johnson@johnson-hardware.co.uk")
    made = api.post("/organisations", {"name": "Johnson Hardware",
                                       "domains": ["johnson-hardware.co.uk"],
                                       "sharing": "all"})
    assert made.status_code == 201, made.text
    org = made.json
    assert org["domains"] == ["johnson-hardware.co.uk"] and org["sharing"] == "all"
    added = api.post(f"/organisations/{org['id']}/members", {"email": johnson.email})
    assert added.status_code == 200 and added.json["members"][0]["name"] == "Mr Johnson"
    assert [o["name"] for o in api.get("/organisations").json["items"]] == ["Johnson Hardware"]
    assert api.get(f"/organisations/{org['id']}").json["members"][0]["id"] == johnson.id
    gone = client.delete(f"/api/v1/organisations/{org['id']}/members/{johnson.id}",
                         headers=api.headers())
    assert gone.status_code == 204
    assert api.get(f"/organisations/{org['id']}").json["members"] == []
    actions = {e.action for e in db.session.query(AuditEntry)}
    assert {"organisation.created", "organisation.member_added",
            "organisation.member_removed"} <= actions


def test_bad_organisation_input_is_a_422_naming_the_field(api):
    bad = api.post("/organisations", {"name": "", "domains": ["not a domain"], "sharing": "x"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json["errors"]} >= {"name", "sharing"}
    domain = api.post("/organisations", {"name": "Acme", "domains": ["not a domain"]})
    assert domain.status_code == 422 and domain.json["errors"][0]["field"] == "domains"


def test_a_token_limited_to_departments_sees_no_organisations(api_as, make_token):
    _, secret = make_token(departments=[factories.department()])
    assert api_as(secret).get("/organisations").status_code == 404


def test_a_system_puts_a_colleague_on_a_case_and_takes_them_off(api, client):
    case = factories.case(factories.customer("Mr Johnson"))
    added = api.post(f"/cases/{case.reference}/participants",
                     {"email": "clerk@johnson-hardware.co.uk", "name": "Amy Clerk"})
    assert added.status_code == 201, added.text
    assert added.json["customer"]["name"] == "Amy Clerk"
    assert mails_to("clerk@johnson-hardware.co.uk"), "the new colleague is invited"
    listed = api.get(f"/cases/{case.reference}/participants").json["items"]
    assert [p["customer"]["email"] for p in listed] == ["clerk@johnson-hardware.co.uk"]
    again = api.post(f"/cases/{case.reference}/participants",
                     {"email": "clerk@johnson-hardware.co.uk"})
    assert again.status_code == 422 and again.json["errors"][0]["field"] == "email"
    gone = client.delete(f"/api/v1/cases/{case.reference}/participants/{listed[0]['id']}",
                         headers=api.headers())
    assert gone.status_code == 204
    clerk = accounts.find_user("clerk@johnson-hardware.co.uk")
    assert not customer_access.can_view(clerk, case)
    assert client.delete(f"/api/v1/cases/{case.reference}/participants/{listed[0]['id']}",
                         headers=api.headers()).status_code == 404


def test_participants_of_a_case_outside_the_token_are_404(api_as, make_token):
    case = factories.case()
    _, secret = make_token(departments=[factories.department()])
    limited = api_as(secret)
    assert limited.get(f"/cases/{case.reference}/participants").status_code == 404
    assert limited.post(f"/cases/{case.reference}/participants",
                        {"email": "x@example.com"}).status_code == 404
