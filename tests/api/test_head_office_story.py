"""docs/stories.md #1: head office opens Dana's recall case through the API; the branch sees it."""

from portal.models import Role
from tests import factories


def test_head_office_opens_the_recall_case_and_the_branch_sees_it(client, login, api_as,
                                                                   make_token):
    branch = factories.department("Northside Service Centre")
    factories.category(branch, "Vehicle recall")
    _, secret = make_token("write", [branch], name="Head office recall system")
    head_office = api_as(secret)

    opened = head_office.post("/cases", {
        "customer_email": "dana@example.com", "customer_name": "Dana Whitfield",
        "title": "Open recall RC-42 on your car",
        "body": "Our records show recall RC-42 is open for your vehicle.",
        "category": "Vehicle recall",
        "references": [{"system": "recall", "value": "RC-42"}],
    }, headers={"Idempotency-Key": "recall-RC-42-dana"})
    assert opened.status_code == 201, opened.json
    reference = opened.json["reference"]
    contact = head_office.post(f"/cases/{reference}/events", {
        "channel": "letter", "public": True, "label": "Recall letter",
        "body": "Recall letter RC-42 sent to Dana; the branch books the work."})
    assert contact.status_code == 201

    found = head_office.get("/cases?reference=RC-42").json["items"]
    assert [c["reference"] for c in found] == [reference]

    agent = factories.staff(Role.AGENT, departments=[branch], name="Priya Shah")
    login(client, agent)
    workspace = client.get(f"/admin/cases/{reference}")
    assert workspace.status_code == 200
    page = workspace.text
    assert "recall: RC-42" in page
    assert "Recall letter RC-42 sent to Dana; the branch books the work." in page
    assert "Recall letter with API: Head office recall system" in page
    assert "Reference added: recall RC-42" in page

    events = head_office.get(f"/cases/{reference}/events").json["items"]
    assert [e["kind"] for e in events] == ["opened", "details_changed", "contact_logged"]
