"""One page per customer: profile, facts, and every case and contact in every department."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal import scheduler
from portal.extensions import db
from portal.models import Department, EventKind, Role
from portal.services import customers, data_export, erasure, organisations
from portal.services.errors import NotFound
from portal.web.files import send_zip
from portal.web.numbers import record_id

from . import bp
from .decorators import admin_only, staff_required
from .forms import ConfirmForm, EraseCustomerForm, FactForm
from .views import arg_choice, found, saved

SHOW = {"contacts": tuple(k.value for k in customers.CONTACT_KINDS), "all": ()}


def _customer(customer_id: int):
    return found(customers.get_customer_for_staff, current_user, customer_id)


def _page(customer, fact_form=None, code: int = 200, erase_form=None):
    show = arg_choice("show", SHOW, "all")
    department_id = request.args.get("department", 0, type=record_id)
    story = customers.history(customer, current_user, SHOW[show], department_id or None)
    deps = db.session.scalars(select(Department).order_by(Department.name))
    return render_template(
        "admin/customers/history.html", customer=customer, story=story,
        facts=customers.facts_for(customer), fact_form=fact_form or FactForm(formdata=None),
        departments=list(deps), show=show, department_id=department_id,
        kinds=EventKind, organisation=organisations.of(customer),
        **_your_data(customer, erase_form),
    ), code


def _your_data(customer, erase_form=None) -> dict:
    """The customer's data rights box, for admins only (docs/your-data.md)."""
    if current_user.role != Role.ADMIN:
        return {"data_rights": False}
    return {"data_rights": True, "export": data_export.latest(customer, current_user),
            "erasure": erasure.pending(customer), "confirm": ConfirmForm(),
            "erase_form": erase_form or EraseCustomerForm(formdata=None)}


@bp.get("/customers/<int:customer_id>")
@staff_required(Role.AGENT)
def customer_history(customer_id: int):
    return _page(_customer(customer_id))


@bp.post("/customers/<int:customer_id>/facts")
@staff_required(Role.AGENT)
def add_fact(customer_id: int):
    customer = _customer(customer_id)
    form = FactForm()
    if saved(form, lambda: customers.set_fact(customer, current_user, form.kind.data,
                                              form.value.data), "value"):
        flash(_("Detail saved. Every department sees it now."), "success")
        return redirect(url_for("admin.customer_history", customer_id=customer.id) + "#facts")
    return _page(customer, form, 422)


# --- The customer's data rights, run by an admin on their request (docs/your-data.md) ---

def _back(customer):
    return redirect(url_for("admin.customer_history", customer_id=customer.id) + "#your-data")


@bp.post("/customers/<int:customer_id>/data/export")
@admin_only
def customer_data_export(customer_id: int):
    customer = _customer(customer_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    data_export.request_export(customer, current_user)
    scheduler.kick(current_app._get_current_object())
    flash(_("Putting the customer's data together; we email you a link when it is ready."),
          "success")
    return _back(customer)


@bp.get("/customers/<int:customer_id>/data/<int:request_id>/download")
@admin_only
def customer_data_download(customer_id: int, request_id: int):
    customer = _customer(customer_id)
    try:
        path, name = data_export.download(request_id, current_user)
    except NotFound:
        abort(404)
    if data_export.get_request(request_id, current_user).customer_id != customer.id:
        abort(404)
    return send_zip(path, name)


@bp.post("/customers/<int:customer_id>/data/delete")
@admin_only
def customer_data_delete(customer_id: int):
    customer = _customer(customer_id)
    form = EraseCustomerForm()
    if saved(form, lambda: erasure.request_erasure(customer, current_user, form.confirm.data),
             "confirm"):
        flash(_("The account will be erased after the grace period; the customer can keep "
                "it by signing in before then."), "success")
        return _back(customer)
    return _page(customer, code=422, erase_form=form)


@bp.post("/customers/<int:customer_id>/data/keep")
@admin_only
def customer_data_keep(customer_id: int):
    customer = _customer(customer_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if erasure.cancel(customer, current_user):
        flash(_("The erasure is cancelled: the account stays."), "success")
    return _back(customer)
