"""The help pages customers use: public reading and search, answering, the new-case form's
suggestions (live with htmx, and as a step without JavaScript), and drafts staying hidden."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ArticleSuggestion, ArticleView, ArticleVote, Case, Role
from portal.services import help_articles
from tests import factories

HX = {"HX-Request": "true"}


@pytest.fixture
def articles(deliveries):
    manager = factories.staff(Role.MANAGER, [deliveries.department])
    late = help_articles.save(manager, "My parcel is late",
                              "Most late parcels arrive **within two days**.", deliveries.id)
    help_articles.set_published(manager, late, True)
    draft = help_articles.save(manager, "Parcel lost in a storm", "Secret draft words.",
                               deliveries.id)
    return {"late": late, "draft": draft}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_anyone_reads_and_searches_published_articles(client, articles):
    index = client.get("/help")
    assert index.status_code == 200 and "My parcel is late" in index.text
    assert "Parcel lost in a storm" not in index.text
    found = client.get("/help?q=parcel")
    assert "My parcel is late" in found.text and "storm" not in found.text
    page = client.get(f"/help/{articles['late'].slug}")
    assert "<strong>within two days</strong>" in page.text
    assert "Sign in" in page.text and 'name="answered"' not in page.text
    assert count(ArticleView) == 1


def test_drafts_are_invisible_to_customers(client, login, articles):
    login(client, factories.customer())
    assert client.get(f"/help/{articles['draft'].slug}").status_code == 404
    assert "Parcel lost in a storm" not in client.get("/help?q=storm").text
    suggested = client.get("/help/suggestions?title=storm", headers=HX)
    assert "Parcel lost" not in suggested.text


def test_a_customer_answers_and_may_change_their_answer(client, login, articles):
    dana = factories.customer()
    login(client, dana)
    url = f"/help/{articles['late'].slug}"
    assert client.post(f"{url}/answer", data={"answered": "yes"}).status_code == 302
    assert "You told us this answered your question." in client.get(url).text
    client.post(f"{url}/answer", data={"answered": "no"})
    vote = db.session.scalars(select(ArticleVote)).one()
    assert (vote.customer_id, vote.answered) == (dana.id, False)
    assert client.post(f"{url}/answer", data={"answered": "maybe"}).status_code == 400
    assert client.post(f"/help/{articles['draft'].slug}/answer",
                       data={"answered": "yes"}).status_code == 404


def test_answering_needs_a_signed_in_customer(client, articles):
    response = client.post(f"/help/{articles['late'].slug}/answer", data={"answered": "yes"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert count(ArticleVote) == 0


def test_the_new_case_form_suggests_articles_as_the_title_is_typed(client, login, articles,
                                                                  deliveries):
    login(client, factories.customer())
    form = client.get("/cases/new")
    assert 'hx-get="/help/suggestions"' in form.text and "delay:400ms" in form.text
    live = client.get(f"/help/suggestions?title=parcel+late&category={deliveries.id}",
                      headers=HX)
    assert live.status_code == 200 and "My parcel is late" in live.text
    assert 'name="articles_seen"' in live.text
    assert count(ArticleSuggestion) == 1
    nothing = client.get("/help/suggestions?title=password", headers=HX)
    assert "Did one of these" not in nothing.text
    # Without htmx, the address leads to the help search for the same words.
    plain = client.get("/help/suggestions?title=parcel")
    assert plain.status_code == 302 and "/help?q=parcel" in plain.headers["Location"]


def test_without_javascript_the_suggestions_come_once_on_submit(client, login, articles,
                                                               deliveries):
    login(client, factories.customer())
    words = {"category": deliveries.id, "title": "Parcel late again", "body": "Where is it?"}
    step = client.post("/cases/new", data=words)
    assert step.status_code == 200 and "Did one of these answer you?" in step.text
    assert "My parcel is late" in step.text and count(Case) == 0
    assert 'value="Parcel late again"' in step.text  # their words are kept
    opened = client.post("/cases/new", data={**words, "articles_seen": "1"})
    assert opened.status_code == 302 and count(Case) == 1


def test_staff_reading_an_article_is_no_view(client, login, articles):
    login(client, factories.staff(Role.ADMIN))
    assert client.get(f"/help/{articles['late'].slug}").status_code == 200
    assert count(ArticleView) == 0


def test_a_customer_reading_again_within_the_hour_is_one_view(client, login, articles):
    login(client, factories.customer())
    url = f"/help/{articles['late'].slug}"
    client.get(url)
    client.post(f"{url}/answer", data={"answered": "yes"}, follow_redirects=True)
    assert count(ArticleView) == 1
    client.post("/logout")
    client.get(url)
    client.get(url)
    assert count(ArticleView) == 3  # not signed in: nobody to tell apart, each is a view
