from datetime import timedelta

import pytest
import time_machine

from portal.extensions import db
from portal.models import EventKind, OutboxMessage, Status, Visibility, utcnow
from portal.services import cases, customer_seen, timeline
from portal.services.errors import NotFound, ServiceError
from portal.services.similar import find_similar_open_case
from tests import factories


def test_open_case_routes_to_the_category_department_with_a_readable_reference():
    finance = factories.department("Finance")
    cat = factories.category(finance, "Billing")
    case = factories.case(cat=cat, title="Wrong invoice")
    assert case.department_id == finance.id
    assert case.status == Status.NEW
    assert case.reference == f"CL-{case.id:06d}"
    [opened] = timeline.public_events(case)
    assert opened.kind == EventKind.OPENED
    assert opened.body == "The garage cannot see my recall."
    assert not case.has_unseen_updates  # the customer's own words are not news to them


@pytest.mark.parametrize("title,body,field", [
    ("", "words", "title"),
    ("Title", "   ", "body"),
    ("Title", "nul \x00 byte", "body"),
    ("x" * 201, "words", "title"),
])
def test_open_case_refuses_bad_input_and_stores_nothing(title, body, field):
    customer = factories.customer()
    with pytest.raises(ServiceError) as err:
        cases.open_case(customer, title, body, factories.category())
    assert err.value.field == field
    db.session.rollback()
    assert cases.cases_for(customer).items == []


def test_customer_reply_to_a_case_waiting_on_them_moves_it_back_to_us():
    case = factories.case(status=Status.WAITING_ON_CUSTOMER)
    cases.add_customer_message(case, case.customer, "Here is my VIN.")
    assert case.status == Status.IN_PROGRESS
    assert case.status_text.label == "Waiting on us"
    assert [e.kind for e in timeline.public_events(case)][-2:] == [
        EventKind.CUSTOMER_MESSAGE, EventKind.STATUS_CHANGE]


def test_reply_to_a_resolved_case_reopens_it_within_the_window():
    agent = factories.staff()
    case = factories.case()
    cases.change_status(case, agent, Status.RESOLVED, "Done.")
    landed = cases.add_customer_message(case, case.customer, "It is not fixed.")
    assert landed.id == case.id
    assert case.status == Status.IN_PROGRESS
    assert case.resolved_at is None
    assert timeline.public_events(case)[-1].kind == EventKind.REOPENED


def test_reply_after_the_reopen_window_opens_a_linked_new_case(app):
    agent = factories.staff()
    case = factories.case()
    cases.change_status(case, agent, Status.RESOLVED, "Fixed the recall booking.")
    later = utcnow() + timedelta(days=app.config["REOPEN_WINDOW_DAYS"] + 1)
    with time_machine.travel(later):
        landed = cases.add_customer_message(case, case.customer, "Same problem again.")
    assert landed.id != case.id
    assert landed.previous_case_id == case.id
    assert case.status == Status.RESOLVED
    assert timeline.public_events(case)[-1].data == {"new_reference": landed.reference}
    assert timeline.public_events(landed)[0].body == "Same problem again."


def test_reply_to_a_closed_case_opens_a_linked_new_case():
    case = factories.case(status=Status.CLOSED)
    landed = cases.add_customer_message(case, case.customer, "One more thing.")
    assert landed.id != case.id and landed.title.startswith(f"Follow-up to {case.reference}")


def test_internal_notes_never_reach_the_public_timeline_or_the_outbox():
    agent = factories.staff()
    case = factories.case()
    cases.add_staff_reply(case, agent, "Customer sounds angry", internal=True)
    assert all(e.visibility == Visibility.PUBLIC for e in timeline.public_events(case))
    assert "angry" not in [e.body for e in timeline.public_events(case)]
    assert db.session.query(OutboxMessage).count() == 0
    assert not case.has_unseen_updates


def test_a_public_staff_reply_notifies_the_customer_and_marks_an_update():
    agent = factories.staff(name="Hana Okafor")
    case = factories.case()
    cases.add_staff_reply(case, agent, "Your recall is booked.")
    [mail] = db.session.query(OutboxMessage).all()
    assert mail.to_address == case.customer.email
    assert case.reference in mail.subject
    assert "Your recall is booked." in mail.body_text
    assert case.status == Status.IN_PROGRESS
    assert case.has_unseen_updates
    customer_seen.mark_seen(case)
    assert not case.has_unseen_updates


def test_status_change_to_the_same_status_is_refused():
    case = factories.case()
    with pytest.raises(ServiceError):
        cases.change_status(case, factories.staff(), Status.NEW)


def test_get_case_for_hides_other_customers_cases():
    case = factories.case()
    stranger = factories.customer()
    with pytest.raises(NotFound):
        cases.get_case_for(stranger, case.reference)
    with pytest.raises(NotFound):
        cases.get_case_for(case.customer, "CL-999999")
    with pytest.raises(NotFound):
        cases.get_case_for(case.customer, "' OR 1=1--")
    assert cases.get_case_for(case.customer, case.reference.lower()).id == case.id


def test_similar_open_case_is_found_only_among_the_customers_open_cases():
    dana = factories.customer()
    cat = factories.category()
    recall = factories.case(dana, "Recall RC-42 not booked at Northside", cat=cat)
    factories.case(dana, "Invoice address wrong", cat=cat, status=Status.CLOSED)
    assert find_similar_open_case(dana, "Northside will not book recall RC-42").id == recall.id
    assert find_similar_open_case(dana, "Invoice address still wrong") is None  # closed
    assert find_similar_open_case(dana, "Question about a new car") is None
    assert find_similar_open_case(factories.customer(), "recall RC-42 Northside") is None


def test_resolving_needs_a_summary_for_the_customer():
    case = factories.case()
    with pytest.raises(ServiceError, match="resolution summary"):
        cases.change_status(case, factories.staff(), Status.RESOLVED, "  ")
    db.session.rollback()
    assert case.status == Status.NEW


def test_customer_confirming_solved_closes_at_once():
    case = factories.case()
    cases.change_status(case, factories.staff(), Status.RESOLVED, "Recall done.")
    assert case.resolution_summary == "Recall done."
    cases.confirm_solved(case, case.customer)
    assert case.status == Status.CLOSED and case.closed_at is not None


def test_time_waiting_on_the_customer_is_counted_apart():
    from portal.services.clock import customer_clock

    agent = factories.staff()
    start = utcnow()
    with time_machine.travel(start, tick=False):
        case = factories.case()
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        cases.change_status(case, agent, Status.WAITING_ON_CUSTOMER, "Send the VIN?")
    with time_machine.travel(start + timedelta(hours=4), tick=False):
        cases.add_customer_message(case, case.customer, "VIN is 123")
    with time_machine.travel(start + timedelta(hours=6), tick=False):
        cases.change_status(case, agent, Status.RESOLVED, "Done.")
        total, waiting = customer_clock(case)
    assert total == timedelta(hours=6)
    assert waiting == timedelta(hours=3)
