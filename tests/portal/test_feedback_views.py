"""Issue 5's journey through the pages: asked once, inline; the unhappy answer is owned."""

from portal.extensions import db
from portal.models import Feedback, FollowUp, Role, Status
from portal.services import cases
from tests import factories


def _world(answered=True):
    dep = factories.department("Customer Care")
    agent = factories.staff(departments=[dep], name="Leo Marsh")
    manager = factories.staff(Role.MANAGER, departments=[dep], name="Grace Lindqvist")
    mei = factories.customer("Mei Chen")
    case = factories.case(mei, "Complaint about my relationship manager",
                          cat=factories.category(dep))
    if answered:
        cases.add_staff_reply(case, agent, "We are looking into it.")
    cases.change_status(case, agent, Status.RESOLVED, "Your manager will call you weekly.")
    return case, agent, manager, mei


def test_unanswered_case_shows_no_question(client, login):
    case, _, _, mei = _world(answered=False)
    login(client, mei)
    page = client.get(f"/cases/{case.reference}").text
    assert "How we solved it" in page and "Did we solve it?" not in page


def test_a_get_from_the_email_link_preselects_but_records_nothing(client, login):
    case, _, _, mei = _world()
    login(client, mei)
    page = client.get(f"/cases/{case.reference}?solved=no").text
    assert '<input checked id="solved-2" name="solved" required type="radio" value="no">' in page
    assert db.session.query(Feedback).count() == 0


def test_no_two_out_of_ten_reopens_and_the_loop_is_closed_visibly(client, login):
    case, agent, manager, mei = _world()
    login(client, mei)
    response = client.post(f"/cases/{case.reference}/feedback", data={
        "solved": "no", "rating": "2", "comment": "nobody called me"})
    assert response.status_code == 302
    page = client.get(f"/cases/{case.reference}").text
    assert "Thank you. <bdi>Grace Lindqvist</bdi> will contact you by" in page
    assert "What we promised you" in page and "Contact you about your feedback" in page
    assert "Waiting on us" in page  # reopened
    client.post("/logout")

    login(client, manager)
    queue = client.get("/admin/follow-ups").text
    assert "nobody called me" in queue
    [item] = db.session.query(FollowUp).all()
    story = client.get(f"/admin/follow-ups/{item.id}").text
    assert "We are looking into it." in story and "Before you contact Mei Chen" in story
    missing = client.post(f"/admin/follow-ups/{item.id}/complete",
                          data={"what_was_done": "Called her", "told_customer": ""})
    assert missing.status_code == 422 and "they will read it" in missing.text
    done = client.post(f"/admin/follow-ups/{item.id}/complete", data={
        "what_was_done": "Called Mei, apologised.",
        "told_customer": "We called you and set up weekly calls with your manager."})
    assert done.status_code == 302
    client.post("/admin/logout")

    login(client, mei)
    page = client.get(f"/cases/{case.reference}").text
    assert "What we did about your feedback" in page
    assert "We called you and set up weekly calls with your manager." in page
    assert "Called Mei, apologised." not in page


def test_feedback_form_errors_keep_the_words(client, login):
    case, _, _, mei = _world()
    login(client, mei)
    response = client.post(f"/cases/{case.reference}/feedback",
                           data={"rating": "3", "comment": "keep these words"})
    assert response.status_code == 422
    assert "Choose yes, partly or no." in response.text and "keep these words" in response.text
    assert db.session.query(Feedback).count() == 0


def test_staff_cannot_give_or_forge_feedback(client, login):
    case, agent, _, _ = _world()
    login(client, agent)
    response = client.post(f"/cases/{case.reference}/feedback",
                           data={"solved": "yes", "rating": "10"})
    assert response.status_code == 404
    assert db.session.query(Feedback).count() == 0


def test_reply_reaction_buttons_with_and_without_htmx(client, login):
    case, agent, _, mei = _world()
    reply = [e for e in case.events if e.kind.value == "staff_reply"][0]
    login(client, mei)
    assert "This helped" in client.get(f"/cases/{case.reference}").text
    plain = client.post(f"/cases/{case.reference}/replies/{reply.id}/reaction",
                        data={"helpful": "no", "reason": "too vague"})
    assert plain.status_code == 302
    fragment = client.post(f"/cases/{case.reference}/replies/{reply.id}/reaction",
                           data={"helpful": "yes"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "You said this helped." in fragment.text
    bad = client.post(f"/cases/{case.reference}/replies/{reply.id}/reaction",
                      data={"helpful": "maybe"})
    assert bad.status_code == 400
