"""Saved replies: who may use and change which, and how one is filled in for a case."""

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, Role, SavedReply, Standard
from portal.services import cases, saved_replies
from portal.services.errors import NotFound, ServiceError
from tests import factories


@pytest.fixture
def team():
    service = factories.department("Northside Service Centre")
    finance = factories.department("Finance")
    tom = factories.staff(departments=[service], name="Tom Berger")
    mia = factories.staff(Role.MANAGER, departments=[service], name="Mia Stone")
    fatima = factories.staff(Role.MANAGER, departments=[finance], name="Fatima Noor")
    admin = factories.staff(Role.ADMIN, name="Ada Admin")
    return service, finance, tom, mia, fatima, admin


def test_known_placeholders_are_filled_and_unknown_ones_stay_visible():
    text = saved_replies.fill(
        "Hello {customer_name}, about {case_reference}: {next_update}. {agent_name} {0} {{x}}",
        {"customer_name": "Dana Whitfield", "case_reference": "CL-000042"})
    assert text == ("Hello Dana Whitfield, about CL-000042: {next_update}. {agent_name} {0} "
                    "{{x}}")


def test_filling_in_never_reads_a_value_again_nor_runs_a_template():
    """A customer whose name looks like a placeholder or a template gets their name, as is."""
    values = {"customer_name": "{case_reference} {{ config }} {0.__class__}",
              "case_reference": "CL-000042"}
    text = saved_replies.fill("Dear {customer_name} ({case_reference})", values)
    assert text == "Dear {case_reference} {{ config }} {0.__class__} (CL-000042)"


def test_next_update_is_in_the_customers_zone_and_labelled(team):
    service, _, tom, *_ = team
    db.session.add(Standard(first_response_minutes=60, update_minutes=240,
                            resolution_minutes=2880))
    dana = factories.customer("Dana Whitfield")
    dana.timezone = "America/New_York"
    case = factories.case(dana, cat=factories.category(service))
    with time_machine.travel(datetime(2026, 11, 30, 14, 0, tzinfo=UTC), tick=False):
        cases.add_staff_reply(case, tom, "Looking into it.")
    reply = saved_replies.save(tom, "Update", "Hi {customer_name}, next news by {next_update} "
                               "on {case_reference}.", None)
    text = saved_replies.fill_in(reply, case)
    # Four working hours after Monday 14:00 GMT (desk 09:00-17:00): Tuesday 10:00 GMT.
    assert text == ("Hi Dana Whitfield, next news by Tue 01 Dec 2026, 05:00 EST "
                    f"on {case.reference}.")


def test_next_update_stays_a_placeholder_when_no_update_is_due(team):
    service, _, tom, *_ = team
    case = factories.case(cat=factories.category(service))  # no standard: nothing promised
    reply = saved_replies.save(tom, "Update", "Next news by {next_update}.", None)
    assert saved_replies.fill_in(reply, case) == "Next news by {next_update}."


def test_each_person_uses_their_own_and_their_departments_replies(team):
    service, finance, tom, mia, fatima, admin = team
    mine = saved_replies.save(tom, "Mine", "Tom's words", None)
    ours = saved_replies.save(mia, "Recall booked", "Booked.", service.id)
    theirs = saved_replies.save(fatima, "Invoice cancelled", "Cancelled.", finance.id)
    fatimas = saved_replies.save(fatima, "Fatima's own", "Hers.", None)
    assert [r.title for r in saved_replies.usable(tom)] == ["Mine", "Recall booked"]
    assert saved_replies.get_for_use(tom, ours.id) == ours
    for other in (theirs, fatimas):
        with pytest.raises(NotFound):
            saved_replies.get_for_use(tom, other.id)
    # An admin may use every department's, but nobody else's personal ones.
    assert {r.id for r in saved_replies.usable(admin)} == {ours.id, theirs.id}
    assert mine.id not in {r.id for r in saved_replies.usable(mia)}


def test_only_managers_share_and_only_with_their_own_department(team):
    service, finance, tom, mia, _, admin = team
    with pytest.raises(ServiceError) as refused:
        saved_replies.save(tom, "Shared", "Words", service.id)
    assert refused.value.field == "owner"
    with pytest.raises(ServiceError):
        saved_replies.save(mia, "Shared", "Words", finance.id)
    assert db.session.scalars(select(SavedReply)).all() == []
    assert saved_replies.save(admin, "Any", "Words", finance.id).department_id == finance.id


def test_a_personal_reply_is_changed_by_its_owner_only(team):
    service, _, tom, mia, _, admin = team
    mine = saved_replies.save(tom, "Mine", "Tom's words", None)
    ours = saved_replies.save(mia, "Recall booked", "Booked.", service.id)
    for someone in (mia, admin):
        with pytest.raises(NotFound):
            saved_replies.get_for_edit(someone, mine.id)
    with pytest.raises(NotFound):
        saved_replies.get_for_edit(tom, ours.id)  # an agent uses the department's, no more
    assert saved_replies.get_for_edit(admin, ours.id) == ours
    assert saved_replies.manageable(tom) == [mine]


def test_changes_are_audited_and_text_is_checked(team):
    service, _, _, mia, *_ = team
    reply = saved_replies.save(mia, "Recall booked", "Booked.", service.id)
    saved_replies.save(mia, "Recall booked", "Booked for {next_update}.", service.id, reply)
    saved_replies.delete(mia, reply)
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["saved_reply.saved", "saved_reply.saved", "saved_reply.deleted"]
    with pytest.raises(ServiceError) as empty:
        saved_replies.save(mia, "   ", "Words", None)
    assert empty.value.field == "title"
