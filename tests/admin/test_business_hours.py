"""Working hours in Settings: admins set the week, zone and closed dates; others cannot."""

from datetime import date

import pytest

from portal.extensions import db
from portal.models import AuditEntry, Closure, Role
from tests import factories

WEEKDAY = {"open": "y", "opens": "09:00", "closes": "17:00"}


def _week(**changes) -> dict:
    """The form's fields: Mon-Fri 09:00-17:00 in London, with `changes` on top."""
    data = {"timezone": "Europe/London"}
    for index in range(7):
        day = WEEKDAY if index < 5 else {"opens": "09:00", "closes": "17:00"}
        data |= {f"days-{index}-{key}": value for key, value in day.items()}
    return data | changes


@pytest.fixture()
def admin(client, login):
    user = factories.staff(Role.ADMIN)
    login(client, user)
    return user


def test_the_departments_list_shows_the_default_week_and_links_to_it(client, admin):
    dep = factories.department("Customer Care")
    page = client.get("/admin/settings/departments").text
    assert "Mon–Fri 09:00–17:00 · Europe/London" in page
    assert f"/admin/settings/departments/{dep.id}/hours" in page


def test_admin_saves_a_week_and_a_zone_and_it_is_audited(client, admin):
    dep = factories.department("New York desk")
    url = f"/admin/settings/departments/{dep.id}/hours"
    page = client.get(url)
    assert page.status_code == 200 and 'name="days-6-open"' in page.text and "Sunday" in page.text
    response = client.post(url, data=_week(**{"timezone": "America/New_York",
                                              "days-5-open": "y", "days-5-opens": "10:00",
                                              "days-5-closes": "14:00"}))
    assert response.status_code == 302
    db.session.refresh(dep)
    assert dep.timezone == "America/New_York"
    assert dep.opening_hours.split(",")[5] == "10:00-14:00"
    entry = db.session.query(AuditEntry).filter_by(action="department.hours").one()
    assert entry.after["timezone"] == "America/New_York"
    listed = client.get("/admin/settings/departments").text
    assert "Mon–Fri 09:00–17:00, Sat 10:00–14:00 · America/New_York" in listed


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"days-0-closes": "08:00"}, "days-0-closes", "Closing must be after opening"),
    ({"days-2-opens": ""}, "days-2-opens", "Give the opening time."),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Choose a time zone from the list."),
])
def test_bad_hours_are_refused_next_to_the_field_and_nothing_changes(client, admin, changes,
                                                                      field, message):
    dep = factories.department("Customer Care")
    before = dep.opening_hours
    response = client.post(f"/admin/settings/departments/{dep.id}/hours", data=_week(**changes))
    assert response.status_code == 422
    assert message in response.text and f'id="{field}-error"' in response.text
    db.session.refresh(dep)
    assert dep.opening_hours == before and dep.timezone is None
    assert not db.session.query(AuditEntry).filter_by(action="department.hours").count()


def test_a_week_with_no_open_day_is_refused(client, admin):
    dep = factories.department("Customer Care")
    closed = {k: v for k, v in _week().items() if not k.endswith("-open")}
    response = client.post(f"/admin/settings/departments/{dep.id}/hours", data=closed)
    assert response.status_code == 422 and "at least one day" in response.text


def test_closed_dates_are_added_and_removed(client, admin):
    dep = factories.department("Customer Care")
    url = f"/admin/settings/departments/{dep.id}/closures"
    response = client.post(url, data={"day": "2026-12-25", "name": "Christmas Day"})
    assert response.status_code == 302
    page = client.get(f"/admin/settings/departments/{dep.id}/hours").text
    assert "Christmas Day" in page and "25 Dec 2026" in page
    twice = client.post(url, data={"day": "2026-12-25", "name": "Christmas again"})
    assert twice.status_code == 422 and "already closed" in twice.text
    assert "Christmas again" in twice.text  # the admin's words are kept
    bad = client.post(url, data={"day": "25/12/2026", "name": "Boxing Day"})
    assert bad.status_code == 422 and 'id="day-error"' in bad.text
    [closure] = db.session.query(Closure).all()
    assert closure.day == date(2026, 12, 25)
    removed = client.post(f"{url}/{closure.id}/remove")
    assert removed.status_code == 302 and not db.session.query(Closure).count()
    actions = {e.action for e in db.session.query(AuditEntry)}
    assert {"department.closure_added", "department.closure_removed"} <= actions


def test_a_closure_of_another_department_cannot_be_removed_through_this_one(client, admin):
    mine, other = factories.department("Mine"), factories.department("Other")
    db.session.add(Closure(department=other, day=date(2026, 12, 25), name="Christmas Day"))
    db.session.commit()
    [closure] = db.session.query(Closure).all()
    response = client.post(f"/admin/settings/departments/{mine.id}/closures/{closure.id}/remove")
    assert response.status_code == 404 and db.session.query(Closure).count() == 1


@pytest.mark.parametrize("role", [Role.AGENT, Role.MANAGER])
def test_only_admins_change_working_hours(client, login, role):
    dep = factories.department("Customer Care")
    login(client, factories.staff(role, departments=[dep]))
    url = f"/admin/settings/departments/{dep.id}/hours"
    assert client.get(url).status_code == 403
    assert client.post(url, data=_week(timezone="Asia/Tokyo")).status_code == 403
    db.session.refresh(dep)
    assert dep.timezone is None
