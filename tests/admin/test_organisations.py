"""Staff pages for organisations and for the colleagues on a case."""

from portal.extensions import db
from portal.models import AuditEntry, Role, Sharing
from portal.services import organisations, participants
from tests import factories
from tests.helpers import mails_to


def _actions() -> set[str]:
    return {e.action for e in db.session.query(AuditEntry)}


def test_an_admin_creates_an_organisation_and_adds_a_member(client, login):
    manager = factories.staff(Role.ADMIN, name="Ada Admin")
    johnson = factories.customer("Robert Johnson", "johnson@example.com")
    login(client, manager)
    assert "Add an organisation" in client.get("/admin/organisations").text
    made = client.post("/admin/organisations", data={
        "name": "Johnson Hardware", "domains": "johnson-hardware.co.uk", "auto_join": "y",
        "sharing": "all"})
    assert made.status_code == 302
    org = organisations.all_organisations()[0]
    assert (org.domains, org.auto_join, org.sharing) == ("johnson-hardware.co.uk", True,
                                                         Sharing.ALL)
    added = client.post(f"/admin/organisations/{org.id}/members",
                        data={"email": "johnson@example.com"})
    assert added.status_code == 302
    assert "Robert Johnson" in client.get(added.location).text
    history = client.get(f"/admin/customers/{johnson.id}").text
    assert "Johnson Hardware" in history
    client.post(f"/admin/organisations/{org.id}/members/{johnson.id}/remove")
    assert organisations.of(johnson) is None
    assert {"organisation.created", "organisation.member_added",
            "organisation.member_removed"} <= _actions()


def test_bad_input_is_refused_next_to_its_field(client, login):
    login(client, factories.staff(Role.ADMIN))
    bad = client.post("/admin/organisations", data={"name": "Acme", "domains": "not a domain",
                                                    "sharing": "private"})
    assert bad.status_code == 422 and "is not an email domain" in bad.text
    org = organisations.create(None, "Acme", "", False, "private")
    unknown = client.post(f"/admin/organisations/{org.id}/members",
                          data={"email": "nobody@example.com"})
    assert unknown.status_code == 422 and "No customer has that email address" in unknown.text
    assert organisations.all_organisations() == [org]


def test_managers_see_organisations_but_only_admins_change_them(client, login):
    """Membership and sharing decide which customers see each other's cases in every
    department: a manager of one department reads them, and a change is refused and audited."""
    org = organisations.create(None, "Johnson Hardware", "johnson-hardware.co.uk", False, "all")
    organisations.add_member(org, None, factories.customer("Robert Johnson",
                                                            "johnson@example.com").email)
    factories.customer("Amy Clerk", "amy@example.com")
    login(client, factories.staff(Role.MANAGER))
    page = client.get(f"/admin/organisations/{org.id}").text
    assert "Robert Johnson" in page and "Only an admin adds or changes organisations" in page
    assert "Add member" not in page and "Add an organisation" not in page
    for path, data in ((f"/admin/organisations/{org.id}/members", {"email": "amy@example.com"}),
                       (f"/admin/organisations/{org.id}", {"name": "Renamed", "sharing": "all"}),
                       ("/admin/organisations", {"name": "Another", "sharing": "all"}),
                       (f"/admin/organisations/{org.id}/members/"
                        f"{organisations.members(org)[0].id}/remove", {})):
        assert client.post(path, data=data).status_code == 403
    assert [m.name for m in organisations.members(org)] == ["Robert Johnson"]
    assert [o.name for o in organisations.all_organisations()] == ["Johnson Hardware"]
    assert "denied" in _actions()


def test_agents_do_not_manage_organisations(client, login):
    login(client, factories.staff(Role.AGENT))
    assert client.get("/admin/organisations").status_code == 403


def test_staff_put_a_colleague_on_a_case_from_the_workspace(client, login):
    case = factories.case(factories.customer("Robert Johnson"))
    agent = factories.staff(departments=[case.department])
    login(client, agent)
    added = client.post(f"/admin/cases/{case.reference}/participants",
                        data={"email": "lucy@example.com"})
    assert added.status_code == 302
    assert "lucy@example.com" in client.get(added.location).text
    assert mails_to("lucy@example.com")
    [cc] = participants.of_case(case)
    refused = client.post(f"/admin/cases/{case.reference}/participants",
                          data={"email": "lucy@example.com"})
    assert refused.status_code == 422 and "already on this case" in refused.text
    client.post(f"/admin/cases/{case.reference}/participants/{cc.id}/remove")
    assert participants.of_case(case) == []
    assert {"case.participant_added", "case.participant_removed"} <= _actions()


def test_staff_of_another_department_cannot_touch_its_colleagues(client, login):
    case = factories.case()
    cc = participants.add(case, case.customer, "lucy@example.com")
    login(client, factories.staff(departments=[factories.department()]))
    assert client.post(f"/admin/cases/{case.reference}/participants",
                       data={"email": "x@example.com"}).status_code == 404
    assert client.post(f"/admin/cases/{case.reference}/participants/{cc.id}/remove"
                       ).status_code == 404
    assert len(participants.of_case(case)) == 1
