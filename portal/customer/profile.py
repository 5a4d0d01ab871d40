"""The customer's profile: the details they gave us once, to check and correct."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.web.lazy_text import lazy_gettext as _l

from ..auth import customer_required
from ..models import EmailUpdates
from ..services import customers, notification_prefs, time_zones
from ..services.errors import NotFound, ServiceError
from ..web.formatting import zone_city, zone_for
from ..web.urls import safe_next
from . import bp
from .forms import ConfirmForm, EmailUpdatesForm, FactForm, TimeZoneForm

UPDATES_SAVED = {
    EmailUpdates.IMMEDIATE: _l("Saved: we email you as each update happens."),
    EmailUpdates.DAILY: _l("Saved: one summary a day, on days when something changed."),
}

PORTAL_ONLY_SAVED = _l("Saved: no email about changes to your cases; you see them on your "
                       "case pages. Sign-in links, and anything we need from you, still come.")


def _page(form=None, code: int = 200, updates_form=None):
    updates_form = updates_form or EmailUpdatesForm(
        formdata=None, email_updates=current_user.email_updates.value,
        channel="email" if current_user.updates_by_email else "portal")
    return render_template("portal/profile.html", facts=customers.facts_for(current_user),
                           form=form or FactForm(formdata=None), confirm=ConfirmForm(),
                           updates_form=updates_form,
                           muted_cases=notification_prefs.muted_cases(current_user),
                           zone_form=TimeZoneForm(formdata=None, timezone=zone_for().key)), code


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
            flash(_("Saved. Everyone who works on your cases sees it."), "success")
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
    flash(_("Removed."), "success")
    return redirect(url_for("customer.profile"))


@bp.post("/profile/confirm")
@customer_required
def confirm_facts():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    customers.confirm_facts(current_user)
    flash(_("Thank you: your details are confirmed."), "success")
    return redirect(url_for("customer.profile"))


@bp.post("/profile/email-updates")
@customer_required
def save_email_updates():
    form = EmailUpdatesForm()
    if form.validate_on_submit():
        try:
            notification_prefs.set_settings(current_user, current_user,
                                            by_email=None if not form.channel.data
                                            else form.channel.data == "email",
                                            timing=form.email_updates.data)
        except ServiceError as exc:
            form.email_updates.errors.append(exc.message)
        else:
            flash(str(UPDATES_SAVED[current_user.email_updates] if current_user.updates_by_email
                      else PORTAL_ONLY_SAVED), "success")
            return redirect(url_for("customer.profile") + "#email-updates")
    return _page(code=422, updates_form=form)


@bp.post("/profile/time-zone")
@customer_required
def save_time_zone():
    """Save the zone times are shown in, then go back to the page the form was on."""
    form = TimeZoneForm()
    if not form.validate_on_submit():
        abort(400)
    time_zones.set_timezone(current_user, form.timezone.data)
    flash(_("Saved: times are now shown in %(zone)s time.", zone=zone_city(form.timezone.data)),
          "success")
    return redirect(safe_next(form.next.data, url_for("customer.profile") + "#time-zone"))
