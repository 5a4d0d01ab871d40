"""Staff open a case for a caller through the same open_case the portal and the API use."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    AuditEntry,
    CaseEvent,
    Channel,
    CustomerFact,
    EventKind,
    OutboxMessage,
    Role,
    User,
    Visibility,
)
from portal.models.api import ApiCustomerLink, ApiToken
from portal.services import case_details, cases, intake
from portal.services.errors import ServiceError
from tests import factories


def _outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _customers() -> int:
    return db.session.scalar(select(func.count()).select_from(User)
                             .where(User.role == Role.CUSTOMER))


def test_customers_are_found_by_name_email_phone_and_outside_reference(category, agent):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    ravi = factories.customer("Ravi Patel", "ravi@example.com")
    mei = factories.customer("Mei Chen", "mei@example.com")
    db.session.add(CustomerFact(customer_id=ravi.id, kind="phone", value="+44 7700 900-123"))
    case_details.add_reference(factories.case(mei, cat=category), agent, "Recall", "RC-42")
    token = ApiToken(name="CRM", prefix="cl_test", token_hash="x" * 64)
    db.session.add(token)
    db.session.flush()
    db.session.add(ApiCustomerLink(token_id=token.id, customer_id=dana.id, external_id="CRM-7"))
    db.session.commit()

    assert intake.find_customers("whitf") == [dana]
    assert intake.find_customers("RAVI@example") == [ravi]
    assert intake.find_customers("7700900123") == [ravi]  # however it was spaced
    assert intake.find_customers("rc-42") == [mei]
    assert intake.find_customers("crm-7") == [dana]
    assert intake.find_customers("x") == []  # one letter finds nobody


def test_a_caller_taken_on_with_an_email_gets_the_case_and_an_invitation(category, agent):
    case = intake.open_for(
        agent, intake.NewCustomer("Sam Okafor", "Sam@Example.com", "07700 900456"),
        category.id, "phone", "Sofa not delivered", "It was due on Monday.", logged=False)

    sam = case.customer
    assert (sam.name, sam.email, sam.role, sam.password_hash) == \
        ("Sam Okafor", "sam@example.com", Role.CUSTOMER, None)
    assert intake.phone_of(sam) == "07700 900456"
    opened = case.events.first()
    assert (opened.kind, opened.author_id, opened.channel, opened.body) == \
        (EventKind.OPENED, sam.id, Channel.PHONE, "It was due on Monday.")
    assert opened.data["taken_by"] == "Tom Berger"
    assert [c.id for c in cases.cases_for(sam).items] == [case.id]  # on My cases
    assert case.has_unseen_updates
    [mail] = _outbox()
    assert mail.to_address == "sam@example.com" and case.reference in mail.subject
    assert "after your call with Tom Berger" in mail.body_text
    assert "We have made you an account" in mail.body_text and "/login" in mail.body_text
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert actions == {"customer.create", "case.open"}


def test_a_phone_only_customer_gets_no_email(category, agent):
    case = intake.open_for(agent, intake.NewCustomer("Mr Johnson", "", "0161 496 0000"),
                           category.id, "in_person", "Payment terms", "Wants 60 days.",
                           logged=False)
    assert case.customer.email is None and _outbox() == []
    assert intake.find_customers("0161 496") == [case.customer]


def test_a_logged_contact_is_staffs_note_and_counts_as_an_answer(category, agent):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    case = intake.open_for(agent, dana, category.id, "phone", "Recall RC-42",
                           "Called: the garage cannot see the recall. I will chase them.",
                           logged=True)
    opened, note = case.events.all()
    assert (opened.kind, opened.author_id, opened.body) == (EventKind.OPENED, dana.id, "")
    assert (note.kind, note.author_id, note.visibility, note.channel) == \
        (EventKind.CONTACT_LOGGED, agent.id, Visibility.PUBLIC, Channel.PHONE)
    assert case.first_response_at is not None
    [mail] = _outbox()
    assert "We have made you an account" not in mail.body_text  # she had one


def test_a_category_outside_the_agents_departments_is_refused_and_nobody_is_made(agent):
    elsewhere = factories.category(factories.department("Finance"))
    with pytest.raises(ServiceError) as refused:
        intake.open_for(agent, intake.NewCustomer("Sam Okafor", "sam@example.com"),
                        elsewhere.id, "phone", "Invoice", "Wrong amount.", logged=False)
    assert refused.value.field == "category"
    db.session.rollback()
    assert _customers() == 0 and _outbox() == []


def test_an_admin_may_use_any_category(category):
    admin = factories.staff(Role.ADMIN)
    assert intake.categories_for(admin) == [category]
    case = intake.open_for(admin, intake.NewCustomer("Lena Vogt"), category.id, "letter",
                           "Complaint", "By letter.", logged=False)
    assert case.department_id == category.department_id


@pytest.mark.parametrize(("who", "field"), [
    (intake.NewCustomer(""), "name"),
    (intake.NewCustomer("Sam", "not-an-address"), "email"),
    (intake.NewCustomer("Sam", "dana@example.com"), "email"),  # someone has it
])
def test_bad_customer_details_are_refused_next_to_their_field(category, agent, who, field):
    factories.customer("Dana Whitfield", "dana@example.com")
    with pytest.raises(ServiceError) as refused:
        intake.open_for(agent, who, category.id, "phone", "Title", "Body", logged=False)
    assert refused.value.field == field
    db.session.rollback()
    assert _customers() == 1 and db.session.scalar(select(func.count(CaseEvent.id))) == 0


def test_an_empty_message_creates_no_customer(category, agent):
    with pytest.raises(ServiceError) as refused:
        intake.open_for(agent, intake.NewCustomer("Sam"), category.id, "phone", "Title", " ",
                        logged=False)
    assert refused.value.field == "body"
    db.session.rollback()
    assert _customers() == 0


def test_the_same_form_sent_twice_opens_one_case(category, agent):
    dana = factories.customer()
    first = intake.open_for(agent, dana, category.id, "phone", "T", "B", logged=True, once="f1")
    again = intake.open_for(agent, dana, category.id, "phone", "T", "B", logged=True, once="f1")
    assert first.id == again.id
