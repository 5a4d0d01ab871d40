"""Issue 16, the customer side: every sentence the customer reads is true where it is read."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import CaseEvent, Channel, OutboxMessage, Role, Status, utcnow
from portal.services import case_details, cases, feedback_rules, minute_job, promises
from tests import factories


def _answered_case():
    """Dana's case in a department with Tom (agent) and Grace (manager); Tom replied."""
    dep = factories.department("Northside Service Centre")
    cat = factories.category(dep, "Recalls")
    tom = factories.staff(Role.AGENT, [dep], "Tom Berger", "tom@example.com")
    grace = factories.staff(Role.MANAGER, [dep], "Grace Lindqvist", "grace@example.com")
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    case = factories.case(dana, "Recall RC-42", cat=cat)
    return case, tom, grace, dana


def test_a_case_we_answered_never_says_we_will_acknowledge_it(client, login):
    case, tom, _grace, dana = _answered_case()
    login(client, dana)
    assert "We will acknowledge your case shortly." in client.get(f"/cases/{case.reference}").text
    # A logged phone call is a first answer that leaves the status at "Received".
    case_details.log_contact(case, tom, Channel.PHONE, "Called Dana about RC-42.", public=True)
    assert case.status == Status.NEW
    page = client.get(f"/cases/{case.reference}").text
    assert "We will acknowledge your case shortly." not in page
    assert "We have answered you and will write again here when there is news." in page
    cases.add_staff_reply(case, tom, "Booked for Thursday.")
    cases.change_status(case, tom, Status.ACKNOWLEDGED)  # set back by hand: still answered
    assert "Someone on our team has read your case" not in client.get(
        f"/cases/{case.reference}").text


def test_emails_say_reply_to_this_email_and_only_the_case_page_says_below(client, login):
    case, tom, _grace, dana = _answered_case()
    cases.change_status(case, tom, Status.WAITING_ON_CUSTOMER, "Which garage did you visit?")
    mail = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to_address == dana.email)).all()[-1]
    for part in (mail.body_text, mail.body_html):
        assert "below" not in part
        assert "reply to this email, or answer on the case page" in part
    login(client, dana)
    assert "please reply below" in client.get(f"/cases/{case.reference}").text
    listed = client.get("/cases").text  # no reply box below a list
    assert "please reply below" not in listed
    assert "please answer on the case page" in listed


def test_yes_solved_says_before_the_press_that_it_closes_the_case(client, login):
    case, tom, _grace, dana = _answered_case()
    cases.add_staff_reply(case, tom, "The recall is done.")
    cases.change_status(case, tom, Status.RESOLVED, "RC-42 done at Northside.")
    login(client, dana)
    page = client.get(f"/cases/{case.reference}").text
    yes = re.search(r'<input[^>]*value="yes"[^>]*>', page).group(0)
    hint_id = re.search(r'aria-describedby="([^"]+)"', yes).group(1)
    assert f'id="{hint_id}">This closes your case.</span>' in page
    partly = re.search(r'<input[^>]*value="partly"[^>]*>', page).group(0)
    assert "aria-describedby" not in partly


def test_a_reply_to_a_closed_case_says_why_it_is_new_and_what_is_still_open(client, login):
    case, tom, grace, dana = _answered_case()
    promises.make(case, tom, "Call you about the courtesy car", grace,
                  utcnow() + timedelta(days=1))
    cases.change_status(case, tom, Status.CLOSED, "Closed by hand.")
    old = case.reference
    login(client, dana)
    response = client.post(f"/cases/{old}/replies", data={"body": "The car is back."})
    new = response.headers["Location"].rsplit("/", 1)[-1]
    assert new != old
    page = client.get(f"/cases/{new}").text
    assert "Why this is a new case" in page
    assert f'You wrote on <a href="/cases/{old}">{old}</a> after it was closed' in page
    panel = page[page.index('id="follows-up"'):page.index("</section>",
                                                          page.index('id="follows-up"'))]
    assert f"Still open from {old}" in panel and "Call you about the courtesy car" in panel


def test_an_emailed_reply_past_the_reopen_window_says_so_on_the_new_case(client, login, app):
    case, tom, _grace, dana = _answered_case()
    cases.add_staff_reply(case, tom, "Done.")
    cases.change_status(case, tom, Status.RESOLVED, "RC-42 done.")
    case.resolved_at = utcnow() - timedelta(days=app.config["REOPEN_WINDOW_DAYS"] + 1)
    db.session.commit()
    # The email path (portal/services/mail_posting.post_to_case) posts through this same service.
    landed = cases.add_customer_message(case, dana, "It broke again.", channel=Channel.EMAIL)
    assert landed.id != case.id
    login(client, dana)
    page = client.get(f"/cases/{landed.reference}").text
    days = app.config["REOPEN_WINDOW_DAYS"]
    assert f"more than {days} days after we resolved it, so your message opened this new " \
           "case." in page


def test_flagged_to_their_manager_only_once_someone_else_was_told(client, login):
    case, tom, grace, dana = _answered_case()
    promise = promises.make(case, tom, "Call you back", tom, utcnow() + timedelta(minutes=5))
    promise.due_at = utcnow() - timedelta(hours=3)  # overdue, and nobody told yet
    db.session.commit()
    login(client, dana)
    page = client.get(f"/cases/{case.reference}").text
    assert "flagged to their manager" not in page
    assert "Tom Berger</bdi> was to do this. We are sorry it is late." in page
    minute_job.tick()  # past the grace period: the owner, then the manager, are told
    assert "it is flagged to their manager" in client.get(f"/cases/{case.reference}").text
    del grace


def test_not_flagged_when_the_only_manager_told_is_the_owner(client, login):
    case, _tom, grace, dana = _answered_case()
    promise = promises.make(case, grace, "Call you back", grace, utcnow() + timedelta(minutes=5))
    promise.due_at = utcnow() - timedelta(hours=3)
    db.session.commit()
    minute_job.tick()  # Grace is told twice, as owner and as the department's manager
    login(client, dana)
    page = client.get(f"/cases/{case.reference}").text
    assert "flagged to their manager" not in page
    assert "We are sorry it is late." in page


def test_what_the_customer_wrote_in_this_didnt_help_is_shown_back(client, login):
    case, tom, _grace, dana = _answered_case()
    cases.add_staff_reply(case, tom, "Try switching it off and on.")
    reply = db.session.scalar(select(CaseEvent).where(CaseEvent.body.startswith("Try")))
    login(client, dana)
    client.post(f"/cases/{case.reference}/replies/{reply.id}/reaction",
                data={"helpful": "no", "reason": "I did, twice."})
    page = client.get(f"/cases/{case.reference}").text
    assert "You said this didn’t help." in page
    assert "What you told us: “<bdi>I did, twice.</bdi>”" in page


def test_words_people_wrote_run_in_their_own_direction(client, login):
    case, tom, _grace, dana = _answered_case()
    arabic = factories.staff(Role.AGENT, [case.department], "فاطمة نور", "fatima@example.com")
    cases.add_staff_reply(case, arabic, "مرحبا، تم حجز الموعد.")
    login(client, dana)
    page = client.get(f"/cases/{case.reference}").text
    assert '<h1 id="case-title" dir="auto">' in page
    assert '<div class="event__body" dir="auto" hx-disable>مرحبا، تم حجز الموعد.</div>' in page
    assert "<bdi>فاطمة نور</bdi> replied" in page
    assert re.search(r'<textarea[^>]*dir="auto"[^>]*id="body"|<textarea[^>]*id="body"[^>]*'
                     r'dir="auto"', page)
    assert 'dir="auto" class="case-card__title"' in client.get("/cases").text
    del tom


def test_a_too_long_reply_is_refused_plainly_and_kept_never_cut(client, login):
    case, _tom, _grace, dana = _answered_case()
    login(client, dana)
    page = client.get(f"/cases/{case.reference}").text
    textarea = re.search(r'<textarea[^>]*id="body"[^>]*>', page).group(0)
    assert 'data-maxlength="20000"' in textarea and " maxlength=" not in textarea
    assert 'id="body-count"' in page and "Up to 20000 characters." in page
    words = "x" * (cases.MAX_BODY + 1)
    response = client.post(f"/cases/{case.reference}/replies", data={"body": words})
    assert response.status_code == 422
    assert "longer than 20000 characters" in response.text and "nothing was cut" in response.text
    assert words in response.text  # kept in the form
    # A line break counts once, as the page's counter counts it (browsers send CR LF).
    exact = "a\r\n" * (cases.MAX_BODY // 2)
    assert client.post(f"/cases/{case.reference}/replies",
                       data={"body": exact}).status_code == 302


def test_the_same_reply_sent_three_times_is_stored_once_without_an_error(client, login):
    case, _tom, _grace, dana = _answered_case()
    login(client, dana)
    data = {"body": "My VIN is WVWZZZ1KZAW000123.", "once": "form-1"}
    url = f"/cases/{case.reference}/replies"
    plain = [client.post(url, data=data) for _ in range(2)]
    fragment = client.post(url, data=data, headers={"HX-Request": "true"})
    assert [r.status_code for r in plain] == [302, 302] and fragment.status_code == 200
    assert "My VIN is WVWZZZ1KZAW000123." in fragment.text and 'class="error"' not in \
        fragment.text
    stored = db.session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.body == data["body"]))
    assert stored == 1


def test_an_empty_my_cases_shows_exactly_one_open_a_case_button(client, login):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    login(client, dana)
    page = client.get("/cases").text
    assert page.count(">Open a case</a>") == 1
    factories.case(dana, "Recall RC-42")
    assert client.get("/cases").text.count(">Open a case</a>") == 2  # the header's, and here


def test_feedback_answer_is_unchanged_by_the_hint(client, login):
    """The hint is words only: "Yes" still closes the case, as it says."""
    case, tom, _grace, dana = _answered_case()
    cases.add_staff_reply(case, tom, "Done.")
    cases.change_status(case, tom, Status.RESOLVED, "RC-42 done.")
    login(client, dana)
    client.post(f"/cases/{case.reference}/feedback", data={"solved": "yes", "first": "1"})
    db.session.refresh(case)
    assert case.status == Status.CLOSED and feedback_rules.current(case) is not None


def test_back_then_send_on_a_closed_case_opens_one_follow_up_not_two(client, login):
    case, tom, _grace, dana = _answered_case()
    cases.change_status(case, tom, Status.CLOSED, "Closed by hand.")
    login(client, dana)
    url = f"/cases/{case.reference}/replies"
    first = client.post(url, data={"body": "It broke again.", "once": "form-7"})
    # Without JavaScript, Back shows the closed case afresh: its form offers the same id…
    page = client.get(f"/cases/{case.reference}").text
    assert re.search(r'name="once"[^>]*value="form-7"|value="form-7"[^>]*name="once"', page)
    again = client.post(url, data={"body": "It broke again.", "once": "form-7"})
    assert again.headers["Location"] == first.headers["Location"]  # …so no second case
    assert db.session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.body == "It broke again.")) == 1


def test_back_then_send_on_the_new_case_page_opens_one_case_not_two(client, login):
    case, _tom, _grace, dana = _answered_case()
    words = {"category": case.category_id, "title": "Wiper recall",
             "body": "Is my car in the wiper recall?", "confirmed_new": "yes"}
    login(client, dana)
    first = client.post("/cases/new", data={**words, "once": "form-9"})
    assert first.status_code == 302
    # Without JavaScript, Back shows the new-case page afresh: its form offers the same id…
    page = client.get("/cases/new").text
    assert re.search(r'name="once"[^>]*value="form-9"|value="form-9"[^>]*name="once"', page)
    again = client.post("/cases/new", data={**words, "once": "form-9"})
    assert again.headers["Location"] == first.headers["Location"]  # …so no second case
    other = client.post("/cases/new", data={**words, "body": "And the brake recall?",
                                            "once": "form-9"})
    assert other.headers["Location"] != first.headers["Location"]  # new words: a new case
    assert db.session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.body == words["body"])) == 1
