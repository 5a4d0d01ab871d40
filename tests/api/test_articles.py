"""/api/v1/articles: search and read, write, change and publish, within the token's scope."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import ArticleRevision, AuditEntry
from tests import factories


def test_write_change_publish_and_search(api, deliveries):
    made = api.post("/articles", {"title": "My parcel is late", "category": "deliveries",
                                  "body": "Wait **two days**. <script>x</script>"})
    assert made.status_code == 201, made.text
    article = made.json
    assert article["state"] == "draft" and article["url"] is None
    assert "<strong>two days</strong>" in article["body_html"]
    assert "<script>" not in article["body_html"]
    assert made.headers["Location"].endswith(f"/api/v1/articles/{article['id']}")
    assert api.get("/articles?q=parcel").json["items"] == []  # drafts are not searched
    changed = api.post(f"/articles/{article['id']}", {"body": "Wait three days."})
    assert changed.status_code == 200 and changed.json["title"] == "My parcel is late"
    published = api.post(f"/articles/{article['id']}/publish", {"published": True})
    assert published.json["state"] == "published"
    assert published.json["url"].endswith(f"/help/{article['slug']}")
    found = api.get("/articles?q=late+parcel").json["items"]
    assert [a["id"] for a in found] == [article["id"]]
    assert api.get("/articles?state=draft").json["items"] == []
    assert db.session.scalar(select(db.func.count()).select_from(ArticleRevision)) == 2
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.target_type == "article").order_by(AuditEntry.id)).all()
    assert actions == ["article.saved", "article.saved", "article.published"]


def test_a_token_sees_only_its_departments_articles(api_as, make_token, deliveries):
    other = factories.category(name="Billing")
    _, mine = make_token(departments=[deliveries.department])
    api = api_as(mine)
    refused = api.post("/articles", {"title": "Invoices", "category": other.id, "body": "x"})
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "category"
    _, everywhere = make_token()
    theirs = api_as(everywhere).post("/articles", {"title": "Invoices", "category": other.id,
                                                   "body": "x"}).json
    assert api.get(f"/articles/{theirs['id']}").status_code == 404
    assert api.get("/articles/99999999999").status_code == 404
    assert api.get("/articles").json["items"] == []


def test_a_read_only_token_cannot_write(api_as, make_token, deliveries):
    _, secret = make_token(scope="read")
    response = api_as(secret).post("/articles", {"title": "T", "category": deliveries.id,
                                                 "body": "x"})
    assert response.status_code == 403


def test_bad_fields_are_named(api, deliveries):
    response = api.post("/articles", {"title": "", "category": deliveries.id, "body": "x",
                                      "extra": 1})
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} >= {"title", "extra"}
