"""Staff two-factor sign-in pages: the code step, enrolment, recovery codes."""

from __future__ import annotations

import secrets

import segno
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal import ratelimit
from portal.customer.forms import ConfirmForm, TimeZoneForm
from portal.models import User
from portal.services import two_factor
from portal.services.errors import ServiceError
from portal.web.formatting import zone_for
from portal.web.urls import safe_next

from . import bp, pending
from .decorators import staff_required
from .forms import EnrolTwoFactorForm, TwoFactorCodeForm

ENROL_NONCE = "two_factor_nonce"
# Secrets and recovery codes must not stay in any cache, nor leak through a Referer.
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _restart():
    flash(_("Your sign-in was interrupted or took too long. Please sign in again."), "info")
    return redirect(url_for("admin.login"))


@bp.route("/login/code", methods=["GET", "POST"])
@ratelimit.two_factor
def two_factor_code():
    user = pending.user()
    if user is None:
        return _restart()
    if not two_factor.is_enrolled(user):
        return redirect(url_for("admin.two_factor_setup"))
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        kind = two_factor.verify(user, form.code.data)
        if kind is not None:
            done = pending.next_path(url_for("admin.queue"))
            pending.finish(user)
            if kind == "recovery":
                left = two_factor.recovery_codes_left(user)
                flash(ngettext("You used a recovery code; %(num)d is left. Make new ones under "
                               "Your sign-in security.",
                               "You used a recovery code; %(num)d are left. Make new ones under "
                               "Your sign-in security.", left), "info")
            return redirect(done)
        form.code.errors.append(two_factor.WRONG_CODE)
    status = 422 if form.is_submitted() else 200
    return render_template("admin/two_factor/code.html", form=form), status


def _enrolling() -> tuple[User | None, bool]:
    """Who is setting up: the signed-in staff member, or the one half signed in (True)."""
    if current_user.is_authenticated:
        if not current_user.is_staff:
            abort(404)
        return current_user._get_current_object(), False
    return pending.user(), True


def _qr_code(uri: str) -> str:
    # An inline SVG data URL: no script, no request to anyone else (CSP: img-src data:).
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@ratelimit.two_factor
def two_factor_setup():
    user, half_signed_in = _enrolling()
    if user is None:
        return _restart()
    if two_factor.is_enrolled(user):
        return redirect(url_for("admin.account_security"))
    done = pending.next_path(url_for("admin.queue")) if half_signed_in else \
        safe_next(request.args.get("next"), url_for("admin.account_security"))
    form = EnrolTwoFactorForm()
    # The session keeps a nonce, not the secret: the secret is derived from it (see
    # two_factor.offered_secret), so this page stores nothing until a code proves the app.
    nonce = session.setdefault(ENROL_NONCE, secrets.token_urlsafe(16))
    secret = two_factor.offered_secret(user, nonce)
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_enrolment(user, secret, form.code.data)
        except ServiceError as exc:
            form.code.errors.append(exc.message)
        else:
            session.pop(ENROL_NONCE, None)
            if half_signed_in:
                pending.finish(user)
            else:
                pending.passed_gate(user)
            return _show_codes(codes, done)
    page = render_template(
        "admin/two_factor/setup.html", form=form, required=two_factor.required_for(user),
        qr=_qr_code(two_factor.provisioning_uri(user, secret)),
        key=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)))
    return page, 422 if form.is_submitted() else 200, PRIVATE


def _show_codes(codes: list[str], continue_url: str):
    page = render_template("admin/two_factor/recovery_codes.html", codes=codes,
                           continue_url=continue_url)
    return page, 200, PRIVATE


@bp.get("/account/security")
@staff_required()
def account_security():
    user = current_user._get_current_object()
    return render_template(
        "admin/two_factor/account.html", enrolled=two_factor.is_enrolled(user),
        required=two_factor.required_for(user), left=two_factor.recovery_codes_left(user),
        form=ConfirmForm(), zone_form=TimeZoneForm(formdata=None, timezone=zone_for().key))


@bp.post("/account/security/recovery-codes")
@staff_required()
def new_recovery_codes():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        codes = two_factor.replace_recovery_codes(current_user._get_current_object())
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.account_security"))
    return _show_codes(codes, url_for("admin.account_security"))
