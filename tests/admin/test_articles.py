"""Staff pages for help articles: who may write and publish, preview, history, dashboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from portal.extensions import db
from portal.models import Article, AuditEntry, Role
from portal.services import help_articles
from tests import factories

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def agent(deliveries):
    return factories.staff(Role.AGENT, [deliveries.department], name="Ana Agent")


@pytest.fixture
def manager(deliveries):
    return factories.staff(Role.MANAGER, [deliveries.department], name="Mia Manager")


def write(client, deliveries, **extra):
    return client.post("/admin/articles/new", data={
        "title": "My parcel is late", "category": deliveries.id,
        "body": "Wait **two days**.\n\n<script>alert(1)</script>", **extra})


def test_an_agent_previews_and_saves_a_draft_a_manager_publishes(client, login, deliveries,
                                                                agent, manager):
    login(client, agent)
    preview = write(client, deliveries, action="preview")
    assert preview.status_code == 200 and "<strong>two days</strong>" in preview.text
    assert "<script>alert(1)" not in preview.text and "&lt;script&gt;" in preview.text
    assert db.session.scalar(select(Article)) is None  # a preview saves nothing
    saved = write(client, deliveries, action="save")
    assert saved.status_code == 302
    article = db.session.scalars(select(Article)).one()
    assert not article.published
    refused = client.post(f"/admin/articles/{article.id}/publish", data={"published": "1"},
                          follow_redirects=True)
    assert "A manager of the department publishes" in refused.text
    client.post("/admin/logout")
    login(client, manager)
    client.post(f"/admin/articles/{article.id}/publish", data={"published": "1"})
    db.session.expire_all()
    assert db.session.get(Article, article.id).published
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["article.saved", "article.published"]
    assert client.get(f"/help/{article.slug}").status_code == 200


def test_staff_of_another_department_cannot_write_there(client, login, deliveries):
    outsider = factories.staff(Role.MANAGER, [factories.department()])
    article = help_articles.save(factories.staff(Role.ADMIN), "Late", "Words", deliveries.id)
    login(client, outsider)
    refused = write(client, deliveries)
    assert refused.status_code == 422 and "Choose a category you write articles for" in \
        refused.text
    assert client.get(f"/admin/articles/{article.id}").status_code == 403
    assert client.post(f"/admin/articles/{article.id}/publish",
                       data={"published": "1"}).status_code == 302
    db.session.expire_all()
    assert not db.session.get(Article, article.id).published


def test_bad_input_is_shown_next_to_the_field(client, login, deliveries, agent):
    login(client, agent)
    response = client.post("/admin/articles/new", data={"title": "", "category": deliveries.id,
                                                        "body": "x"})
    assert response.status_code == 422 and "Give it a title." in response.text


def test_history_shows_what_each_version_changed(client, login, deliveries, manager):
    article = help_articles.save(manager, "Late", "Wait two days.", deliveries.id)
    help_articles.save(manager, "Late", "Wait three days.", deliveries.id, article)
    login(client, manager)
    page = client.get(f"/admin/articles/{article.id}/history")
    assert "<del>-Wait two days.</del>" in page.text
    assert "<ins>+Wait three days.</ins>" in page.text and "Mia Manager" in page.text


def test_the_dashboard_counts_a_deflection_after_seven_days(client, login, deliveries,
                                                            manager):
    with time_machine.travel(NOW, tick=False):
        article = help_articles.save(manager, "My parcel is late", "Wait.", deliveries.id)
        help_articles.set_published(manager, article, True)
        help_articles.vote(factories.customer(), article, True)
    with time_machine.travel(NOW + timedelta(days=7, hours=1), tick=False):
        login(client, manager)
        page = client.get("/admin/articles/dashboard")
    assert page.status_code == 200
    row = page.text.split(f'id="numbers-{article.id}"')[1].split("</tr>")[0]
    assert '<td data-label="deflections">1</td>' in row


def test_customers_never_see_the_staff_pages(client, login):
    login(client, factories.customer())
    assert client.get("/admin/articles").status_code == 404
