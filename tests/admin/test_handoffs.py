"""The handoff form: its people follow the department, its promises go with the case."""

import re
from datetime import timedelta

from portal.extensions import db
from portal.models import PromiseState, Role, utcnow
from portal.services import promises, timeline
from tests import factories


def _setup():
    sales, finance = factories.department("Sales"), factories.department("Finance")
    tom = factories.staff(Role.MANAGER, departments=[sales], name="Tom Berger")
    ann = factories.staff(departments=[sales], name="Ann Lee")
    leo = factories.staff(departments=[finance], name="Leo Park")
    dana = factories.customer("Dana Whitfield")
    case = factories.case(dana, cat=factories.category(sales))
    promise = promises.make(case, tom, "Refund the deposit", tom, utcnow() + timedelta(days=1))
    return sales, finance, tom, ann, leo, case, promise


def _seen(case) -> int:
    return timeline.all_events(case)[-1].id


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S).group(0)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def _selected(html: str, name: str) -> str:
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S).group(0)
    return re.search(r"<option selected[^>]*>([^<]*)</option>", select).group(1)


def test_the_form_asks_about_each_open_promise_and_preselects_nobody(client, login):
    sales, _, tom, _, _, case, promise = _setup()
    case.assignee = tom
    login(client, tom)
    page = client.get(f"/admin/cases/{case.reference}").text
    assert "Open promises" in page and "“Refund the deposit”" in page
    assert "Keep it with Tom Berger" in page
    assert re.search(rf'<input checked[^>]*name="promise_{promise.id}"[^>]*value="pass"', page)
    assert _options(page, "assignee") == ["Nobody yet: the Sales queue", "Ann Lee",
                                          "Tom Berger"]
    assert _selected(page, "assignee") == "Nobody yet: the Sales queue"  # not Tom himself


def test_choosing_a_department_lists_its_people_with_htmx_and_without(client, login):
    _, finance, tom, _, _, case, _ = _setup()
    login(client, tom)
    url = f"/admin/cases/{case.reference}/handoff/people?department={finance.id}"
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'id="handoff-person"' in fragment.text
    assert _options(fragment.text, "assignee") == ["Nobody yet: the Finance queue", "Leo Park"]
    page = client.get(url)
    assert "<html" in page.text and _selected(page.text, "department") == "Finance"
    # Without JavaScript: the second step posts the department; the note stays.
    step = client.post(f"/admin/cases/{case.reference}/handoff", data={
        "department": finance.id, "assignee": 0, "note": "Half written", "step": "people",
        "seen": _seen(case)})
    assert step.status_code == 200 and "Half written" in step.text
    assert _options(step.text, "assignee") == ["Nobody yet: the Finance queue", "Leo Park"]
    assert case.department.name == "Sales"


def test_an_agent_is_offered_only_the_queue_or_themselves(client, login):
    _, finance, _, ann, _, case, _ = _setup()
    login(client, ann)
    page = client.get(f"/admin/cases/{case.reference}").text
    assert _options(page, "assignee") == ["Nobody yet: the Sales queue", "Me (Ann Lee)"]
    other = client.get(f"/admin/cases/{case.reference}/handoff/people?department={finance.id}",
                       headers={"HX-Request": "true"}).text
    assert _options(other, "assignee") == ["Nobody yet: the Finance queue"]


def test_people_of_a_case_one_cannot_see_are_not_listed(client, login):
    _, _, _, _, leo, case, _ = _setup()
    login(client, leo)
    response = client.get(f"/admin/cases/{case.reference}/handoff/people?department=1",
                          headers={"HX-Request": "true"})
    assert response.status_code == 404


def test_handing_off_passes_the_promise_and_the_old_owner_loses_it(client, login):
    _, finance, tom, _, leo, case, promise = _setup()
    login(client, tom)
    done = client.post(f"/admin/cases/{case.reference}/handoff", data={
        "department": finance.id, "assignee": leo.id, "note": "Finance refunds it.",
        f"promise_{promise.id}": "pass", "seen": _seen(case)})
    assert done.status_code == 302
    assert promise.owner == leo
    assert "Refund the deposit" not in client.get("/admin/promises").text
    client.post("/admin/logout")
    login(client, leo)
    listed = client.get("/admin/promises").text
    assert "Refund the deposit" in listed and f"/admin/cases/{case.reference}" in listed


def test_keeping_a_promise_for_someone_who_loses_the_case_is_one_error(client, login):
    _, finance, tom, _, _, case, promise = _setup()
    login(client, tom)
    response = client.post(f"/admin/cases/{case.reference}/handoff", data={
        "department": finance.id, "assignee": 0, "note": "Over to Finance.",
        f"promise_{promise.id}": "keep", "seen": _seen(case)})
    assert response.status_code == 422
    assert response.text.count("could no longer open this case") == 1
    assert "Over to Finance." in response.text
    assert case.department.name == "Sales" and promise.owner == tom


def test_a_person_from_another_department_is_one_message(client, login):
    _, finance, tom, ann, _, case, _ = _setup()
    login(client, tom)
    response = client.post(f"/admin/cases/{case.reference}/handoff", data={
        "department": finance.id, "assignee": ann.id, "note": "Over.", "seen": _seen(case)})
    assert response.status_code == 422
    assert response.text.count("Choose someone from the chosen department") == 1
    assert response.text.count('class="error"') == 1
    bad = client.post(f"/admin/cases/{case.reference}/handoff", data={
        "department": "x", "assignee": 0, "note": "Over.", "seen": _seen(case)})
    assert bad.status_code == 422 and bad.text.count('class="error"') == 1


def test_the_workspace_says_who_kept_it_and_the_customer_only_that_it_was(client, login):
    _, finance, tom, _, leo, case, promise = _setup()
    promises.resolve(promise, PromiseState.KEPT, by=tom, note="Refunded.")
    login(client, tom)
    page = client.get(f"/admin/cases/{case.reference}").text
    assert re.search(r"Kept by Tom Berger · \w+ \d\d:\d\d", page)
    client.post("/admin/logout")
    login(client, case.customer)
    mine = client.get(f"/cases/{case.reference}").text
    assert "Kept" in mine and "Kept by" not in mine


def test_a_promise_whose_owner_lost_the_case_is_listed_without_a_link(client, login):
    sales, finance, tom, _, _, case, promise = _setup()
    agent = factories.staff(departments=[sales], name="Sam Vale")
    promise.owner = agent
    case.department_id = finance.id  # moved outside a handoff (e.g. by the API)
    db.session.commit()
    login(client, agent)
    listed = client.get("/admin/promises").text
    assert "Refund the deposit" in listed
    assert f"/admin/cases/{case.reference}" not in listed
    assert "now with Finance: you cannot open it" in listed
