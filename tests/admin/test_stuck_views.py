"""Stuck cases on the staff pages: the queue's Stuck tab, the dashboard, the workspace, and
the department setting."""

import re
from datetime import UTC, datetime

import pytest
import time_machine

from portal.extensions import db
from portal.models import Role
from portal.services import cases
from tests import factories

LAST_WEEK = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


@pytest.fixture
def desk():
    recalls, finance = factories.department("Recalls"), factories.department("Finance")
    manager = factories.staff(Role.MANAGER, [recalls], name="Priya Shah")
    with time_machine.travel(LAST_WEEK, tick=False):
        quiet = factories.case(cat=factories.category(recalls), title="Quiet recall")
        elsewhere = factories.case(cat=factories.category(finance), title="Finance quiet")
    fresh = factories.case(cat=factories.category(recalls), title="Fresh one")
    return manager, quiet, elsewhere, fresh


def _text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_stuck_tab_lists_quiet_cases_the_staff_member_can_see(client, login, desk):
    manager, quiet, elsewhere, fresh = desk
    login(client, manager)
    page = client.get("/admin/cases?view=stuck").text
    assert quiet.reference in page
    assert fresh.reference not in page and elsewhere.reference not in page
    assert re.search(r'Stuck <span class="queue-views__count">1<', page)
    fragment = client.get("/admin/cases?view=stuck", headers={"HX-Request": "true"})
    assert quiet.reference in fragment.text and "<html" not in fragment.text


def test_the_dashboard_counts_stuck_cases_and_links_to_the_tab(client, login, desk):
    manager, *_ = desk
    login(client, manager)
    page = client.get("/admin/dashboard").text
    assert re.search(r"Stuck cases</h2>\s*<p class=\"dash-card__value\">1</p>", page)
    assert 'href="/admin/cases?view=stuck"' in page


def test_the_workspace_says_why_a_case_is_stuck(client, login, desk):
    manager, quiet, _, fresh = desk
    login(client, manager)
    text = _text(client.get(f"/admin/cases/{quiet.reference}").text)
    assert "Stuck: no update the customer can see since" in text
    assert "more than 3 business days" in text
    assert "Stuck:" not in _text(client.get(f"/admin/cases/{fresh.reference}").text)
    cases.add_staff_reply(quiet, manager, "We are on it.")
    assert "Stuck:" not in _text(client.get(f"/admin/cases/{quiet.reference}").text)


def test_an_admin_sets_the_days_per_department(client, login, desk):
    _, quiet, _, _ = desk
    admin = factories.staff(Role.ADMIN, name="Ada Admin")
    login(client, admin)
    url = f"/admin/settings/departments/{quiet.department_id}/stuck"
    response = client.post(url, data={"stuck_after_days": "61"})
    assert response.status_code == 422 and "from 1 to 60" in response.text
    response = client.post(url, data={"stuck_after_days": "20"})
    assert response.status_code == 302
    db.session.refresh(quiet.department)
    assert quiet.department.stuck_after_days == 20
    assert quiet.reference not in client.get("/admin/cases?view=stuck").text


def test_agents_cannot_change_the_setting(client, login, desk):
    _, quiet, _, _ = desk
    agent = factories.staff(departments=[quiet.department])
    login(client, agent)
    url = f"/admin/settings/departments/{quiet.department_id}/stuck"
    assert client.post(url, data={"stuck_after_days": "1"}).status_code == 403



def _stuck_tab(client, login, who, when: datetime) -> str:
    """The Stuck tab's count as `who` reads it at that moment."""
    with time_machine.travel(when, tick=False):
        login(client, who)
        page = client.get("/admin/cases").text
    return re.search(r'Stuck <span class="queue-views__count">([^<]+)<', page).group(1)


def test_the_stuck_count_follows_the_clock_and_each_viewers_departments(client, login, desk):
    """The tab's statement is built once; what it counts is each load's own moment and
    viewer: a case going quiet long enough counts on the next load, with no other change."""
    manager, _, elsewhere, _ = desk
    admin = factories.staff(Role.ADMIN, name="Ada Admin")
    # Thu 3 Dec 10:00 is three business days after Mon 30 Nov 10:00: stuck from then on.
    before, after = (datetime(2026, 12, 3, 9, 59, tzinfo=UTC),
                     datetime(2026, 12, 3, 10, 1, tzinfo=UTC))
    assert _stuck_tab(client, login, manager, before) == "0"
    assert _stuck_tab(client, login, manager, after) == "1"
    assert _stuck_tab(client, login, admin, after) == "2"  # Finance's quiet case too
    elsewhere.department.stuck_after_days = 10
    db.session.commit()
    assert _stuck_tab(client, login, admin, after) == "1"
