"""Help articles: write, publish and find them; what customers read and answer.

Who may change what (docs/help-articles.md): staff of the category's department write and
edit drafts; its managers (and admins) publish, unpublish and edit published articles. The
API checks its token's departments instead (`checked=True`).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from datetime import timedelta

import nh3
from flask_babel import gettext as _
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import func, literal_column, select

from ..extensions import db
from ..models import (
    Article,
    ArticleRevision,
    ArticleSuggestion,
    ArticleView,
    ArticleVote,
    Category,
    Role,
    User,
    utcnow,
)
from ..models.articles import SEARCH_CONFIG, SEARCH_VECTOR
from . import audit, effects
from .errors import NotFound, ServiceError
from .text import clean

MAX_TITLE = 160
MAX_BODY = 20000
MAX_QUERY = 200
MAX_ID = 2**31 - 1  # ids are 32-bit; a bigger posted number is refused before any query
SUGGESTIONS = 3
# A suggestion shown again within this time is the same impression (the form asks per key).
IMPRESSION_WINDOW = timedelta(hours=1)

# Raw HTML in the Markdown is text, never markup; nh3 then keeps only these tags, so even
# a bug in the Markdown library cannot let a script or an event handler through.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
TAGS = {"p", "br", "hr", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "code", "pre",
        "blockquote", "a", "table", "thead", "tbody", "tr", "th", "td", "del"}
_STOPWORDS = frozenset("the and for with that this from have has was were are you your our "
                       "not but can how why what when who my me its it is on in of to a an "
                       "do does did be".split())


def render(markdown: str) -> Markup:
    """The article's Markdown as safe HTML: headings start at h2 (the page has the h1)."""
    html = _MARKDOWN.render(markdown)
    html = re.sub(r"<(/?)h1>", r"<\1h2>", html)
    safe = nh3.clean(html, tags=TAGS, attributes={"a": {"href", "title"}},
                     url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer nofollow")
    return Markup(safe)  # noqa: S704  # sanitised by nh3 just above  # nosec B704


# Who may do what ------------------------------------------------------------------------

def editable_categories(staff: User) -> list[Category]:
    """The categories this person may write articles for."""
    rows = db.session.scalars(select(Category).order_by(Category.name))
    return [c for c in rows if staff.role == Role.ADMIN
            or c.department_id in staff.department_ids]


def can_edit(staff: User, article: Article) -> bool:
    """Department staff edit drafts; a published article is its managers' (and admins')."""
    return can_publish(staff, article) or (
        not article.published and staff.is_staff
        and article.category.department_id in staff.department_ids)


def can_publish(staff: User, article: Article) -> bool:
    return staff.role == Role.ADMIN or (
        staff.role == Role.MANAGER and article.category.department_id in staff.department_ids)


# Writing ----------------------------------------------------------------------------------

def _category(category_id: int | None) -> Category | None:
    """The category with this id; None for none, or a number no id can be (never queried)."""
    if not category_id or not 0 < category_id <= MAX_ID:
        return None
    return db.session.get(Category, category_id)


def _slug_for(title: str, article: Article | None) -> str:
    if article is not None:
        return article.slug  # links customers keep stay valid when the title changes
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:100] or "article"
    taken = set(db.session.scalars(select(Article.slug).where(Article.slug.like(f"{base}%"))))
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def save(actor: User, title: str, body: str, category_id: int | None,
         article: Article | None = None, checked: bool = False) -> Article:
    """Create or change an article, keeping the words as a revision; ServiceError on the field
    at fault (a category the person may not write for among them)."""
    title = clean(title, "title", MAX_TITLE)
    body = clean(body, "body", MAX_BODY)
    category = _category(category_id)
    if category is None or not (checked or category in editable_categories(actor)):
        raise ServiceError(_("Choose a category you write articles for."), "category")
    if article is not None and not (checked or can_edit(actor, article)):
        raise ServiceError(_("A manager of the department changes a published article."),
                           "body")
    before = _values(article) if article is not None else {}
    if article is None:
        article = Article(slug=_slug_for(title, None), published=False)
    changed = (article.title, article.body) != (title, body)
    article.title, article.body, article.category_id = title, body, category.id
    article.category = category
    article.updated_at = utcnow()
    db.session.add(article)
    db.session.flush()
    if changed:
        db.session.add(ArticleRevision(article_id=article.id, editor_id=actor.id, title=title,
                                       body=body))
    audit.record(actor, "article.saved", article, f"Help article “{title}” saved", before,
                 _values(article), department_id=category.department_id)
    effects.commit()
    return article


def set_published(actor: User, article: Article, published: bool,
                  checked: bool = False) -> Article:
    """Publish or unpublish; ServiceError for someone who may not."""
    if not (checked or can_publish(actor, article)):
        raise ServiceError(_("A manager of the department publishes its articles."))
    if article.published == published:
        return article
    before = _values(article)
    article.published = published
    article.published_at = utcnow() if published else article.published_at
    verb = "published" if published else "unpublished"
    audit.record(actor, f"article.{verb}", article, f"Help article “{article.title}” {verb}",
                 before, _values(article), department_id=article.category.department_id)
    effects.commit()
    return article


def _values(article: Article) -> dict:
    return {"title": article.title, "category": article.category.name if article.category
            else None, "published": article.published, "body": article.body}


def history(article: Article) -> list[tuple[ArticleRevision, list[str]]]:
    """Each revision, newest first, with the lines it changed against the one before."""
    out, previous = [], None
    for revision in article.revisions:
        old = [] if previous is None else [f"# {previous.title}", *previous.body.splitlines()]
        new = [f"# {revision.title}", *revision.body.splitlines()]
        diff = list(difflib.unified_diff(old, new, lineterm="", n=1))[2:]
        out.append((revision, diff))
        previous = revision
    return out[::-1]


# Reading -----------------------------------------------------------------------------------

def get(article_id: int) -> Article:
    article = db.session.get(Article, article_id)
    if article is None:
        raise NotFound()
    return article


def get_published(slug: str) -> Article:
    """A published article by its address; NotFound for a draft (customers never see one)."""
    article = db.session.scalar(select(Article).where(Article.slug == slug[:140],
                                                      Article.published))
    if article is None:
        raise NotFound()
    return article


def all_articles() -> list[Article]:
    return list(db.session.scalars(select(Article).order_by(Article.title)))


def published_by_category() -> dict[Category, list[Article]]:
    grouped: dict[Category, list[Article]] = {}
    rows = db.session.scalars(select(Article).where(Article.published)
                              .order_by(Article.title))
    for article in rows:
        grouped.setdefault(article.category, []).append(article)
    return dict(sorted(grouped.items(), key=lambda item: item[0].name))


def terms(query: str) -> list[str]:
    """The words searched for: letters and digits, lower case, without the commonest words."""
    words = re.findall(r"\w+", (query or "")[:MAX_QUERY].casefold())
    return list(dict.fromkeys(w for w in words if len(w) > 1 and w not in _STOPWORDS))[:12]


def search(query: str, category_id: int | None = None, limit: int = 20) -> list[Article]:
    """Published articles for the words, best first (the chosen category's ahead)."""
    words = terms(query)
    if not words:
        return []
    if db.engine.dialect.name == "postgresql":
        return _search_postgresql(words, category_id, limit)
    return _search_python(words, category_id, limit)


def _search_postgresql(words: list[str], category_id: int | None, limit: int) -> list[Article]:
    """Full text: any word, each also as a prefix ("deliver" finds "delivery"), ranked by
    ts_rank with the title weighing more; served by the GIN index ix_articles_search."""
    query = func.to_tsquery(SEARCH_CONFIG, " | ".join(f"{w}:*" for w in words))
    vector = literal_column(f"({SEARCH_VECTOR})")
    rank = func.ts_rank(vector, query)
    statement = (select(Article).where(Article.published, vector.op("@@")(query))
                 .order_by((Article.category_id == (category_id or 0)).desc(), rank.desc(),
                           Article.title).limit(limit))
    return list(db.session.scalars(statement))


def _matches(term: str, word: str) -> bool:
    """The same word, or one starting the other when the shorter has four letters or more."""
    if term == word:
        return True
    shorter = min(len(term), len(word))
    return shorter >= 4 and (word.startswith(term) or term.startswith(word))


def score(words: list[str], article: Article) -> float:
    """SQLite's ranking: each word found counts 10, a hit in the title 3 and in the body 1
    (at most 5 a word, so repeating a word does not win); 0 when no word is found."""
    title, body = terms(article.title), re.findall(r"\w+", article.body.casefold())
    total = 0.0
    for term in words:
        in_title = sum(_matches(term, w) for w in title)
        in_body = min(5, sum(_matches(term, w) for w in body))
        if in_title or in_body:
            total += 10 + 3 * min(in_title, 3) + in_body
    return total


def _search_python(words: list[str], category_id: int | None, limit: int) -> list[Article]:
    """Scores every published article in Python: fine for a help centre's hundreds."""
    rows = db.session.scalars(select(Article).where(Article.published))
    scored = [(score(words, a), a) for a in rows]
    scored = [(s, a) for s, a in scored if s > 0]
    scored.sort(key=lambda sa: (sa[1].category_id != category_id, -sa[0], sa[1].title))
    return [a for _s, a in scored[:limit]]


# What customers do --------------------------------------------------------------------------

def record_view(article: Article, viewer: User | None) -> None:
    """Count the page shown: a signed-in customer's once an hour (answering shows the page
    again), anyone else's each time; staff reading it are not views."""
    if viewer is not None and viewer.is_authenticated and viewer.is_staff:
        return
    customer_id = viewer.id if viewer is not None and viewer.is_authenticated else None
    if customer_id is not None and db.session.scalar(select(ArticleView.id).where(
            ArticleView.article_id == article.id, ArticleView.customer_id == customer_id,
            ArticleView.created_at >= utcnow() - IMPRESSION_WINDOW).limit(1)):
        return
    db.session.add(ArticleView(article_id=article.id, customer_id=customer_id))
    effects.commit()


def suggest(customer: User, title: str, category_id: int | None) -> list[Article]:
    """Articles for what the customer is typing, each noted as suggested to them."""
    found = search(title, category_id, SUGGESTIONS)
    if not found:
        return []
    since = utcnow() - IMPRESSION_WINDOW
    seen = set(db.session.scalars(select(ArticleSuggestion.article_id).where(
        ArticleSuggestion.customer_id == customer.id, ArticleSuggestion.created_at >= since)))
    category = _category(category_id)
    for article in found:
        if article.id not in seen:
            db.session.add(ArticleSuggestion(article_id=article.id, customer_id=customer.id,
                                             category_id=category.id if category else None))
    effects.commit()
    return found


def vote(customer: User, article: Article, answered: bool) -> ArticleVote:
    """Record "Did this answer your question?"; answering again replaces the answer (and
    restarts its seven days: deflection is counted from the latest answer)."""
    row = db.session.scalar(select(ArticleVote).where(
        ArticleVote.article_id == article.id, ArticleVote.customer_id == customer.id))
    row = row or ArticleVote(article_id=article.id, customer_id=customer.id)
    row.answered, row.created_at = answered, utcnow()
    db.session.add(row)
    effects.commit()
    return row


def vote_of(customer: User, article: Article) -> ArticleVote | None:
    if not customer.is_authenticated or customer.is_staff:
        return None
    return db.session.scalar(select(ArticleVote).where(
        ArticleVote.article_id == article.id, ArticleVote.customer_id == customer.id))
