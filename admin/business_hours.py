"""Admin settings: a department's working hours, time zone and closed dates."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from portal.business_calendar import parse_week
from portal.models import Department
from portal.services import business_hours, catalog, stuck
from portal.services.errors import NotFound, ServiceError
from portal.web.formatting import dayyear

from . import bp
from .business_hours_forms import DAY_NAMES, ClosureForm, StuckForm, WeekForm, week_form
from .decorators import admin_only
from .views import found, refuse, saved

TEMPLATE = "admin/settings/department_hours.html"


def _saved_week_form(dep: Department, from_request: bool = True) -> WeekForm:
    return week_form(parse_week(dep.opening_hours), business_hours.zone_name(dep), from_request)


def _refuse_week(form: WeekForm, exc: ServiceError) -> None:
    """A refusal about the whole week shows above the days; others next to their field."""
    if exc.field == "days":
        form.week_errors.append(exc.message)
    else:
        refuse(form, exc)


def _page(dep: Department, week: WeekForm, closure: ClosureForm, code: int = 200,
          stuck_form: StuckForm | None = None) -> Any:
    stuck_form = stuck_form or StuckForm(formdata=None, stuck_after_days=dep.stuck_after_days)
    return render_template(TEMPLATE, department=dep, form=week, closure_form=closure,
                           day_names=DAY_NAMES, remove_form=FlaskForm(),
                           stuck_form=stuck_form), code


@bp.route("/settings/departments/<int:department_id>/hours", methods=["GET", "POST"])
@admin_only
def department_hours(department_id: int):
    dep = found(catalog.get_department, department_id)
    form = _saved_week_form(dep)
    if form.validate_on_submit():
        try:
            changed = business_hours.save_week(current_user, dep, form.week(),
                                               form.timezone.data)
        except ServiceError as exc:
            _refuse_week(form, exc)
        else:
            flash(_("Saved the working hours of %(name)s.", name=dep.name) if changed
                  else _("Nothing to change."), "success")
            return redirect(url_for("admin.department_hours", department_id=dep.id))
    return _page(dep, form, ClosureForm(formdata=None), 422 if form.is_submitted() else 200)


@bp.post("/settings/departments/<int:department_id>/closures")
@admin_only
def department_closure_add(department_id: int):
    dep = found(catalog.get_department, department_id)
    form = ClosureForm()
    if done := saved(form, lambda: business_hours.add_closure(current_user, dep, form.day.data,
                                                              form.name.data)):
        flash(_("Added %(what)s on %(day)s.", what=done.value.name,
                day=dayyear(done.value.day)), "success")
        return redirect(url_for("admin.department_hours", department_id=dep.id))
    return _page(dep, _saved_week_form(dep, False), form, 422)


@bp.post("/settings/departments/<int:department_id>/closures/<int:closure_id>/remove")
@admin_only
def department_closure_remove(department_id: int, closure_id: int):
    dep = found(catalog.get_department, department_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        business_hours.remove_closure(current_user, dep, closure_id)
    except NotFound:
        abort(404)
    flash(_("Removed the closed date."), "success")
    return redirect(url_for("admin.department_hours", department_id=dep.id))


@bp.post("/settings/departments/<int:department_id>/stuck")
@admin_only
def department_stuck_days(department_id: int):
    """How many quiet business days make a case of this department stuck; 422 when bad."""
    dep = found(catalog.get_department, department_id)
    form = StuckForm()
    if done := saved(form, lambda: stuck.set_days(current_user, dep, form.stuck_after_days.data)):
        flash(_("Saved: cases of %(name)s are stuck after %(days)d quiet business days.",
                name=dep.name, days=dep.stuck_after_days) if done.value
              else _("Nothing to change."), "success")
        return redirect(url_for("admin.department_hours", department_id=dep.id))
    return _page(dep, _saved_week_form(dep, False), ClosureForm(formdata=None), 422, form)
