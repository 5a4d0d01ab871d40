"""The customer's profile: the details they gave us once, to check and correct."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ..auth import customer_required
from ..services import customers
from ..services.errors import NotFound, ServiceError
from . import bp
from .forms import ConfirmForm, FactForm


def _page(form=None, code: int = 200):
    return render_template("portal/profile.html", facts=customers.facts_for(current_user),
                           form=form or FactForm(formdata=None), confirm=ConfirmForm()), code


@bp.get("/profile")
@customer_required
def profile():
    return _page()


@bp.post("/profile/facts")
@bp.post("/profile/facts/<int:fact_id>")
@customer_required
def save_fact(fact_id: int | None = None):
    form = FactForm()
    if form.validate_on_submit():
        try:
            customers.set_fact(current_user, current_user, form.kind.data, form.value.data,
                               fact_id)
        except NotFound:
            abort(404)
        except ServiceError as exc:
            form.value.errors.append(exc.message)
        else:
            flash("Saved. Everyone who works on your cases sees it.", "success")
            return redirect(url_for("customer.profile"))
    return _page(form, 422)


@bp.post("/profile/facts/<int:fact_id>/remove")
@customer_required
def remove_fact(fact_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        customers.remove_fact(current_user, fact_id)
    except NotFound:
        abort(404)
    flash("Removed.", "success")
    return redirect(url_for("customer.profile"))


@bp.post("/profile/confirm")
@customer_required
def confirm_facts():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    customers.confirm_facts(current_user)
    flash("Thank you: your details are confirmed.", "success")
    return redirect(url_for("customer.profile"))
