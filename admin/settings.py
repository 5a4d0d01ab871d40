"""Admin settings: staff accounts, departments and categories (admins only)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from portal.models import User
from portal.services import business_hours, catalog, site_settings, staff, two_factor
from portal.services.errors import ServiceError

from . import bp
from .decorators import admin_only
from .settings_forms import (
    ROLE_LABELS,
    CategoryEditForm,
    CategoryForm,
    DepartmentForm,
    InviteStaffForm,
    SecuritySettingsForm,
    StaffAccessForm,
    StaffEditForm,
    with_departments,
)
from .views import form_page, found, saved


@bp.get("/settings")
@admin_only
def settings():
    return redirect(url_for("admin.staff_list"))


@bp.get("/settings/staff")
@admin_only
def staff_list():
    members = staff.staff_members()
    return render_template("admin/settings/staff.html", members=members,
                           enrolled=two_factor.enrolled_ids(members), role_labels=ROLE_LABELS)


@bp.route("/settings/staff/new", methods=["GET", "POST"])
@admin_only
def staff_new():
    form = with_departments(InviteStaffForm(), catalog.all_departments())
    if done := saved(form, lambda: staff.invite(current_user, form.name.data, form.email.data,
                                                form.role.data, form.departments.data)):
        flash(_("%(name)s is invited: we emailed %(email)s a link to choose a password.",
                name=done.value.name, email=done.value.email), "success")
        return redirect(url_for("admin.staff_list"))
    return form_page("admin/settings/staff_new.html", form)


def _edit_form(member: User, from_request: bool = True) -> StaffEditForm:
    current = {"role": member.role.value, "departments": sorted(member.department_ids)}
    form = StaffEditForm(data=current) if from_request else \
        StaffEditForm(formdata=None, data=current)
    return with_departments(form, catalog.all_departments())


@bp.route("/settings/staff/<int:user_id>", methods=["GET", "POST"])
@admin_only
def staff_edit(user_id: int):
    member = found(staff.get_staff, user_id)
    form = _edit_form(member)
    if done := saved(form, lambda: staff.update(current_user, member, form.role.data,
                                                form.departments.data)):
        flash(_("Saved %(name)s.", name=member.name) if done.value else _("Nothing to change."),
              "success")
        return redirect(url_for("admin.staff_list"))
    return form_page("admin/settings/staff_edit.html", form, **_member_panels(member))


def _member_panels(member: User) -> dict[str, Any]:
    """The side panels of a staff member's page: access and two-factor sign-in."""
    return {"member": member, "access_form": _access_form(member),
            "two_factor_on": two_factor.is_enrolled(member),
            "two_factor_needed": two_factor.required_for(member), "reset_form": FlaskForm()}


def _access_form(member: User) -> StaffAccessForm:
    """The deactivate or reactivate button, whichever applies now."""
    return StaffAccessForm(formdata=None, data={"active": "0" if member.active else "1"})


@bp.post("/settings/staff/<int:user_id>/access")
@admin_only
def staff_access(user_id: int):
    member = found(staff.get_staff, user_id)
    form = StaffAccessForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        changed = staff.set_active(current_user, member, form.active.data == "1")
    except ServiceError as exc:
        flash(exc.message, "error")
        page = render_template("admin/settings/staff_edit.html", form=_edit_form(member, False),
                               **_member_panels(member))
        return page, 422
    if changed:
        flash(_("%(name)s can sign in again.", name=member.name) if member.active else
              _("%(name)s is deactivated and signed out everywhere.", name=member.name), "success")
    return redirect(url_for("admin.staff_edit", user_id=member.id))


@bp.post("/settings/staff/<int:user_id>/two-factor/reset")
@admin_only
def staff_two_factor_reset(user_id: int):
    member = found(staff.get_staff, user_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    if two_factor.reset(current_user, member):
        flash(_("Two-factor sign-in of %(name)s is reset and they are signed out. They set it "
                "up again at their next sign-in.", name=member.name), "success")
    return redirect(url_for("admin.staff_edit", user_id=member.id))


@bp.route("/settings/security", methods=["GET", "POST"])
@admin_only
def security_settings():
    key = site_settings.AGENTS_NEED_TWO_FACTOR
    form = SecuritySettingsForm(data={key: site_settings.flag(key)})
    if form.validate_on_submit():
        changed = two_factor.set_agents_requirement(current_user,
                                                    form.agents_need_two_factor.data)
        flash(_("Saved.") if changed else _("Nothing to change."), "success")
        return redirect(url_for("admin.security_settings"))
    return form_page("admin/settings/security.html", form)


@bp.route("/settings/departments", methods=["GET", "POST"])
@admin_only
def departments():
    form = DepartmentForm()
    if done := saved(form, lambda: catalog.create_department(current_user, form.name.data)):
        flash(_("Added the department %(name)s.", name=done.value.name), "success")
        return redirect(url_for("admin.departments"))
    rows = catalog.departments_with_counts()
    return form_page("admin/settings/departments.html", form, rows=rows,
                 hours={dep.id: business_hours.summary(dep) for dep, _staff, _open in rows})


@bp.route("/settings/departments/<int:department_id>", methods=["GET", "POST"])
@admin_only
def department_edit(department_id: int):
    dep = found(catalog.get_department, department_id)
    form = DepartmentForm(data={"name": dep.name})
    if done := saved(form, lambda: catalog.rename_department(current_user, dep, form.name.data)):
        flash(_("Renamed to %(name)s.", name=dep.name) if done.value else _("Nothing to change."),
              "success")
        return redirect(url_for("admin.departments"))
    return form_page("admin/settings/department_edit.html", form, department=dep)


@bp.route("/settings/categories", methods=["GET", "POST"])
@admin_only
def categories():
    form = with_departments(CategoryForm(), catalog.all_departments())
    if done := saved(form, lambda: catalog.create_category(current_user, form.name.data,
                                                           form.department.data)):
        flash(_("Added the category %(name)s.", name=done.value.name), "success")
        return redirect(url_for("admin.categories"))
    return form_page("admin/settings/categories.html", form, rows=catalog.all_categories())


@bp.route("/settings/categories/<int:category_id>", methods=["GET", "POST"])
@admin_only
def category_edit(category_id: int):
    cat = found(catalog.get_category, category_id)
    current = {"name": cat.name, "department": cat.department_id, "active": cat.active}
    form = with_departments(CategoryEditForm(data=current), catalog.all_departments())
    if done := saved(form, lambda: catalog.update_category(current_user, cat, form.name.data,
                                                           form.department.data,
                                                           form.active.data)):
        flash(_("Saved %(name)s.", name=cat.name) if done.value else _("Nothing to change."),
              "success")
        return redirect(url_for("admin.categories"))
    return form_page("admin/settings/category_edit.html", form, category=cat)
