"""Known problems for customers: the new-case form's notice (htmx and without), following,
the followed list, and the public status page that shows no customer data."""

import pytest

from portal.models import Role
from portal.services import cases, help_articles, problems
from tests import factories
from tests.helpers import mails_to


@pytest.fixture
def problem(north, category):
    omar = factories.staff(Role.MANAGER, [north], name="Omar Haddad")
    made = problems.create(omar, "Brake recall RC-42", "Parts arrive Friday.", [category.id],
                           "RC-42")
    affected = factories.case(factories.customer("Dana Whitfield", email="dana@example.com"),
                              title="Dana's private brake story", cat=category)
    problems.link_references(omar, made, affected.reference)
    problems.post_update(omar, made, "The garage has the parts.")
    return made


def test_the_form_shows_the_problem_for_the_chosen_category(client, login, problem, category):
    other = factories.category(name="Billing")
    login(client, factories.customer())
    assert "We know about this" not in client.get("/cases/new").text
    url = "/cases/new/known-problems?category={}"
    fragment = client.get(url.format(category.id), headers={"HX-Request": "true"})
    assert "We know about this: follow it instead" in fragment.text
    assert "Brake recall RC-42" in fragment.text and "<html" not in fragment.text
    assert "We know about this" not in client.get(url.format(other.id)).text
    assert client.get(url.format(2**40)).status_code == 200


def test_without_javascript_the_notice_shows_on_submit_then_the_case_opens(
        client, login, problem, category):
    sam = factories.customer()
    login(client, sam)
    data = {"category": category.id, "title": "Brakes", "body": "My brakes squeal."}
    first = client.post("/cases/new", data=data)
    assert first.status_code == 409 and "We know about this: follow it instead" in first.text
    assert "My brakes squeal." in first.text
    assert cases.cases_for(sam).items == []
    second = client.post("/cases/new", data=data | {"problems_seen": category.id})
    assert second.status_code == 302 and len(cases.cases_for(sam).items) == 1


def test_a_customer_follows_and_hears_the_next_update(client, login, problem):
    fay = factories.customer("Fay Follower", email="fay@example.com")
    login(client, fay)
    followed = client.post(f"/problems/{problem.id}/follow", follow_redirects=True)
    assert "Known problems you follow" in followed.text
    assert "Brake recall RC-42" in followed.text and "The garage has the parts." in followed.text
    problems.post_update(problem.updates[0].author, problem, "All repaired next week.")
    [mail] = mails_to("fay@example.com")
    assert "All repaired next week." in mail.body_text
    client.post(f"/problems/{problem.id}/unfollow")
    assert 'id="problem-' not in client.get("/problems").text


def test_the_status_page_needs_no_sign_in_and_shows_no_customer_data(client, problem):
    page = client.get("/status")
    assert page.status_code == 200
    assert "Brake recall RC-42" in page.text and "The garage has the parts." in page.text
    for private in ("Dana", "dana@example.com", "private brake story", "CL-0"):
        assert private not in page.text


def test_staff_and_strangers_cannot_follow(client, login, problem):
    assert client.post(f"/problems/{problem.id}/follow").status_code == 302  # to sign-in
    login(client, factories.staff())
    assert client.post(f"/problems/{problem.id}/follow").status_code == 404
    assert client.get("/cases/new/known-problems?category=1").status_code == 404


def test_the_customer_sees_the_update_on_their_case(client, login, problem):
    [case] = problems.linked_cases(problem)
    login(client, case.customer)
    page = client.get(f"/cases/{case.reference}").text
    assert "Update on a known problem: Brake recall RC-42" in page
    assert "The garage has the parts." in page


def test_without_javascript_a_known_problem_then_help_articles_each_come_once(
        client, login, problem, category):
    """Both steps before a case opens: the notice's choice is carried through the articles
    step, so sending the form again opens the case instead of showing the notice again."""
    staff = factories.staff(Role.MANAGER, [category.department], name="Ken Ito")
    article = help_articles.save(staff, "Brakes squeal after a recall",
                                 "Squealing brakes after the recall work are normal.", category.id)
    help_articles.set_published(staff, article, True)
    sam = factories.customer()
    login(client, sam)
    data = {"category": category.id, "title": "Brakes squeal", "body": "My brakes squeal."}
    notice = client.post("/cases/new", data=data)
    assert notice.status_code == 409 and "We know about this" in notice.text
    step = client.post("/cases/new", data=data | {"problems_seen": category.id})
    assert step.status_code == 200 and "Brakes squeal after a recall" in step.text
    assert f'name="problems_seen" value="{category.id}"' in step.text
    assert cases.cases_for(sam).items == []
    opened = client.post("/cases/new", data=data | {"problems_seen": category.id,
                                                     "articles_seen": "1"})
    assert opened.status_code == 302 and len(cases.cases_for(sam).items) == 1
