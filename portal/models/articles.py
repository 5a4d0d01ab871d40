"""Help articles: Markdown answers per category, their history, and what customers did with
them (views, "this answered me", the suggestions shown while they typed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

# The text PostgreSQL searches: the title weighs more than the body. The GIN index of the
# same expression (migration 0022, PostgreSQL only) is what `help_articles.search` uses.
SEARCH_CONFIG = "english"
SEARCH_VECTOR = (f"setweight(to_tsvector('{SEARCH_CONFIG}', title), 'A') || "
                 f"setweight(to_tsvector('{SEARCH_CONFIG}', body), 'B')")


class Article(db.Model):
    """A help article: a draft only staff see, or published for everyone on /help."""

    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_search", text(f"({SEARCH_VECTOR})"),
              postgresql_using="gin").ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    title: Mapped[str] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(Text)  # Markdown, rendered and sanitised when shown
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    published: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category = relationship("Category", lazy="joined")
    revisions: Mapped[list[ArticleRevision]] = relationship(
        back_populates="article", order_by="ArticleRevision.id", cascade="all, delete-orphan",
        lazy="select")

    def __repr__(self) -> str:
        return f"<Article {self.id} {self.slug}>"


class ArticleRevision(db.Model):
    """One saved version: who saved it, when, and the words then."""

    __tablename__ = "article_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"),
                                            index=True)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    article: Mapped[Article] = relationship(back_populates="revisions")
    editor = relationship("User", lazy="joined")


class ArticleView(db.Model):
    """The article page shown to a customer (customer None: someone not signed in)."""

    __tablename__ = "article_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"),
                                            index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ArticleVote(db.Model):
    """A signed-in customer's answer to "Did this answer your question?"; the latest counts."""

    __tablename__ = "article_votes"
    __table_args__ = (UniqueConstraint("article_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"),
                                            index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                             index=True)
    answered: Mapped[bool] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ArticleSuggestion(db.Model):
    """An article suggested to a customer on the new-case form (the category they had chosen,
    if any); at most one row per customer and article an hour."""

    __tablename__ = "article_suggestions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"),
                                            index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                             index=True)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
