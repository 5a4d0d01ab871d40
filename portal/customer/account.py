"""Sign-in (password or one-time link), sign-up, sign-out, password reset."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.web.lazy_text import lazy_gettext as _l

from .. import ratelimit
from ..auth import end_session, start_session
from ..services import accounts
from ..services.errors import ServiceError
from ..services.notifications import FEEDBACK_ANSWERS
from ..web.form_input import form_page, refuse
from ..web.urls import safe_next
from . import bp
from .forms import (
    ConfirmForm,
    LinkRequestForm,
    NewPasswordForm,
    PasswordSignInForm,
    SignUpForm,
)

NO_REFERRER = {"Referrer-Policy": "no-referrer"}
LINK_SENT = _l("If that address has an account, we have emailed it a sign-in link. "
               "It works once, within 10 minutes.")
LINK_RENEWED = _l("If that link was one of ours, we have emailed a new one to the address it "
                  "was sent to. It works once, within 10 minutes.")


@bp.get("/")
def home():
    if current_user.is_authenticated and not current_user.is_staff:
        return redirect(url_for("customer.my_cases"))
    return redirect(url_for("customer.login"))


@bp.route("/login", methods=["GET", "POST"])
@ratelimit.sign_in
def login():
    form, link_form = PasswordSignInForm(), LinkRequestForm(prefix="link")
    next_path = safe_next(request.args.get("next"), url_for("customer.my_cases"))
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data, staff=False)
        if user and user.email_verified_at is None:
            accounts.request_sign_in_link(user.email)
            flash(_("Confirm your email first: we have sent you a new link."), "info")
        elif user:
            start_session(user)
            return redirect(next_path)
        else:
            form.password.errors.append(_("That email and password do not match an account."))
        return render_template("portal/auth/login.html", form=form, link_form=link_form), 422
    status = 422 if form.is_submitted() else 200  # a refused form (a malformed email) is 422
    return render_template("portal/auth/login.html", form=form, link_form=link_form), status


@bp.post("/login/link")
@ratelimit.email_link
def request_link():
    form, link_form = PasswordSignInForm(formdata=None), LinkRequestForm(prefix="link")
    if not link_form.validate_on_submit():
        return render_template("portal/auth/login.html", form=form, link_form=link_form), 422
    next_path = safe_next(request.args.get("next"), "") or None
    accounts.request_sign_in_link(link_form.email.data, next_path)
    return _link_sent(LINK_SENT)


@bp.route("/login/link/<token>", methods=["GET", "POST"])
def confirm_link(token: str):
    # Mail scanners fetch links: a GET only shows a button; the POST uses the link up.
    link = accounts.find_link(token)
    if link is None or link.purpose != accounts.SIGN_IN:
        return _link_invalid(token)
    if current_user.is_authenticated:
        if current_user.id == link.user_id:  # used or not: they are in already
            return redirect(_landing(link.next_path))
        # Never show one person's case to another, nor swap accounts behind their back.
        return render_template("portal/auth/link_other_account.html"), 403, NO_REFERRER
    form = ConfirmForm()
    if form.validate_on_submit():
        used = accounts.consume_sign_in_link(token)
        if used is None:
            return _link_invalid(token)
        start_session(used.user)
        return redirect(_landing(used.next_path))
    if accounts.peek_token(token, accounts.SIGN_IN) is None:
        return _link_invalid(token)
    return render_template("portal/auth/link_confirm.html", form=form), 200, NO_REFERRER


def _landing(next_path: str | None) -> str:
    """Where a sign-in link leads; a feedback link in an email pre-selects its answer."""
    target = safe_next(next_path, url_for("customer.my_cases"))
    solved = request.args.get("solved")
    if next_path and solved in FEEDBACK_ANSWERS:
        target = f"{target}{'&' if '?' in target else '?'}solved={solved}#feedback"
    return target


def _link_sent(message: str) -> str:
    """"Check your email": the page after every request for a link."""
    return render_template("portal/auth/link_sent.html", message=message)


def _link_invalid(token: str):
    """Expired, used or unknown alike: explain, and offer a fresh link in one click."""
    return (render_template("portal/auth/link_invalid.html", token=token, form=ConfirmForm()),
            404, NO_REFERRER)


@bp.post("/login/link/<token>/renew")
@ratelimit.renew_link
def renew_link(token: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    accounts.renew_link(token)
    return _link_sent(LINK_RENEWED), 200, NO_REFERRER


@bp.route("/signup", methods=["GET", "POST"])
@ratelimit.email_link
def signup():
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            accounts.sign_up(form.email.data, form.name.data, form.password.data)
        except ServiceError as exc:
            refuse(form, exc, "email")
        else:
            return _link_sent(_("Check your email: we have sent you a link to confirm your "
                                "address and sign in. It works once, within 10 minutes."))
    return form_page("portal/auth/signup.html", form)


@bp.post("/logout")
def logout():
    end_session()
    flash(_("You are signed out."), "info")
    return redirect(url_for("customer.login"))


@bp.route("/reset", methods=["GET", "POST"])
@ratelimit.email_link
def reset_request():
    form = LinkRequestForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        return _link_sent(_("If that address has an account, we have emailed it a link to "
                            "choose a new password. It works once, within 10 minutes."))
    return form_page("portal/auth/reset_request.html", form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if accounts.peek_token(token, accounts.RESET) is None:
        return _link_invalid(token)
    form = NewPasswordForm()
    if form.validate_on_submit():
        user = accounts.reset_password(token, form.password.data)
        if user is None:
            return _link_invalid(token)
        flash(_("Your password is changed. Sign in with it now."), "success")
        return redirect(url_for("admin.login" if user.is_staff else "customer.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("portal/auth/reset_password.html", form=form), status, NO_REFERRER
