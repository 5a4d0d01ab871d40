"""The customer's profile: the details they gave us once, to check and correct."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.web.lazy_text import lazy_gettext as _l

from .. import scheduler
from ..auth import customer_required, end_session
from ..models import EmailUpdates
from ..services import customers, data_export, erasure, notification_prefs, time_zones
from ..services.errors import NotFound, ServiceError
from ..web.files import send_zip
from ..web.form_input import refuse, saved
from ..web.formatting import zone_city, zone_for
from ..web.htmx import wants_fragment
from ..web.urls import safe_next
from . import bp
from .forms import ConfirmForm, DeleteAccountForm, EmailUpdatesForm, FactForm, TimeZoneForm

UPDATES_SAVED = {
    EmailUpdates.IMMEDIATE: _l("Saved: we email you as each update happens."),
    EmailUpdates.DAILY: _l("Saved: one summary a day, on days when something changed."),
}

PORTAL_ONLY_SAVED = _l("Saved: no email about changes to your cases; you see them on your "
                       "case pages. Sign-in links, and anything we need from you, still come.")


def _page(form=None, code: int = 200, updates_form=None, delete_form=None):
    updates_form = updates_form or EmailUpdatesForm(
        formdata=None, email_updates=current_user.email_updates.value,
        channel="email" if current_user.updates_by_email else "portal")
    return render_template("portal/profile.html", facts=customers.facts_for(current_user),
                           form=form or FactForm(formdata=None), confirm=ConfirmForm(),
                           updates_form=updates_form,
                           muted_cases=notification_prefs.muted_cases(current_user),
                           zone_form=TimeZoneForm(formdata=None, timezone=zone_for().key),
                           export=data_export.latest(current_user, current_user),
                           erasure=erasure.pending(current_user),
                           delete_form=delete_form or DeleteAccountForm(formdata=None)), code


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
            refuse(form, exc, "value")
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
            refuse(form, exc, "email_updates")
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


# --- Your data: a download of everything, and deleting the account (docs/your-data.md) ---

YOUR_DATA = "#your-data"


@bp.post("/profile/data/export")
@customer_required
def export_data():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    data_export.request_export(current_user, current_user)
    scheduler.kick(current_app._get_current_object())
    if wants_fragment():
        return export_status()
    flash(_("We are putting your data together. This page shows when it is ready, and we "
            "email you a link."), "success")
    return redirect(url_for("customer.profile") + YOUR_DATA)


@bp.get("/profile/data/export")
@customer_required
def export_status():
    """The progress box alone: htmx polls it while the download is being built."""
    return render_template("portal/_your_data_export.html",
                           export=data_export.latest(current_user, current_user),
                           confirm=ConfirmForm())


@bp.get("/profile/data/<int:request_id>/download")
@customer_required
def download_data(request_id: int):
    try:
        path, name = data_export.download(request_id, current_user)
    except NotFound:
        abort(404)
    return send_zip(path, name)


@bp.post("/profile/data/delete")
@customer_required
def delete_account():
    form = DeleteAccountForm()
    if saved(form, lambda: erasure.request_erasure(current_user, current_user, form.confirm.data),
             "confirm"):
        end_session()
        flash(_("Your account will be deleted in %(days)d days. Changed your mind? Sign "
                "in before then and keep it.",
                days=current_app.config["ERASURE_GRACE_DAYS"]), "success")
        return redirect(url_for("customer.login"))
    return _page(code=422, delete_form=form)


@bp.post("/profile/data/keep")
@customer_required
def keep_account():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if erasure.cancel(current_user, current_user):
        flash(_("Your account stays: nothing will be deleted."), "success")
    return redirect(url_for("customer.profile") + YOUR_DATA)
