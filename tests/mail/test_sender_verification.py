"""Email cannot speak for a customer it did not come from: the From header alone proves nothing.

Only a valid reply link from the case's customer joins a case; our own MTA's word (DMARC or
aligned DKIM, when trusted) may open a new case; everything else waits in triage, and staff
see on every message how its sender was verified.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.mail.authresults import parse
from portal.mail.inbound import ingest
from portal.models import Case, EventKind, OutboxMessage, Role
from portal.models.mail import InboundMail
from portal.services import timeline
from tests import factories
from tests.mail.conftest import TRUSTED_MTA, vouched


@pytest.fixture
def dana():
    return factories.customer("Dana Whitfield", "dana@example.com")


@pytest.fixture
def case(dana):
    return factories.case(dana, title="Refund for the returned dishwasher",
                          cat=factories.category(factories.department("Home Delivery")))


@pytest.fixture
def agent(case):
    return factories.staff(Role.AGENT, [case.department])


def _mail(case: Case, sender: str, to: str = "support@caseloop.localhost",
          words: str = "Please send the refund to account 99-99-99 instead.") -> bytes:
    """What a customer's mail client sends about the case: its reference in the subject."""
    message = EmailMessage()
    message["From"], message["To"] = f"Dana Whitfield <{sender}>", to
    message["Subject"] = f"Re: [{case.reference}] {case.title}"
    message["Message-ID"] = make_msgid(domain="mail.example.com")
    message.set_content(words)
    return bytes(message)


def _customer_messages(case: Case) -> list[str]:
    return [e.body for e in timeline.public_events(case) if e.kind == EventKind.CUSTOMER_MESSAGE]


def _emails_sent() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def _cases() -> int:
    return db.session.scalar(select(func.count()).select_from(Case))


def test_a_forged_sender_with_the_subject_of_an_open_case_waits_in_triage(client, login, case,
                                                                         agent):
    version = case.version
    mail = ingest(_mail(case, "dana@example.com"))

    assert mail.status == "triage" and mail.case_id is None
    assert mail.verified_by == "from_only" and "No reply link" in mail.reason
    db.session.expire_all()
    assert case.version == version and _customer_messages(case) == []  # the case is unchanged
    assert _emails_sent() == 0 and _cases() == 1  # the customer is told nothing
    login(client, agent)
    inbox = client.get("/admin/inbox").text
    assert "dana@example.com" in inbox and "Not verified: From address only" in inbox
    assert "No reply link" in inbox


def test_a_reply_link_from_the_cases_customer_joins_the_case(client, login, case, agent,
                                                             token_for):
    mail = ingest(_mail(case, "dana@example.com", to=token_for(case)))

    assert mail.status == "processed" and mail.case_id == case.id
    assert mail.verified_by == "reply_link"
    assert _customer_messages(case) == ["Please send the refund to account 99-99-99 instead."]
    login(client, agent)
    page = client.get(f"/admin/cases/{case.reference}")
    assert page.status_code == 200 and "Verified by reply link" in page.text
    detail = client.get(f"/admin/inbox/{mail.id}").text
    assert "Verified by reply link" in detail


def test_staff_checks_stay_off_the_customers_own_page(client, login, case, dana, token_for):
    ingest(_mail(case, "dana@example.com", to=token_for(case)))
    login(client, dana)
    page = client.get(f"/cases/{case.reference}")
    assert "99-99-99" in page.text and "reply link" not in page.text


@pytest.mark.parametrize("vouch", [False, True], ids=["from-only", "dmarc-pass-for-them"])
def test_a_reply_link_sent_from_another_address_waits_in_triage(client, login, case, agent,
                                                                token_for, trusted_mta, vouch):
    """A forwarded notification carries the link: its holder is still not the customer."""
    factories.customer("Mallory", "mallory@example.net")
    raw = _mail(case, "mallory@example.net", to=token_for(case))
    mail = ingest(trusted_mta(raw, domain="example.net") if vouch else raw)

    assert mail.status == "triage" and "is not the customer" in mail.reason
    assert mail.verified_by == ("dmarc" if vouch else "from_only")
    assert _customer_messages(case) == [] and _emails_sent() == 0
    login(client, agent)
    detail = client.get(f"/admin/inbox/{mail.id}").text
    assert "is not the customer of" in detail and "although the reply token is valid" in detail


def test_dmarc_pass_from_our_trusted_mta_opens_a_new_case(client, login, case, agent, dana,
                                                          trusted_mta):
    mail = ingest(trusted_mta(_mail(case, "dana@example.com")))

    assert mail.status == "processed" and mail.case_id != case.id
    assert (mail.verified_by, mail.verified_detail) == ("dmarc", TRUSTED_MTA)
    opened = db.session.get(Case, mail.case_id)
    assert opened.customer_id == dana.id and opened.title == case.title
    assert _customer_messages(case) == []  # the open case on that subject is not joined
    login(client, factories.staff(Role.ADMIN))
    page = client.get(f"/admin/cases/{opened.reference}")
    assert f"DMARC pass ({TRUSTED_MTA})" in page.text


def test_an_aligned_dkim_pass_opens_a_new_case(case, trusted_mta):
    sam = factories.customer("Sam Okafor", "sam@mail.example.com")
    results = "dkim=pass header.i=@example.com header.d=example.com; dmarc=none"
    mail = ingest(trusted_mta(_mail(case, "sam@mail.example.com"), results=results))
    assert mail.status == "processed" and db.session.get(Case, mail.case_id).customer == sam
    assert mail.verified_by == "dkim" and mail.verified_detail == TRUSTED_MTA


@pytest.mark.parametrize("results", [
    "dmarc=pass header.from=evil.example",  # a pass, but for another domain
    "dmarc=fail (p=reject) header.from=example.com",
    "dkim=pass header.d=evil.example; dmarc=fail header.from=example.com",  # not aligned
    "dkim=pass header.d=com",  # a whole top-level domain signs nothing of ours
    "dmarc=none header.from=example.com; x-note=\"dmarc=pass header.from=example.com\"",
    "none",
])
def test_results_that_do_not_vouch_for_the_sender_leave_it_in_triage(case, trusted_mta,
                                                                     results):
    mail = ingest(trusted_mta(_mail(case, "dana@example.com"), results=results))
    assert mail.status == "triage" and mail.verified_by == "from_only"
    assert _cases() == 1


def test_the_header_is_not_trusted_while_the_setting_is_off(case):
    mail = ingest(vouched(_mail(case, "dana@example.com")))  # MAIL_TRUST_... left empty
    assert mail.status == "triage" and mail.verified_by == "from_only" and _cases() == 1


def test_a_header_from_another_server_is_not_trusted(case, trusted_mta):
    mail = ingest(trusted_mta(_mail(case, "dana@example.com"), authserv_id="mx.evil.example"))
    assert mail.status == "triage" and mail.verified_by == "from_only" and _cases() == 1


def test_only_the_topmost_header_counts(case, trusted_mta):
    """A sender can write our server's name into its own header; ours is added on top."""
    def forged() -> bytes:
        return trusted_mta(_mail(case, "dana@example.com"))  # written by the sender

    ours = trusted_mta(forged(), results="dmarc=fail header.from=example.com")
    assert ingest(ours).status == "triage"
    below = vouched(forged(), authserv_id="relay.example.org")  # another server's on top
    assert ingest(below).status == "triage"
    assert _cases() == 1


def test_a_from_with_two_addresses_is_never_vouched_for(case, trusted_mta):
    raw = _mail(case, "dana@example.com").replace(
        b"From: Dana Whitfield <dana@example.com>",
        b"From: Dana Whitfield <dana@example.com>, mallory@example.net")
    mail = ingest(trusted_mta(raw))
    assert mail.status == "triage" and mail.verified_by == "from_only"


def test_staff_attach_a_triaged_mail_and_the_timeline_says_it_was_not_verified(
        client, login, case, agent):
    mail = ingest(_mail(case, "dana@example.com"))
    login(client, agent)
    response = client.post(f"/admin/inbox/{mail.id}/attach", data={"reference": case.reference})
    assert response.status_code == 302
    page = client.get(f"/admin/cases/{case.reference}")
    assert "99-99-99" in page.text and "Not verified: From address only" in page.text


def test_mail_from_before_the_checks_says_so(client, login, agent):
    old = InboundMail(raw=b"From: someone@example.org\n\nhello", sender="someone@example.org",
                      subject="From last year", verified_by="", reason="Unknown sender.")
    db.session.add(old)
    db.session.commit()
    login(client, agent)
    assert "Sender not checked" in client.get(f"/admin/inbox/{old.id}").text


@pytest.mark.parametrize(("value", "expected"), [
    ("mx.caseloop.test 1; dkim=pass (good signature) header.d=example.com header.s=s1;"
     " dmarc=pass (p=reject; dis=none) header.from=Example.COM",
     ("mx.caseloop.test", [("dkim", "pass", "example.com"), ("dmarc", "pass", "example.com")])),
    ("(made by us) MX.Caseloop.Test; dmarc/1=pass reason=\"a; b\" header.from=example.com",
     ("mx.caseloop.test", [("dmarc", "pass", "example.com")])),
    ("mx.caseloop.test; none", ("mx.caseloop.test", [])),
    ("", ("", [])),
])
def test_authentication_results_are_read_as_rfc_8601_writes_them(value, expected):
    authserv_id, results = parse(value)
    domains = [(r.method, r.result, r.properties.get("header.d") or
                r.properties.get("header.from")) for r in results]
    assert (authserv_id, domains) == expected
