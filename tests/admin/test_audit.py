"""The audit log: scoped by department for managers, filtered, paged and exported safely."""

import csv
import io
from datetime import UTC, datetime

import pytest

from portal.extensions import db
from portal.models import AuditEntry, Role
from tests import factories


def _entry(summary: str, action: str = "case.take", actor=None, department=None,
           when: datetime | None = None, before=None, after=None) -> AuditEntry:
    entry = AuditEntry(actor_id=actor.id if actor else None, action=action,
                       target_type="case", target_id=1,
                       department_id=department.id if department else None,
                       summary=summary, before=before or {}, after=after or {})
    if when is not None:
        entry.created_at = when
    db.session.add(entry)
    db.session.commit()
    return entry


@pytest.fixture
def world():
    north, south = factories.department("North"), factories.department("South")
    people = {
        "admin": factories.staff(Role.ADMIN, name="Ada Admin"),
        "manager": factories.staff(Role.MANAGER, [north], name="Priya Manager"),
        "agent": factories.staff(Role.AGENT, [north], name="Tom Agent"),
    }
    return people, north, south


def _rows(page: str) -> list[str]:
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    return [row for row in body.split("<tr>")[1:] if 'data-label="Summary"' in row]


def test_admin_sees_every_entry_newest_first_with_before_and_after(client, login, world):
    people, north, south = world
    _entry("North first", department=north, actor=people["agent"],
           before={"assignee": None}, after={"assignee": "Tom Agent"})
    _entry("South second", department=south)
    _entry("Global third")
    login(client, people["admin"])
    page = client.get("/admin/audit")
    assert page.status_code == 200
    rows = _rows(page.text)
    assert ["Global third" in rows[0], "South second" in rows[1], "North first" in rows[2]] \
        == [True, True, True]
    assert "Tom Agent" in rows[2] and "<del>—</del>" in rows[2] and "<ins>Tom Agent</ins>" \
        in rows[2]


def test_managers_see_only_their_departments(client, login, world):
    people, north, south = world
    _entry("North thing", department=north)
    _entry("South secret", department=south)
    _entry("Settings secret")
    login(client, people["manager"])
    page = client.get("/admin/audit").text
    assert "North thing" in page
    assert "South secret" not in page and "Settings secret" not in page
    export = client.get("/admin/audit.csv").text
    assert "North thing" in export and "secret" not in export


def test_a_manager_without_departments_sees_nothing(client, login, world):
    people, north, _ = world
    _entry("North thing", department=north)
    login(client, factories.staff(Role.MANAGER))
    assert "North thing" not in client.get("/admin/audit").text


def test_agents_get_403_and_customers_404(client, login, world):
    people, *_ = world
    login(client, people["agent"])
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403
    client.post("/admin/logout")
    login(client, factories.customer())
    assert client.get("/admin/audit").status_code == 404


def test_settings_changes_reach_the_managers_log(client, login, world):
    people, north, _ = world
    login(client, people["admin"])
    client.post(f"/admin/settings/departments/{north.id}", data={"name": "Northside"})
    client.post("/admin/logout")
    login(client, people["manager"])
    row = _rows(client.get("/admin/audit").text)[0]
    assert "department.rename" in row and "Ada Admin" in row
    assert "<del>North</del>" in row and "<ins>Northside</ins>" in row


def test_filters_by_actor_action_dates_and_literal_text(client, login, world):
    people, north, _ = world
    admin, agent = people["admin"], people["agent"]
    _entry("Discount 50% off", actor=agent, when=datetime(2025, 3, 1, 9, tzinfo=UTC))
    _entry("Discount 500 off", actor=agent, when=datetime(2025, 3, 2, 23, 59, tzinfo=UTC))
    _entry("Renamed a_b", action="department.rename", actor=admin,
           when=datetime(2025, 3, 3, tzinfo=UTC))
    _entry("Renamed axb", action="department.rename", actor=admin,
           when=datetime(2025, 3, 4, tzinfo=UTC))
    login(client, admin)

    def summaries(**args) -> list[str]:
        response = client.get("/admin/audit", query_string=args)
        assert response.status_code == 200
        # Only the table's rows: a random CSRF token on the page can spell "axb".
        rows = "".join(_rows(response.text)) if "<tbody>" in response.text else ""
        return [s for s in ("50% off", "500 off", "a_b", "axb") if s in rows]

    assert summaries(q="50%") == ["50% off"]
    assert summaries(q="a_b") == ["a_b"]
    assert summaries(q="discount") == ["50% off", "500 off"]  # case does not matter
    assert summaries(actor=agent.id) == ["50% off", "500 off"]
    assert summaries(action="department.rename") == ["a_b", "axb"]
    assert summaries(date_from="2025-03-02", date_to="2025-03-03") == ["500 off", "a_b"]
    assert summaries(actor="", action="", date_from="", date_to="", q="") == \
        ["50% off", "500 off", "a_b", "axb"]
    page = client.get("/admin/audit", query_string={"q": "50%"}).text
    assert 'value="50%"' in page and 'for="q">Summary contains</label>' in page


@pytest.mark.parametrize("args", [
    {"date_from": "yesterday"}, {"date_from": "2025-03-02", "date_to": "2025-03-01"},
    {"action": "made.up"}, {"actor": "999999"}, {"q": "bad\x00byte"}, {"q": "x" * 201},
])
def test_bad_filters_are_refused_not_500(client, login, world, args):
    people, *_ = world
    _entry("Something")
    login(client, people["admin"])
    page = client.get("/admin/audit", query_string=args)
    assert page.status_code == 422 and 'class="error"' in page.text
    assert "Something" not in page.text
    assert client.get("/admin/audit.csv", query_string=args).status_code == 400


def test_older_entries_page_by_id_keeping_the_filters(client, login, world):
    people, *_ = world
    for n in range(105):
        db.session.add(AuditEntry(action="case.take", target_type="case", summary=f"Entry {n:03d}",
                                  before={}, after={}))
    _entry("Other action", action="department.rename")
    db.session.commit()
    login(client, people["admin"])
    first = client.get("/admin/audit", query_string={"action": "case.take"}).text
    rows = _rows(first)
    assert len(rows) == 100 and "Entry 104" in rows[0] and "Entry 005" in rows[-1]
    older = first.split('class="pager"><a class="button button--secondary" href="')[1]
    older = older.split('"')[0].replace("&amp;", "&")
    assert "action=case.take" in older and "before=" in older
    second = _rows(client.get(older).text)
    assert [r for r in second if "Entry" in r] == second and len(second) == 5
    assert "Entry 004" in second[0] and "Entry 000" in second[-1]
    assert 'class="pager"' not in client.get(older).text


def test_links_never_carry_unknown_parameters(client, login, world):
    people, *_ = world
    for n in range(101):
        db.session.add(AuditEntry(action="x", target_type="case", summary=f"E{n}",
                                  before={}, after={}))
    db.session.commit()
    login(client, people["admin"])
    page = client.get("/admin/audit", query_string={
        "_external": "1", "_scheme": "javascript", "evil": "1"}).text
    assert "javascript" not in page and "evil=" not in page and "_external" not in page


def test_csv_export_has_header_rows_and_neutralised_formulas(client, login, world):
    people, north, _ = world
    sneaky = factories.staff(Role.AGENT, name="@SUM(1+1)")
    _entry("=HYPERLINK(\"http://evil.example\",\"click\")", actor=sneaky, department=north,
           before={"name": "+old"}, after={"name": "-new"})
    _entry("Plain summary", action="department.rename", department=north)
    login(client, people["admin"])
    response = client.get("/admin/audit.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["id", "when_utc", "actor", "actor_email", "action", "target",
                       "department", "summary", "before", "after"]
    assert len(rows) == 3
    plain, sneaky_row = rows[1], rows[2]
    assert plain[7] == "Plain summary" and plain[6] == "North"
    assert sneaky_row[2] == "'@SUM(1+1)"
    assert sneaky_row[7] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    for cell in (cell for row in rows[1:] for cell in row):
        assert not cell.startswith(("=", "+", "-", "@"))
    filtered = client.get("/admin/audit.csv", query_string={"q": "plain"}).text
    assert "Plain summary" in filtered and "HYPERLINK" not in filtered
