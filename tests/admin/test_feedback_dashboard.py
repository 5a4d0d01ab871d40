"""The feedback dashboard page: who may see it, its filters, its comments and its CSV."""

import csv
import io
import re
from datetime import UTC

import pytest

from portal.extensions import db
from portal.models import FollowUp, Role, Solved, Status
from portal.services import cases, feedback_reports
from tests import factories
from tests.helpers import is_query, statements_sent


@pytest.fixture
def world():
    """Customer Care (manager Grace, agent Leo) and Sales (agent Marco), with an admin."""
    care, sales = factories.department("Customer Care"), factories.department("Sales")
    return {
        "care": care, "sales": sales,
        "grace": factories.staff(Role.MANAGER, [care], "Grace Lindqvist"),
        "leo": factories.staff(Role.AGENT, [care], "Leo Marsh"),
        "marco": factories.staff(Role.AGENT, [sales], "Marco Rossi"),
        "admin": factories.staff(Role.ADMIN, name="Alex Admin"),
        "complaints": factories.category(care, "Complaints"),
        "accounts": factories.category(sales, "Accounts"),
    }


@pytest.mark.parametrize("role,expected", [(Role.AGENT, 403), (Role.CUSTOMER, 404)])
def test_agents_get_403_and_customers_never_learn_it_exists(client, login, role, expected):
    user = factories.customer() if role == Role.CUSTOMER else factories.staff(role)
    login(client, user)
    for path in ("/admin/feedback", "/admin/feedback/comments", "/admin/feedback.csv"):
        assert client.get(path).status_code == expected, path


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/feedback")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_the_nav_link_shows_for_managers_and_admins_only(client, login):
    login(client, factories.staff(Role.AGENT))
    assert 'href="/admin/feedback"' not in client.get("/admin/promises").text
    client.post("/admin/logout")
    login(client, factories.staff(Role.MANAGER))
    page = client.get("/admin/feedback").text
    assert '<a href="/admin/feedback" aria-current="page">Feedback</a>' in page


def test_the_page_renders_with_no_data_at_all(client, login):
    login(client, factories.staff(Role.ADMIN))
    response = client.get("/admin/feedback")
    assert response.status_code == 200
    page = response.text
    assert "No answers in this period" in page and "No comments in this period" in page
    assert "No reactions in this period" in page and "Download CSV" not in page
    assert page.count('role="img"') == 4


def test_the_done_when_of_issue_5_the_dashboard_counts_one_loop_closed(client, login, world):
    """Customer answers "No, 2/10, nobody called me" → follow-up → Grace completes it."""
    mei = factories.customer("Mei Chen")
    case = factories.case(mei, "Complaint about my relationship manager",
                          cat=world["complaints"])
    cases.add_staff_reply(case, world["leo"], "We are looking into it.")
    cases.change_status(case, world["leo"], Status.RESOLVED, "Your manager will call weekly.")
    login(client, mei)
    client.post(f"/cases/{case.reference}/feedback",
                data={"solved": "no", "rating": "2", "comment": "nobody called me"})
    client.post("/logout")

    login(client, world["grace"])
    before = client.get("/admin/feedback").text
    assert "No unhappy answers" not in before and "1 still in time" in before
    [item] = db.session.query(FollowUp).all()
    done = client.post(f"/admin/follow-ups/{item.id}/complete", data={
        "what_was_done": "Called Mei, apologised.",
        "told_customer": "We called you and set up weekly calls with your manager."})
    assert done.status_code == 302

    page = client.get("/admin/feedback").text
    cards = page[page.index('aria-label="Summary"'):page.index('id="trends"')]
    assert re.search(r"Loops closed within target</h2>\s*<p[^>]*>100%</p>", cards)
    assert "1 of 1 that came due" in cards and "1 closed" in cards
    assert "nobody called me" in page and "Closed within target" in page
    assert f'href="/admin/cases/{case.reference}"' in page
    assert "Leo Marsh" in page  # he resolved it: the answer counts for him


def _some_answers(world):
    factories.answered(world["complaints"], world["leo"], Solved.NO, 1, "rude on the phone")
    factories.answered(world["accounts"], world["marco"], Solved.YES, 10, "Marco was great")


def test_a_manager_sees_only_their_departments_and_cannot_ask_for_others(client, login, world):
    _some_answers(world)
    login(client, world["grace"])
    page = client.get("/admin/feedback").text
    assert "rude on the phone" in page
    assert "Marco was great" not in page and "Sales" not in page and "Marco Rossi" not in page
    foreign = client.get("/admin/feedback", query_string={"department": world["sales"].id})
    assert foreign.status_code == 422 and "Marco was great" not in foreign.text
    assert client.get("/admin/feedback.csv",
                      query_string={"department": world["sales"].id}).status_code == 400
    csv_text = client.get("/admin/feedback.csv").text
    assert "rude on the phone" in csv_text and "Marco was great" not in csv_text


def test_filters_narrow_every_figure_and_links_keep_them(client, login, world):
    _some_answers(world)
    login(client, world["admin"])
    everything = client.get("/admin/feedback").text
    assert "rude on the phone" in everything and "Marco was great" in everything
    query = {"category": world["accounts"].id, "group": "agent", "weeks": "4"}
    page = client.get("/admin/feedback", query_string=query).text
    assert "Marco was great" in page and "rude on the phone" not in page
    assert "By agent" in page and "last 4 weeks" in page
    assert f"/admin/feedback.csv?category={world['accounts'].id}&amp;weeks=4&amp;group=agent" \
        in page
    by_agent = client.get("/admin/feedback", query_string={"agent": world["leo"].id}).text
    assert "rude on the phone" in by_agent and "Marco was great" not in by_agent
    for bad in ({"weeks": "9999"}, {"group": "customer"}, {"agent": "abc"}):
        assert client.get("/admin/feedback", query_string=bad).status_code == 422, bad


def test_csv_has_one_row_per_answer_and_neutralised_formulas(client, login, world):
    sneaky = factories.staff(Role.AGENT, [world["care"]], "@SUM(1+1)")
    factories.answered(world["complaints"], sneaky, Solved.NO, 0,
                       '=HYPERLINK("http://evil.example","click")')
    factories.answered(world["complaints"], world["leo"], Solved.YES, 9, "-fine +thanks")
    login(client, world["admin"])
    response = client.get("/admin/feedback.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="caseloop-feedback-')
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == feedback_reports.CSV_HEADER
    assert len(rows) == 3
    happy, unhappy = rows[1], rows[2]  # newest first
    assert happy[3:7] == ["Leo Marsh", "Yes", "9", "'-fine +thanks"]
    assert happy[8:] == ["", "", "", ""]
    assert unhappy[3] == "'@SUM(1+1)" and unhappy[6] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert unhappy[4:6] == ["No", "0"] and unhappy[8] == "Grace Lindqvist"
    assert unhappy[-1] == "not yet due" and unhappy[10] == ""
    for cell in (cell for row in rows[1:] for cell in row):
        assert not cell.startswith(("=", "+", "-", "@"))


def test_csv_times_are_in_utc_whatever_the_viewers_zone_and_the_header_says_so(
        client, login, world):
    answer = factories.answered(world["complaints"], world["leo"], Solved.NO, 2, "Late.")
    world["admin"].timezone = "Asia/Kolkata"
    db.session.commit()
    login(client, world["admin"])
    rows = list(csv.reader(io.StringIO(client.get("/admin/feedback.csv").text)))
    header, row = rows[0], rows[1]
    times = [n for n, name in enumerate(header) if name.endswith(("_at_utc", "_due_utc"))]
    assert [header[n] for n in times] == ["answered_at_utc", "follow_up_due_utc",
                                          "follow_up_completed_at_utc"]
    assert row[times[0]] == answer.created_at.astimezone(UTC).isoformat(timespec="seconds")
    assert row[times[1]].endswith("+00:00")  # the follow-up's due time, in UTC too

def test_comments_page_pages_through_every_comment(client, login, world, monkeypatch):
    monkeypatch.setattr(feedback_reports, "COMMENTS_PAGE", 2)
    monkeypatch.setattr(feedback_reports, "COMMENTS_SHOWN", 2)
    for words in ("Alpha said", "Bravo said", "Charlie said"):
        factories.answered(world["complaints"], world["leo"], Solved.PARTLY, 8, words)
    login(client, world["grace"])
    dashboard = client.get("/admin/feedback").text
    assert "Charlie said" in dashboard and "Alpha said" not in dashboard
    more = re.search(r'href="(/admin/feedback/comments[^"]*)">All 3 comments', dashboard)
    page = client.get(more.group(1).replace("&amp;", "&")).text
    assert "Charlie said" in page and "Bravo said" in page and "Alpha said" not in page
    older = re.search(r'href="([^"]*cursor=[^"]*)">Older comments', page).group(1)
    last = client.get(older.replace("&amp;", "&")).text
    assert "Alpha said" in last and "Charlie said" not in last
    assert "Older comments" not in last and "Newest comments" in last
    assert client.get("/admin/feedback/comments?cursor=broken").status_code == 400


def test_charts_are_svg_images_with_patterns_and_a_table_of_figures(client, login, world):
    _some_answers(world)
    login(client, world["admin"])
    page = client.get("/admin/feedback").text
    svgs = re.findall(r"<svg[^>]*>.*?</svg>", page, re.S)
    assert len(svgs) == 4
    for svg in svgs:
        assert 'role="img"' in svg and re.search(r'aria-label="[^"]{20,}"', svg)
    assert 'fill="url(#feedback-answers-hatch)"' in page  # Partly: hatched
    assert 'fill="url(#feedback-answers-dots)"' in page  # No: dotted
    assert page.count("Show the figures") == 4 and "Week of" in page
    assert "style=" not in page and "<script>" not in page


def _queries(client, path="/admin/feedback") -> int:
    with statements_sent(is_query) as seen:
        assert client.get(path).status_code == 200
    return len(seen)


def test_the_number_of_queries_does_not_grow_with_the_answers(client, login, world):
    login(client, world["admin"])
    _some_answers(world)
    few = _queries(client), _queries(client, "/admin/feedback/comments")
    for n in range(6):
        factories.answered(world["accounts"], world["marco"], Solved.NO, n, f"comment {n}")
    many = _queries(client), _queries(client, "/admin/feedback/comments")
    assert few == many and few[0] <= 12
