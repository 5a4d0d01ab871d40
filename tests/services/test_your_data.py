"""A customer's data rights: the download holds everything, the erasure keeps only the
statistics and the staff's work (docs/your-data.md)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    Attachment,
    AuditEntry,
    CaseEvent,
    CustomerFact,
    DataRequest,
    EventKind,
    PromiseState,
    Role,
    Solved,
    Status,
    User,
)
from portal.services import (
    accounts,
    attachments,
    cases,
    customer_escalations,
    customers,
    data_export,
    erasure,
    feedback,
    minute_job,
    notification_prefs,
    organisations,
    participants,
    promises,
    reports,
)
from portal.services.attachments import CheckedFile
from portal.services.errors import NotFound, ServiceError
from tests import factories
from tests.helpers import mails_to

PNG = b"\x89PNG\r\n\x1a\n" + b"\x07" * 64
REMOVED = "[removed at the customer's request]"


def _world():
    """Dana with a case she wrote on, sent a photo to, got a promise and gave feedback on;
    and an internal note about her that staff wrote."""
    admin = factories.staff(Role.ADMIN, name="Ada Admin", email="ada@example.com")
    cat = factories.category()
    agent = factories.staff(departments=[cat.department], name="Tom Berger")
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    customers.set_fact(dana, dana, "phone", "+44 7700 900123")
    case = factories.case(dana, "Recall RC-42 not booked", "My VIN is WVW123, call me.", cat)
    cases.add_customer_message(case, dana, "Here is the letter.",
                               files=[CheckedFile("letter.png", "image/png", PNG)])
    cases.add_staff_reply(case, agent, "Booked for Tuesday.")
    cases.add_staff_reply(case, agent, "Customer sounded upset; checked the recall list.",
                          internal=True)
    for what, public in (("Call Dana back about the booking", True),
                         ("Check the dealer's stock", False)):
        made = promises.make(case, agent, what, agent, datetime.now(UTC) + timedelta(days=1),
                             public=public)
        promises.resolve(made, PromiseState.KEPT, by=agent, note="Done.")
    cases.change_status(case, agent, Status.RESOLVED, "Booked.")
    feedback.answer(case, dana, Solved.YES, 9, "Quick and kind, thanks Tom.")
    return admin, agent, dana, case


def _export(customer, by=None):
    made = data_export.request_export(customer, by or customer)
    assert data_export.run_pending() == 1
    db.session.refresh(made)
    path, name = data_export.download(made.id, by or customer)
    return made, zipfile.ZipFile(io.BytesIO(path.read_bytes())), name


def test_the_download_holds_profile_facts_cases_public_timeline_promises_feedback_and_files():
    _admin, _agent, dana, case = _world()
    made, archive, name = _export(dana)
    assert made.status == "ready" and made.done_count == made.total_count == 1
    assert name.startswith("caseloop-data-") and name.endswith(".zip")
    data = json.loads(archive.read("data.json"))
    assert data["profile"]["name"] == "Dana Whitfield"
    assert data["profile"]["email"] == "dana@example.com"
    assert [(f["kind"], f["value"]) for f in data["facts"]] == [("phone", "+44 7700 900123")]
    [shown] = data["cases"]
    assert shown["reference"] == case.reference and shown["title"] == "Recall RC-42 not booked"
    texts = [e["text"] for e in shown["timeline"]]
    assert "My VIN is WVW123, call me." in texts and "Booked for Tuesday." in texts
    assert not any("upset" in t for t in texts)  # staff-only notes are not the customer's
    assert [p["what"] for p in shown["promises"]] == ["Call Dana back about the booking"]
    assert shown["feedback"][0]["comment"] == "Quick and kind, thanks Tom."
    [listed] = data["attachments"]
    assert listed["filename"] == "letter.png" and "storage_key" not in listed
    assert archive.read(listed["path"]) == PNG
    page = archive.read(f"cases/{case.reference}.html").decode()
    assert "Here is the letter." in page and f"../{listed['path']}" in page
    assert "upset" not in page
    assert case.reference in archive.read("index.html").decode()


def test_the_customer_is_emailed_a_link_and_only_they_may_take_the_file():
    _admin, _agent, dana, _case = _world()
    made, _archive, _name = _export(dana)
    [mail] = [m for m in mails_to("dana@example.com") if "ready" in m.subject]
    assert f"/profile/data/{made.id}/download" in mail.body_text
    other = factories.customer("Eve Other", "eve@example.com")
    try:
        data_export.download(made.id, other)
    except NotFound:
        pass
    else:
        raise AssertionError("another customer took Dana's data")
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"data_export.requested", "data_export.ready"} <= actions


def test_a_download_expires_and_its_file_is_deleted():
    _admin, _agent, dana, _case = _world()
    made, _archive, _name = _export(dana)
    path, _ = data_export.download(made.id, dana)
    later = datetime.now(UTC) + timedelta(days=8)
    try:
        data_export.download(made.id, dana, now=later)
    except NotFound:
        pass
    else:
        raise AssertionError("an expired download was served")
    assert data_export.expire_old(later) == 1
    db.session.commit()
    assert not path.exists()


def test_staff_export_goes_to_the_admin_who_asked():
    admin, _agent, dana, _case = _world()
    made, archive, _name = _export(dana, by=admin)
    assert json.loads(archive.read("data.json"))["profile"]["email"] == "dana@example.com"
    assert any(f"/admin/customers/{dana.id}/data/{made.id}/download" in m.body_text
               for m in mails_to("ada@example.com"))


def test_asking_twice_while_it_is_built_makes_one_request():
    _admin, _agent, dana, _case = _world()
    first = data_export.request_export(dana, dana)
    assert data_export.request_export(dana, dana).id == first.id


def test_deleting_needs_the_email_typed_and_waits_out_the_grace_period():
    _admin, _agent, dana, _case = _world()
    try:
        erasure.request_erasure(dana, dana, "dana@example.org")
    except ServiceError as exc:
        assert exc.field == "confirm"
    else:
        raise AssertionError("a wrong confirmation was accepted")
    assert db.session.scalar(select(DataRequest)) is None
    waiting = erasure.request_erasure(dana, dana, " DANA@example.com ")
    assert waiting.due_at > datetime.now(UTC) + timedelta(days=13)
    assert any("will be deleted" in m.subject for m in mails_to("dana@example.com"))
    assert erasure.run_due() == []  # still in the grace period
    assert db.session.get(User, dana.id).email == "dana@example.com"


def test_signing_in_in_the_grace_period_lets_the_customer_keep_the_account():
    _admin, _agent, dana, _case = _world()
    erasure.request_erasure(dana, dana, "dana@example.com")
    assert erasure.cancel(dana, dana)
    with time_machine.travel(datetime.now(UTC) + timedelta(days=15)):
        assert minute_job.tick().erased == []
    assert db.session.get(User, dana.id).name == "Dana Whitfield"
    actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["erasure.requested", "erasure.cancelled"]


def _figures(admin):
    board = reports.dashboard(admin)
    return board.weeks, board.timing, board.rag


def test_erasure_removes_every_personal_field_and_keeps_statistics_and_staff_notes():
    admin, agent, dana, case = _world()
    _made, _archive, _name = _export(dana)
    export_file, _ = data_export.download(_made.id, dana)
    before = _figures(admin)
    file_path = attachments.storage_path(db.session.scalar(select(Attachment)).storage_key)
    session_version = dana.session_version
    erasure.request_erasure(dana, dana, "dana@example.com")
    with time_machine.travel(datetime.now(UTC) + timedelta(days=15)):
        report = minute_job.tick()
    assert report.erased == [dana.id]

    gone = db.session.get(User, dana.id)
    assert gone.email is None and gone.name != "Dana Whitfield" and gone.password_hash is None
    assert not gone.active and gone.session_version > session_version
    assert accounts.find_user("dana@example.com") is None
    assert db.session.scalar(select(CustomerFact)) is None
    assert db.session.scalar(select(Attachment)) is None and not file_path.exists()
    kept = db.session.get(type(case), case.id)
    assert kept.status == Status.CLOSED and kept.title == REMOVED  # closed when quiet
    assert "Dana" not in kept.search_text and "WVW123" not in kept.search_text
    events = list(db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)))
    for event in events:
        if event.author_id == dana.id and event.body:
            assert event.body == REMOVED
    every_text = " ".join(e.body for e in events)
    assert "WVW123" not in every_text and "Here is the letter" not in every_text
    assert "Customer sounded upset; checked the recall list." in every_text  # staff's note
    assert "Booked for Tuesday." in every_text  # the staff's reply stays
    assert kept.feedback[0].comment == REMOVED and kept.feedback[0].rating == 9
    assert mails_to("dana@example.com") == []
    assert not export_file.exists()  # the download held it all
    assert _figures(admin) == before  # the cases still count
    assert len([e for e in events if e.kind == EventKind.STATUS_CHANGE]) >= 1
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"erasure.requested", "erasure.done"} <= actions
    # The erased account cannot sign in, and asking for it again changes nothing.
    assert accounts.authenticate("dana@example.com", factories.PASSWORD, staff=False) is None
    assert erasure.run_due(datetime.now(UTC) + timedelta(days=30)) == []


def test_the_command_line_builds_a_download(runner):
    _admin, _agent, dana, _case = _world()
    result = runner.invoke(args=["data", "export", "dana@example.com"])
    assert result.exit_code == 0, result.output
    assert ".zip" in result.output and "1 case(s)" in result.output
    assert runner.invoke(args=["data", "export", "nobody@example.com"]).exit_code != 0


def _every_value() -> str:
    """Every value of every row of every table, as one text to search."""
    rows = []
    for table in db.metadata.sorted_tables:
        rows += [repr(tuple(row)) for row in db.session.execute(table.select())]
    return "\n".join(rows)


def test_erasure_leaves_no_name_address_or_words_anywhere_and_ends_every_tie():
    """Her escalation reason, her organisation, her place on a colleague's case, her mutes:
    after the erasure no table holds her name, address or words (staff's own words apart)."""
    admin, agent, dana, case = _world()
    factories.staff(Role.MANAGER, [case.department], name="Priya Shah")
    mine = factories.case(dana, "Second recall letter", "Still nothing.", case.category)
    customer_escalations.escalate(mine, dana, "Three weeks waiting, Dana Whitfield")
    notification_prefs.set_following(dana, mine, False, dana)
    org = organisations.create(admin, "Whitfield Motors")
    organisations.add_member(org, admin, "dana@example.com")
    ben = factories.customer("Ben Ortiz", "ben@example.com")
    bens = factories.case(ben, "Ben's car", "Brakes squeak.", case.category)
    participants.add(bens, ben, "dana@example.com")
    assert "Three weeks waiting" in _every_value() and "Dana Whitfield" in _every_value()

    erasure.request_erasure(dana, dana, "dana@example.com")
    with time_machine.travel(datetime.now(UTC) + timedelta(days=15)):
        assert minute_job.tick().erased == [dana.id]

    left = _every_value()
    for trace in ("Dana Whitfield", "dana@example.com", "Three weeks waiting", "Still nothing",
                  "Second recall letter", "WVW123"):
        assert trace not in left, trace
    assert organisations.members(org) == []
    assert participants.of_case(bens) == []
    assert "Customer sounded upset; checked the recall list." in left  # staff's note kept
