"""Notification choices: one case's on/muted switch, and the signed manage link of every email.

The manage link authorises without signing in (its token is signed and names the person);
a GET only shows the choices, a POST (CSRF-checked) changes them. The one-click address of
the List-Unsubscribe header (RFC 8058) is the one POST without a CSRF token: mail clients
send it with the body `List-Unsubscribe=One-Click`, and the token alone authorises it.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import customer_required
from ..extensions import csrf
from ..services import cases, notification_prefs
from ..services.errors import NotFound
from ..services.notification_prefs import LinkExpired, LinkInvalid
from ..web.htmx import wants_fragment
from . import bp
from .forms import FollowForm, ManageNotificationsForm

NO_REFERRER = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


@bp.post("/cases/<reference>/notifications")
@customer_required
def case_notifications(reference: str):
    """Follow or mute one of the customer's own cases (404 for anyone else's)."""
    try:
        case = cases.get_case_for(current_user, reference)
    except NotFound:
        abort(404)
    form = FollowForm()
    if not form.validate_on_submit():
        abort(400)
    following = form.following.data == "on"
    notification_prefs.set_following(current_user, case, following, current_user)
    message = _("Notifications on: we email you about this case.") if following else \
        _("Muted: no more email about this case, unless we need something from you.")
    if wants_fragment():
        return render_template("portal/cases/_notifications.html", case=case,
                               following=following, notify_message=message)
    flash(message, "success")
    return redirect(url_for("customer.case_detail", reference=case.reference))


def _read(token: str):
    """The person and case of a manage link, or the page that says why it does not work."""
    try:
        return notification_prefs.read_manage_token(token), None
    except LinkExpired:
        return None, (render_template("portal/notifications/link_refused.html", expired=True),
                      410, NO_REFERRER)
    except LinkInvalid:
        return None, (render_template("portal/notifications/link_refused.html", expired=False),
                      404, NO_REFERRER)


@bp.route("/notifications/<token>", methods=["GET", "POST"])
def manage_notifications(token: str):
    found, refused = _read(token)
    if refused:
        return refused
    user, case = found
    form = ManageNotificationsForm()
    if form.validate_on_submit():
        flash(_apply(user, case, form.action.data), "success")
        return redirect(url_for("customer.manage_notifications", token=token), 303)
    if form.is_submitted():
        abort(400)
    return render_template(
        "portal/notifications/manage.html", form=form, person=user, case=case,
        following=case is not None and notification_prefs.is_following(user, case),
        muted=notification_prefs.muted_cases(user)), 200, NO_REFERRER


def _apply(user, case, action: str) -> str:
    """Carry out one button of the manage page; the flash message that says what it did."""
    if action in ("mute_case", "follow_case"):
        if case is None:
            abort(400)
        following = action == "follow_case"
        notification_prefs.set_following(user, case, following, user)
        return _("Email about %(reference)s is on again.", reference=case.reference) \
            if following else _("%(reference)s is muted: no more email about it, unless we "
                                "need something from you.", reference=case.reference)
    by_email = action == "email_on"
    notification_prefs.set_settings(user, user, by_email=by_email)
    return _("Email about your cases is on again.") if by_email else \
        _("No more email about your cases: you see every change on your case pages. Sign-in "
          "links, and anything we need from you, still come by email.")


@bp.route("/notifications/<token>/one-click", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: a mail client posts here without a session; the token authorises
def one_click_unsubscribe(token: str):
    """Mute the email's case (or, for mail about no case, all case email) in one POST."""
    if request.method == "GET":  # opened in a browser: the page with buttons, nothing changed
        return redirect(url_for("customer.manage_notifications", token=token))
    if request.form.get("List-Unsubscribe") != "One-Click":
        abort(400)
    found, refused = _read(token)
    if refused:
        return refused
    user, case = found
    if case is not None:
        notification_prefs.set_following(user, case, False, user)
    else:
        notification_prefs.set_settings(user, user, by_email=False)
    return _("Unsubscribed."), 200, {"Content-Type": "text/plain; charset=utf-8", **NO_REFERRER}
