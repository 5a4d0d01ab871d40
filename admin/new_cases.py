"""Staff open a case for a caller: find the customer (or take them on), then the case."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.models import Role
from portal.services import intake
from portal.services.errors import NotFound, ServiceError
from portal.web.choices import options
from portal.web.htmx import wants_fragment
from portal.web.numbers import record_id

from . import bp
from .decorators import staff_required
from .new_case_forms import StaffCaseForm
from .views import refuse


@bp.get("/new-case")
@staff_required(Role.AGENT)
def new_case_find():
    """Find the customer; an htmx search gets the results alone."""
    q = request.args.get("q", "")[:100]
    context = {"q": q, "found": intake.find_customers(q), "prefill": _prefill(q)}
    if wants_fragment():
        return render_template("admin/new_case/_customers.html", **context)
    return render_template("admin/new_case/find.html", **context)


def _prefill(q: str) -> dict[str, str]:
    """What was searched for, as the new customer's email, phone or name."""
    q = " ".join(q.split())
    if "@" in q:
        return {"email": q}
    if q and sum(ch.isdigit() for ch in q) * 2 >= len(q.replace(" ", "")):
        return {"phone": q}
    return {"name": q} if q else {}


def _customer():
    """The chosen customer (?customer=id), or None for a new one; 404 for anyone else."""
    customer_id = request.args.get("customer", 0, type=record_id)
    if not customer_id:
        return None
    try:
        return intake.get_customer(customer_id)
    except NotFound:
        abort(404)


def fill_categories(form) -> bool:
    """Offer the categories of the user's departments; False when there are none."""
    categories = intake.categories_for(current_user)
    form.category.choices = options([(0, _("Choose…"))] + [
        (c.id, f"{c.name} ({c.department.name})") for c in categories])
    return bool(categories)


def _form_page(form: StaffCaseForm, customer, code: int = 200):
    return render_template("admin/new_case/form.html", form=form, customer=customer,
                           phone=intake.phone_of(customer) if customer else "",
                           no_categories=not fill_categories(form)), code


@bp.get("/new-case/details")
@staff_required(Role.AGENT)
def new_case_form():
    form = StaffCaseForm(formdata=None, data={k: request.args.get(k, "")[:254]
                                              for k in ("name", "email", "phone")})
    return _form_page(form, _customer())


@bp.post("/new-case/details")
@staff_required(Role.AGENT)
def new_case_open():
    """Open the case (and take on a new customer with it); 422 with every word kept."""
    customer, form = _customer(), StaffCaseForm()
    fill_categories(form)  # the choices the form is checked against
    valid = form.validate_on_submit()
    if customer is None and not (form.name.data or "").strip():
        form.name.errors = [*form.name.errors, _("Enter the customer's name.")]
        valid = False
    if valid:
        who = customer or intake.NewCustomer(form.name.data, form.email.data or "",
                                             form.phone.data or "")
        try:
            case = intake.open_for(current_user, who, form.category.data, form.channel.data,
                                   form.title.data, form.body.data,
                                   logged=form.written_as.data == "contact", once=form.once.data)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            flash(_("Case %(reference)s opened for %(name)s.", reference=case.reference,
                    name=case.customer.name), "success")
            return redirect(url_for("admin.workspace", reference=case.reference))
    return _form_page(form, customer, 422)
