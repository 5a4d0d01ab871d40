"""Who may see a case on the customer side: requester, colleagues on it, organisation."""

import pytest

from portal.extensions import db
from portal.models import AuditEntry, Sharing, Solved
from portal.services import (
    accounts,
    cases,
    customer_access,
    feedback,
    notifications,
    organisations,
    participants,
)
from portal.services.errors import NotFound, ServiceError
from tests import factories
from tests.helpers import mails_to


def _org(sharing: Sharing, *members, auto_join=False, domains="johnson-hardware.co.uk"):
    org = organisations.create(None, "Johnson Hardware", domains, auto_join, sharing)
    for member in members:
        organisations.add_member(org, None, member.email)
    return org


def test_a_stranger_sees_nothing_and_the_requester_everything():
    owner, stranger = factories.customer(), factories.customer()
    case = factories.case(owner)
    assert customer_access.can_view(owner, case)
    assert not customer_access.can_view(stranger, case)
    with pytest.raises(NotFound):
        cases.get_case_for(stranger, case.reference)


def test_a_colleague_added_by_a_new_address_is_invited_and_may_reply():
    owner = factories.customer("Mr Johnson")
    case = factories.case(owner)
    added = participants.add(case, owner, "Clerk@Johnson-Hardware.co.uk", "Amy Clerk")
    clerk = added.user
    assert clerk.email == "clerk@johnson-hardware.co.uk" and clerk.name == "Amy Clerk"
    assert customer_access.can_view(clerk, case) and customer_access.may_reply(clerk, case)
    invitation = mails_to(clerk.email)[-1]
    assert case.reference in invitation.subject and "/login/link/" in invitation.body_text
    assert db.session.query(AuditEntry).filter_by(action="case.participant_added").count() == 1
    landed = cases.add_customer_message(case, clerk, "Paid on Friday.")
    assert landed.id == case.id
    assert list(case.events)[-1].author_id == clerk.id


def test_colleagues_hear_of_public_updates_but_feedback_stays_the_requesters():
    owner, colleague = factories.customer(), factories.customer("Amy Clerk")
    case = factories.case(owner)
    participants.add(case, owner, colleague.email)
    assert [p.id for p in notifications.recipients(case)] == [owner.id, colleague.id]
    agent = factories.staff(departments=[case.department])
    cases.add_staff_reply(case, agent, "We have the invoice.")
    mail = mails_to(colleague.email)[-1]
    assert "We have the invoice." in mail.body_text and "Hello Amy Clerk" in mail.body_text
    assert mail.reply_to != mails_to(owner.email)[-1].reply_to  # each their own reply address
    with pytest.raises(NotFound):
        feedback.answer(case, colleague, Solved.YES, 9)


def test_only_the_requester_or_staff_manage_colleagues():
    owner, colleague, other = (factories.customer() for _ in range(3))
    case = factories.case(owner)
    added = participants.add(case, owner, colleague.email)
    with pytest.raises(NotFound):
        participants.add(case, colleague, other.email)
    with pytest.raises(ServiceError):
        participants.add(case, owner, colleague.email)  # already on it
    with pytest.raises(ServiceError):
        participants.add(case, owner, owner.email)
    participants.remove(case, owner, added.id)
    assert not customer_access.can_view(colleague, case)
    assert db.session.query(AuditEntry).filter_by(action="case.participant_removed").count() == 1


@pytest.mark.parametrize(("sharing", "shared", "sees"), [
    (Sharing.PRIVATE, False, False),
    (Sharing.PRIVATE, True, False),
    (Sharing.ALL, False, True),
    (Sharing.SHARED, False, False),
    (Sharing.SHARED, True, True),
])
def test_the_organisations_rule_decides_what_members_see(sharing, shared, sees):
    owner, member, outsider = factories.customer(), factories.customer(), factories.customer()
    _org(sharing, owner, member)
    case = factories.case(owner)
    if shared and sharing == Sharing.SHARED:
        organisations.set_shared(case, owner, True)
    elif shared:
        with pytest.raises(NotFound):  # sharing is offered only under "shared cases only"
            organisations.set_shared(case, owner, True)
    assert customer_access.can_view(member, case) is sees
    assert not customer_access.can_view(outsider, case)
    assert (member.id in customer_access.viewer_ids(case)) is sees
    listed = db.session.scalars(customer_access.our_organisation(member)).all()
    assert (case in listed) is sees


def test_a_verified_address_at_the_domain_joins_when_allowed():
    org = _org(Sharing.ALL, auto_join=True)
    newcomer = accounts.create_user("ben@johnson-hardware.co.uk", "Ben", verified=False)
    assert organisations.of(newcomer) is None
    accounts.request_sign_in_link(newcomer.email)
    raw = mails_to(newcomer.email)[-1].body_text.split("/login/link/")[1].split()[0]
    assert accounts.consume_sign_in_link(raw.rstrip("/")) is not None
    assert organisations.of(newcomer) == org


def test_organisation_input_is_checked():
    with pytest.raises(ServiceError) as bad:
        organisations.create(None, "Acme", "not a domain")
    assert bad.value.field == "domains"
    organisations.create(None, "Acme", "acme.com, @acme.co.uk")
    with pytest.raises(ServiceError) as taken:
        organisations.create(None, "ACME", "")
    assert taken.value.field == "name"
    assert organisations.all_organisations()[0].domains == "acme.com acme.co.uk"
