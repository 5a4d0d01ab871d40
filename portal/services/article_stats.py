"""What help articles did, per article, counted honestly (docs/help-articles.md).

A deflection is a customer who said the article answered them and then opened no case in
its category within seven days of saying so. An answer younger than seven days is
"waiting", never a deflection yet. "Opened a case anyway" counts the customers who were
shown the article (suggested on the new-case form, or who answered on it) and opened a
case in its category within seven days of first seeing it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..extensions import db
from ..models import Article, ArticleSuggestion, ArticleView, ArticleVote, Case, utcnow

WINDOW = timedelta(days=7)


@dataclass
class ArticleNumbers:
    article: Article
    views: int = 0
    suggested: int = 0  # customers it was suggested to
    answered: int = 0  # "Yes, this answered my question"
    not_answered: int = 0
    opened_anyway: int = 0
    deflections: int = 0
    waiting: int = 0  # said yes less than seven days ago, no case yet


def _counts(column, model) -> dict[int, int]:
    rows = db.session.execute(select(model.article_id, func.count(column)).group_by(
        model.article_id))
    return dict(rows.all())


def _cases_by_customer(customer_ids: set[int]) -> dict[int, list[tuple[int | None, datetime]]]:
    """Each customer's cases as (category, opened at)."""
    found: dict[int, list[tuple[int | None, datetime]]] = defaultdict(list)
    if customer_ids:
        rows = db.session.execute(select(Case.customer_id, Case.category_id, Case.created_at)
                                  .where(Case.customer_id.in_(customer_ids)))
        for customer_id, category_id, created in rows:
            found[customer_id].append((category_id, created))
    return found


def _opened_within(cases: list[tuple[int | None, datetime]], category_id: int,
                   start: datetime) -> bool:
    return any(c == category_id and start <= at < start + WINDOW for c, at in cases)


def numbers(articles: list[Article]) -> list[ArticleNumbers]:
    """The dashboard's row for each article, from six queries whatever the count."""
    views = _counts(ArticleView.id, ArticleView)
    votes = list(db.session.scalars(select(ArticleVote)))
    suggestions = db.session.execute(select(
        ArticleSuggestion.article_id, ArticleSuggestion.customer_id,
        func.min(ArticleSuggestion.created_at)).group_by(
        ArticleSuggestion.article_id, ArticleSuggestion.customer_id)).all()
    suggested = {(article_id, customer_id) for article_id, customer_id, _at in suggestions}
    first_seen: dict[tuple[int, int], datetime] = {}
    for article_id, customer_id, at in suggestions:
        first_seen[(article_id, customer_id)] = at
    for v in votes:
        key = (v.article_id, v.customer_id)
        first_seen[key] = min(first_seen.get(key, v.created_at), v.created_at)
    cases = _cases_by_customer({customer for _a, customer in first_seen})
    rows = {a.id: ArticleNumbers(a, views=views.get(a.id, 0)) for a in articles}
    now = utcnow()
    for (article_id, customer_id), seen in first_seen.items():
        row = rows.get(article_id)
        if row is None:
            continue
        row.suggested += (article_id, customer_id) in suggested
        row.opened_anyway += _opened_within(cases[customer_id], row.article.category_id, seen)
    for v in votes:
        row = rows.get(v.article_id)
        if row is None:
            continue
        if not v.answered:
            row.not_answered += 1
            continue
        row.answered += 1
        if _opened_within(cases[v.customer_id], row.article.category_id, v.created_at):
            continue
        if now >= v.created_at + WINDOW:
            row.deflections += 1
        else:
            row.waiting += 1
    return list(rows.values())
