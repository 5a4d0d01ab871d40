"""Help articles for customers: /help (search, by category), an article and "Did this answer
your question?", and the suggestions the new-case form shows while the title is typed.

Published articles are public: anyone may read and search them. Answering needs a
signed-in customer, so that an answer can be followed for seven days (deflection).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import customer_required
from ..services import help_articles
from ..services.errors import NotFound
from ..web.htmx import wants_fragment
from . import bp
from .help_forms import AnswerForm

SEEN = "articles_seen"  # set by the suggestions partial: the customer was shown them


def _published(slug: str):
    try:
        return help_articles.get_published(slug)
    except NotFound:
        abort(404)


@bp.get("/help")
def help_index():
    query = request.args.get("q", "", type=str)[:help_articles.MAX_QUERY].strip()
    results = help_articles.search(query) if query else None
    grouped = help_articles.published_by_category() if results is None else {}
    return render_template("portal/help/index.html", query=query, results=results,
                           grouped=grouped)


@bp.get("/help/<slug>")
def help_article(slug: str):
    article = _published(slug)
    html = render_template("portal/help/article.html", article=article,
                           body=help_articles.render(article.body), form=AnswerForm(),
                           vote=help_articles.vote_of(current_user, article))
    help_articles.record_view(article, current_user)
    return html


@bp.post("/help/<slug>/answer")
@customer_required
def answer_article(slug: str):
    article = _published(slug)
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400)
    answered = form.answered.data == "yes"
    help_articles.vote(current_user, article, answered)
    if answered:
        flash(_("Thank you. We are glad it answered your question."), "success")
    else:
        flash(_("Thank you for telling us. You can open a case and we will answer you."),
              "info")
    return redirect(url_for("customer.help_article", slug=article.slug))


@bp.get("/help/suggestions")
@customer_required
def article_suggestions():
    """The new-case form's suggestions for the title typed so far (an htmx fragment)."""
    articles = help_articles.suggest(current_user, request.args.get("title", "", type=str),
                                     request.args.get("category", 0, type=int) or None)
    if not wants_fragment():
        return redirect(url_for("customer.help_index", q=request.args.get("title", "")))
    return render_template("portal/_article_suggestions.html", articles=articles)


def suggestions_before_opening(form) -> list:
    """Without JavaScript: the articles to offer once on submit (none if already shown)."""
    if request.form.get(SEEN):
        return []
    return help_articles.suggest(current_user, form.title.data, form.category.data or None)
