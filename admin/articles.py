"""Help articles: list, write (with a preview), publish, history, and what they achieved."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.models import Article, Role
from portal.services import article_stats, help_articles
from portal.services.errors import ServiceError
from portal.web.choices import options

from . import bp
from .article_forms import ArticleForm
from .decorators import staff_required
from .forms import ConfirmForm
from .views import found, refuse


def _form(article: Article | None) -> ArticleForm:
    if article is not None and request.method == "GET":
        form = ArticleForm(data={"title": article.title, "body": article.body,
                                 "category": article.category_id})
    else:
        form = ArticleForm()
    form.category.choices = options(
        [(0, _("Choose…"))]
        + [(c.id, c.name) for c in help_articles.editable_categories(current_user)])
    return form


def _editor(form: ArticleForm, article: Article | None, code: int = 200, preview=None):
    return render_template(
        "admin/articles/edit.html", form=form, article=article, preview=preview,
        confirm=ConfirmForm(), can_publish=article is not None
        and help_articles.can_publish(current_user, article)), code


@bp.get("/articles")
@staff_required(Role.AGENT)
def articles_list():
    return render_template("admin/articles/list.html", articles=help_articles.all_articles(),
                           can_edit=lambda a: help_articles.can_edit(current_user, a))


@bp.route("/articles/new", methods=["GET", "POST"])
@bp.route("/articles/<int:article_id>", methods=["GET", "POST"])
@staff_required(Role.AGENT)
def edit_article(article_id: int | None = None):
    """Write or change an article; "Preview" shows it as customers will, saving nothing."""
    article = found(help_articles.get, article_id) if article_id else None
    if article is not None and not help_articles.can_edit(current_user, article):
        abort(403)
    form = _form(article)
    if request.method == "GET":
        return _editor(form, article)
    if not form.validate_on_submit():
        return _editor(form, article, 422)
    if request.form.get("action") == "preview":
        return _editor(form, article, preview=help_articles.render(form.body.data))
    try:
        article = help_articles.save(current_user, form.title.data, form.body.data,
                                     form.category.data, article)
    except ServiceError as exc:
        refuse(form, exc, "body")
        return _editor(form, article, 422)
    flash(_("Article saved."), "success")
    return redirect(url_for("admin.edit_article", article_id=article.id))


@bp.post("/articles/<int:article_id>/publish")
@staff_required(Role.AGENT)
def publish_article(article_id: int):
    article = found(help_articles.get, article_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    publish = request.form.get("published") == "1"
    try:
        help_articles.set_published(current_user, article, publish)
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Published: customers can read it.") if publish
              else _("Unpublished: customers no longer see it."), "success")
    return redirect(url_for("admin.edit_article", article_id=article.id))


@bp.get("/articles/<int:article_id>/history")
@staff_required(Role.AGENT)
def article_history(article_id: int):
    article = found(help_articles.get, article_id)
    return render_template("admin/articles/history.html", article=article,
                           versions=help_articles.history(article))


@bp.get("/articles/dashboard")
@staff_required(Role.AGENT)
def articles_dashboard():
    rows = article_stats.numbers(help_articles.all_articles())
    return render_template("admin/articles/dashboard.html", rows=rows,
                           window_days=article_stats.WINDOW.days)
