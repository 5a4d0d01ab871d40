"""A colleague on a case answers our email: the words land under their own name."""

from portal.mail.inbound import ingest
from portal.models import EventKind
from portal.services import cases, participants, timeline
from portal.services.mail_addresses import reply_address
from tests import factories
from tests.helpers import mails_to


def test_a_colleague_replying_to_our_email_posts_in_their_own_name(eml):
    johnson = factories.customer("Mr Johnson", "johnson@example.com")
    case = factories.case(johnson, "Payment terms for invoice 4471")
    clerk = participants.add(case, johnson, "clerk@example.com", "Amy Clerk").user
    agent = factories.staff(departments=[case.department])
    cases.add_staff_reply(case, agent, "Can you confirm the remittance date?")
    reply_to = mails_to(clerk.email)[-1].reply_to
    assert reply_to == reply_address(case.id, clerk.id)
    mail = ingest(eml("reply_quoted.eml", clerk.email, reply_to))
    assert mail.status == "processed", mail.reason
    [event] = [e for e in timeline.public_events(case) if e.kind == EventKind.CUSTOMER_MESSAGE]
    assert event.author_id == clerk.id


def test_a_removed_colleagues_reply_goes_to_triage(eml):
    johnson = factories.customer("Mr Johnson", "johnson@example.com")
    case = factories.case(johnson)
    added = participants.add(case, johnson, "clerk@example.com")
    token = reply_address(case.id, added.user.id)
    participants.remove(case, johnson, added.id)
    assert ingest(eml("reply_quoted.eml", "clerk@example.com", token)).status == "triage"
