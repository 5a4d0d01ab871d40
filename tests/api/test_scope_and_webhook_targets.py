"""The API side of department scope: tokens, customers that cannot be enumerated, and
webhooks that cannot be aimed at the inside of the network.
"""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import select

from portal.api import delivery
from portal.api.openapi import SPEC
from portal.extensions import db
from portal.models import Role, User, utcnow
from portal.models.api import WEBHOOK_EVENTS, WebhookDelivery
from portal.services import webhook_targets, webhooks
from portal.services.errors import ServiceError
from tests import factories

PROBLEM = "application/problem+json"



# API: department tokens and customers ----------------------------------------------------------

def test_a_department_token_cannot_read_customers_it_does_not_serve(api_as, make_token,
                                                                    two_departments):
    north, ours, theirs = two_departments
    _, secret = make_token("write", [north])
    scoped = api_as(secret)
    assert scoped.get(f"/customers/{ours.customer_id}").status_code == 200
    refused = scoped.get(f"/customers/{theirs.customer_id}")
    assert refused.status_code == 404 and refused.mimetype == PROBLEM
    assert theirs.customer.email not in refused.text
    listed = scoped.get("/cases").json["items"]
    assert {c["customer"]["id"] for c in listed} == {ours.customer_id}


def test_a_department_token_cannot_link_its_way_to_a_stranger(api_as, make_token,
                                                              two_departments):
    north, _, theirs = two_departments
    _, secret = make_token("write", [north])
    scoped = api_as(secret)
    scoped.post("/customers", {"email": theirs.customer.email, "external_id": "MINE-1"})
    assert scoped.get(f"/customers/{theirs.customer_id}").status_code == 404


def test_creating_a_customer_does_not_reveal_whether_the_address_existed(api):
    known = factories.customer(name="Known Person", email="known@example.com")
    staff = factories.staff(email="staff.member@example.com")
    answers = [api.post("/customers", {"email": address, "name": "Probe"})
               for address in ("new@example.com", known.email, staff.email)]
    assert [a.status_code for a in answers] == [202, 202, 202]
    assert [a.json for a in answers] == [
        {"email": "new@example.com", "external_id": None},
        {"email": known.email, "external_id": None},
        {"email": staff.email, "external_id": None}]
    assert all("Location" not in a.headers for a in answers)
    assert "Known Person" not in answers[1].text
    db.session.expire_all()
    assert db.session.get(User, staff.id).role == Role.AGENT  # never made a customer


def test_the_openapi_document_says_so():
    operation = SPEC["paths"]["/customers"]["post"]
    assert set(operation["responses"]) >= {"202"}
    assert not {"200", "201"} & set(operation["responses"])
    assert "same" in operation["description"]
    schema = SPEC["components"]["schemas"]["CustomerReceipt"]
    assert set(schema["properties"]) == {"email", "external_id"}


# Webhook targets -------------------------------------------------------------------------

NON_PUBLIC = ["http://127.0.0.1/hook", "http://localhost:8080/hook", "http://app.localhost/",
              "http://10.1.2.3/", "http://172.16.0.1/", "http://192.168.1.10/",
              "http://169.254.169.254/latest/meta-data/", "http://100.64.0.1/",
              "http://0.0.0.0/", "http://224.0.0.1/", "http://240.0.0.1/",
              "http://[::1]/", "http://[::]/", "http://[fd00::1]/", "http://[fe80::1]/",
              "http://[ff02::1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:10.0.0.1]/"]


@pytest.mark.parametrize("url", NON_PUBLIC)
def test_webhooks_to_internal_addresses_are_refused(admin, url):
    with pytest.raises(ServiceError) as refused:
        webhooks.create(admin, "Probe", url, ["case.opened"], [])
    assert "public internet addresses" in refused.value.message
    assert refused.value.field == "url"


def _resolving(monkeypatch, answers: dict[str, list[str]]) -> None:
    """Make these host names resolve to these addresses; any other name as usual."""
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (ip, port)) for ip in answers[host]]

    monkeypatch.setattr(webhook_targets.socket, "getaddrinfo", fake)


def test_a_name_that_resolves_inside_is_refused_at_registration(admin, monkeypatch):
    _resolving(monkeypatch, {"hooks.example.com": ["93.184.215.14", "10.0.0.7"]})
    with pytest.raises(ServiceError):
        webhooks.create(admin, "Probe", "https://hooks.example.com/x", ["case.opened"], [])


def test_the_admin_page_explains_the_refusal(client, login):
    login(client, factories.staff(Role.ADMIN))
    response = client.post("/admin/settings/api-tokens/webhooks/new", data={
        "name": "Metadata", "url": "http://169.254.169.254/latest/", "events": ["case.opened"]})
    assert response.status_code == 422 and "public internet addresses" in response.text


def test_public_addresses_and_names_not_resolvable_yet_are_accepted(admin, monkeypatch):
    _resolving(monkeypatch, {"hooks.example.com": ["93.184.215.14"]})
    for url in ("https://93.184.215.14/hook", "https://hooks.example.com/x",
                "https://[2606:4700::6810:84e5]/x"):
        webhooks.create(admin, "Ok", url, ["case.opened"], [])


def test_an_operator_can_allow_internal_targets(admin, app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE_TARGETS", True)
    webhook, _ = webhooks.create(admin, "Local", "http://127.0.0.1:9/", ["case.opened"], [])
    assert webhook.url == "http://127.0.0.1:9/"


def test_delivery_refuses_a_name_that_now_resolves_inside(admin, monkeypatch):
    """DNS rebinding: public when registered, 127.0.0.1 when the event is sent."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    _resolving(monkeypatch, {"rebind.example.com": ["93.184.215.14"]})
    webhooks.create(admin, "Rebinding", f"http://rebind.example.com:{port}/x",
                    list(WEBHOOK_EVENTS), [])
    _resolving(monkeypatch, {"rebind.example.com": ["127.0.0.1"]})
    factories.case()
    report = delivery.deliver_due(utcnow())
    with pytest.raises(TimeoutError):
        listener.accept()  # nothing ever connected
    listener.close()
    assert report.delivered == 0 and report.retrying == 1
    [queued] = db.session.scalars(select(WebhookDelivery)).all()
    assert "non-public address" in queued.last_error and queued.delivered_at is None
