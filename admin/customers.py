"""One page per customer: profile, facts, and every case and contact in every department."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.extensions import db
from portal.models import Department, EventKind, Role
from portal.services import customers, organisations
from portal.services.errors import NotFound, ServiceError
from portal.web.numbers import record_id

from . import bp
from .decorators import staff_required
from .forms import FactForm

SHOW = {"contacts": tuple(k.value for k in customers.CONTACT_KINDS), "all": ()}


def _customer(customer_id: int):
    try:
        return customers.get_customer_for_staff(current_user, customer_id)
    except NotFound:
        abort(404)


def _page(customer, fact_form=None, code: int = 200):
    show = request.args.get("show", "all")
    department_id = request.args.get("department", 0, type=record_id)
    if show not in SHOW:
        abort(400)
    story = customers.history(customer, current_user, SHOW[show], department_id or None)
    deps = db.session.scalars(select(Department).order_by(Department.name))
    return render_template(
        "admin/customers/history.html", customer=customer, story=story,
        facts=customers.facts_for(customer), fact_form=fact_form or FactForm(formdata=None),
        departments=list(deps), show=show, department_id=department_id,
        kinds=EventKind, organisation=organisations.of(customer),
    ), code


@bp.get("/customers/<int:customer_id>")
@staff_required(Role.AGENT)
def customer_history(customer_id: int):
    return _page(_customer(customer_id))


@bp.post("/customers/<int:customer_id>/facts")
@staff_required(Role.AGENT)
def add_fact(customer_id: int):
    customer = _customer(customer_id)
    form = FactForm()
    if form.validate_on_submit():
        try:
            customers.set_fact(customer, current_user, form.kind.data, form.value.data)
        except ServiceError as exc:
            form.value.errors.append(exc.message)
        else:
            flash(_("Detail saved. Every department sees it now."), "success")
            return redirect(url_for("admin.customer_history", customer_id=customer.id) + "#facts")
    return _page(customer, form, 422)
