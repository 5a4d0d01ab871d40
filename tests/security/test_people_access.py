"""People on a case: a colleague or an organisation member reaches exactly the case they
were given, and nobody else reaches anything (docs/attack-catalogue.md, access control)."""

from __future__ import annotations

import pytest

from portal.models import Sharing
from portal.services import organisations, participants
from tests import factories
from tests.security.catalogue import SECRET, assert_nothing_stored, fill_in, row_counts

# Everything customer-side that hangs off Eve's case, including the new routes.
EVE_CASE_THINGS = {
    "case page": ("GET", "/cases/{theirs}", None),
    "live fragment": ("GET", "/cases/{theirs}/live", None),
    "live fragment (htmx)": ("GET", "/cases/{theirs}/live", None),
    "live stream": ("GET", "/cases/{theirs}/stream", None),
    "attachment": ("GET", "/attachments/{eve_file}/eve.png", None),
    "reply": ("POST", "/cases/{theirs}/replies", {"body": "hijack"}),
    "feedback": ("POST", "/cases/{theirs}/feedback", {"solved": "yes", "rating": "10"}),
    "add a participant": ("POST", "/cases/{theirs}/participants", {"email": "x@example.com"}),
    "remove a participant": ("POST", "/cases/{theirs}/participants/{cc}/remove", {}),
    "share": ("POST", "/cases/{theirs}/share", {}),
}


def _colleague_on_eves_case(world):
    carl = factories.customer("Carl Colleague", "carl@example.com")
    return carl, participants.add(world.theirs, world.eve, carl.email)


@pytest.mark.parametrize("method,url,data", EVE_CASE_THINGS.values(),
                         ids=EVE_CASE_THINGS.keys())
@pytest.mark.parametrize("dana_is", ["a stranger", "in Eve's private organisation",
                                     "in Eve's organisation, case not shared",
                                     "in Eve's organisation, only another case shared"])
def test_neither_a_stranger_nor_an_unentitled_member_reaches_a_case(
        client, login, world, method, url, data, dana_is):
    _, cc = _colleague_on_eves_case(world)
    if dana_is != "a stranger":
        rule = Sharing.PRIVATE if "private" in dana_is else Sharing.SHARED
        org = organisations.create(None, "Whitfield & Other", "", False, rule)
        organisations.add_member(org, None, world.eve.email)
        organisations.add_member(org, None, world.dana.email)
        if "another case shared" in dana_is:  # sharing one case shares that one alone
            organisations.set_shared(factories.case(world.eve, "Van insurance"), world.eve,
                                     True)
    login(client, world.dana)
    before = row_counts()
    response = client.open(fill_in(url, world, cc=cc.id), method=method, data=data)
    assert response.status_code == 404
    assert SECRET not in response.text and "Private loan" not in response.text
    assert_nothing_stored(before)
    assert "Private loan" not in client.get("/cases").text


COLLEAGUE_MAY_NOT = {
    "feedback": ("POST", "/cases/{theirs}/feedback", {"solved": "no", "rating": "0"}),
    "confirm solved": ("POST", "/cases/{theirs}/solved", {}),
    "reaction": ("POST", "/cases/{theirs}/replies/{eve_reply}/reaction", {"helpful": "no"}),
    "add a participant": ("POST", "/cases/{theirs}/participants", {"email": "x@example.com"}),
    "remove the requester's other colleague": ("POST",
                                               "/cases/{theirs}/participants/{cc}/remove", {}),
    "share": ("POST", "/cases/{theirs}/share", {}),
}


@pytest.mark.parametrize("method,url,data", COLLEAGUE_MAY_NOT.values(),
                         ids=COLLEAGUE_MAY_NOT.keys())
def test_a_colleague_sees_the_case_but_never_acts_as_the_requester(
        client, login, world, method, url, data):
    carl, cc = _colleague_on_eves_case(world)
    login(client, carl)
    assert client.get(f"/cases/{world.theirs.reference}").status_code == 200
    with client.get(fill_in("/attachments/{eve_file}/eve.png", world)) as download:
        assert download.status_code == 200
    before = row_counts()
    assert client.open(fill_in(url, world, cc=cc.id), method=method,
                       data=data).status_code == 404
    assert_nothing_stored(before)


def test_a_removed_colleague_loses_the_case_and_its_stream(client, login, world):
    carl, cc = _colleague_on_eves_case(world)
    participants.remove(world.theirs, world.eve, cc.id)
    login(client, carl)
    for url in ("/cases/{theirs}", "/cases/{theirs}/stream", "/attachments/{eve_file}/eve.png"):
        assert client.get(fill_in(url, world)).status_code == 404, url


def test_the_api_takes_no_customer_session(client, login, world):
    _colleague_on_eves_case(world)
    login(client, world.dana)
    for url in ("/api/v1/organisations", f"/api/v1/cases/{world.theirs.reference}/participants"):
        response = client.get(url)
        assert response.status_code == 401 and SECRET not in response.text
