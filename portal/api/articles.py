"""Help articles: list and search, read one, write, change and publish (token-scoped).

A token sees and writes the articles of its departments' categories (every department's
when it names none); a read-only token only reads.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from flask import Response, jsonify, url_for

from ..models import Article
from ..services import help_articles, serializers
from ..services.errors import NotFound
from . import bp, lookups
from .auth import actor, current_token
from .errors import renamed
from .idempotency import idempotent
from .validation import MAX_ID, Body, accepts, query_choice, query_int, query_text

ARTICLE_FIELDS = ("title", "body", "category")


class State(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


def article_json(article: Article) -> dict[str, Any]:
    return {
        "id": article.id, "slug": article.slug, "title": article.title,
        "body": article.body, "body_html": str(help_articles.render(article.body)),
        "category": {"id": article.category.id, "name": article.category.name},
        "state": State.PUBLISHED if article.published else State.DRAFT,
        "published_at": serializers.moment(article.published_at),
        "created_at": serializers.moment(article.created_at),
        "updated_at": serializers.moment(article.updated_at),
        "url": url_for("customer.help_article", slug=article.slug, _external=True)
        if article.published else None,
    }


def _find(article_id: str) -> Article:
    """An article of the token's departments; 404 for anything else, like a missing one."""
    number = int(article_id) if article_id.isdigit() and int(article_id) <= MAX_ID else 0
    article = help_articles.get(number) if number else None
    if article is None or not current_token().covers(article.category.department_id):
        raise NotFound()
    return article


@bp.get("/articles")
@accepts("q", "state", "limit")
def list_articles() -> Response:
    """Published articles for `q`, best first; without it, every article, by title."""
    query = query_text("q", help_articles.MAX_QUERY)
    state = query_choice("state", State)
    limit = query_int("limit", 1, 100) or 25
    token = current_token()
    found = help_articles.search(query, limit=100) if query else help_articles.all_articles()
    found = [a for a in found if token.covers(a.category.department_id)
             and (state is None or a.published == (state == State.PUBLISHED))]
    return jsonify({"items": [article_json(a) for a in found[:limit]]})


@bp.get("/articles/<article_id>")
def get_article(article_id: str) -> Response:
    return jsonify(article_json(_find(article_id)))


@bp.post("/articles")
@idempotent
def create_article() -> tuple[Response, int, dict[str, str]]:
    body = Body(ARTICLE_FIELDS)
    title = body.text("title", help_articles.MAX_TITLE)
    text = body.text("body", help_articles.MAX_BODY)
    wanted = body.category()
    body.check()
    with renamed():
        category = lookups.category(current_token(), wanted)
        article = help_articles.save(actor(), title, text, category.id, checked=True)
    location = url_for("api.get_article", article_id=article.id)
    return jsonify(article_json(article)), 201, {"Location": location}


@bp.post("/articles/<article_id>")
@idempotent
def update_article(article_id: str) -> Response:
    """Change the fields sent; the others stay. Each change is a new revision."""
    article = _find(article_id)
    body = Body(ARTICLE_FIELDS)
    title = body.text("title", help_articles.MAX_TITLE, required=False) or article.title
    text = body.text("body", help_articles.MAX_BODY, required=False) or article.body
    wanted = body.category() if body.data.get("category") is not None else None
    body.check()
    with renamed():
        category_id = lookups.category(current_token(), wanted).id if wanted else \
            article.category_id
        help_articles.save(actor(), title, text, category_id, article, checked=True)
    return jsonify(article_json(article))


@bp.post("/articles/<article_id>/publish")
@idempotent
def publish_article(article_id: str) -> Response:
    """`{"published": true}` publishes, false takes it off the help pages."""
    article = _find(article_id)
    body = Body(("published",))
    published = body.boolean("published", True)
    body.check()
    help_articles.set_published(actor(), article, published, checked=True)
    return jsonify(article_json(article))
