"""Admin settings for performance standards (first response, update cadence, resolution)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.extensions import db
from portal.models import Category, Priority, Standard
from portal.services import standards
from portal.services.errors import NotFound
from portal.web.choices import options

from . import bp
from .decorators import admin_only  # refusals are audited like every settings change
from .forms import ConfirmForm, StandardForm
from .views import saved


def _form(std: Standard | None = None) -> StandardForm:
    data = None if std is None else {
        "category": std.category_id or 0, "priority": std.priority or "",
        "first_response_minutes": std.first_response_minutes,
        "update_minutes": std.update_minutes, "resolution_minutes": std.resolution_minutes}
    form = StandardForm(data=data) if data and request.method == "GET" else StandardForm()
    cats = db.session.scalars(select(Category).order_by(Category.name))
    form.category.choices = options([(0, _("Any category"))] + [(c.id, c.name) for c in cats])
    return form


def _page(form: StandardForm, editing: Standard | None = None, code: int = 200):
    return render_template("admin/standards.html", standards=standards.all_standards(),
                           form=form, editing=editing, describe=standards.describe,
                           delete_form=ConfirmForm()), code


@bp.get("/settings/standards")
@admin_only
def standards_list():
    return _page(_form())


@bp.route("/settings/standards/<int:standard_id>", methods=["GET", "POST"])
@bp.post("/settings/standards")
@admin_only
def save_standard(standard_id: int | None = None):
    editing = db.session.get(Standard, standard_id) if standard_id else None
    if standard_id and editing is None:
        abort(404)
    form = _form(editing)
    if request.method == "GET":
        return _page(form, editing)
    if saved(form, lambda: standards.save(
            current_user, db.session.get(Category, form.category.data),
            Priority(form.priority.data) if form.priority.data else None,
            form.first_response_minutes.data, form.update_minutes.data,
            form.resolution_minutes.data, standard_id), "category"):
        flash(_("Standard saved. Cases are measured against it from now on."), "success")
        return redirect(url_for("admin.standards_list"))
    return _page(form, editing, 422)


@bp.post("/settings/standards/<int:standard_id>/delete")
@admin_only
def delete_standard(standard_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        standards.delete(current_user, standard_id)
    except NotFound:
        abort(404)
    flash(_("Standard removed."), "success")
    return redirect(url_for("admin.standards_list"))
