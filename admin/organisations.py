"""Organisations: the companies customers belong to, their domains, members and sharing."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.models import Organisation, Role
from portal.services import organisations
from portal.services.errors import NotFound

from . import bp
from .decorators import admin_only, staff_required
from .organisation_forms import MemberForm, OrganisationForm
from .views import found, saved


def _page(org: Organisation | None, form: OrganisationForm, member_form=None, code: int = 200):
    return render_template(
        "admin/organisations.html", organisation=org, form=form,
        member_form=member_form or MemberForm(formdata=None),
        members=organisations.members(org) if org else [],
        all_organisations=organisations.all_organisations()), code


def _form(org: Organisation | None) -> OrganisationForm:
    if org is not None and request.method == "GET":
        return OrganisationForm(data={"name": org.name, "domains": org.domains,
                                      "auto_join": org.auto_join, "sharing": org.sharing.value})
    return OrganisationForm()


# Managers see organisations; only admins change them: membership and sharing decide who
# sees which customer's cases, in every department (the API asks the same: a token for
# every department).
@bp.get("/organisations")
@staff_required(Role.MANAGER)
def organisations_list():
    return _page(None, _form(None))


@bp.get("/organisations/<int:organisation_id>")
@staff_required(Role.MANAGER)
def organisation(organisation_id: int):
    org = found(organisations.get, organisation_id)
    return _page(org, _form(org))


@bp.post("/organisations")
@bp.post("/organisations/<int:organisation_id>")
@admin_only
def save_organisation(organisation_id: int | None = None):
    """Create an organisation, or change one."""
    org = found(organisations.get, organisation_id) if organisation_id else None
    form = _form(org)

    def save() -> Organisation:
        fields = (form.name.data, form.domains.data, form.auto_join.data, form.sharing.data)
        if org is None:
            return organisations.create(current_user, *fields)
        return organisations.update(org, current_user, *fields)

    if done := saved(form, save, "name"):
        flash(_("Organisation saved."), "success")
        return redirect(url_for("admin.organisation", organisation_id=done.value.id))
    return _page(org, form, code=422)


@bp.post("/organisations/<int:organisation_id>/members")
@admin_only
def add_organisation_member(organisation_id: int):
    org = found(organisations.get, organisation_id)
    member_form = MemberForm()
    if done := saved(member_form, lambda: organisations.add_member(
            org, current_user, member_form.email.data), "email"):
        flash(_("%(name)s is a member now.", name=done.value.name), "success")
        return redirect(url_for("admin.organisation", organisation_id=org.id))
    return _page(org, _form(org), member_form, 422)


@bp.post("/organisations/<int:organisation_id>/members/<int:user_id>/remove")
@admin_only
def remove_organisation_member(organisation_id: int, user_id: int):
    org = found(organisations.get, organisation_id)
    try:
        organisations.remove_member(org, current_user, user_id)
    except NotFound:
        abort(404)
    flash(_("Removed from the organisation."), "success")
    return redirect(url_for("admin.organisation", organisation_id=org.id))
