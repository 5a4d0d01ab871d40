"""Sign-in (password or one-time link), sign-up, sign-out, password reset."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth import end_session, start_session
from ..services import accounts
from ..services.errors import ServiceError
from ..urls import safe_next
from . import bp
from .forms import (
    ConfirmForm,
    LinkRequestForm,
    NewPasswordForm,
    PasswordSignInForm,
    SignUpForm,
)

NO_REFERRER = {"Referrer-Policy": "no-referrer"}
LINK_SENT = ("If that address has an account, we have emailed it a sign-in link. "
             "It works once, within 10 minutes.")


@bp.get("/")
def home():
    if current_user.is_authenticated and not current_user.is_staff:
        return redirect(url_for("customer.my_cases"))
    return redirect(url_for("customer.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    form, link_form = PasswordSignInForm(), LinkRequestForm(prefix="link")
    next_path = safe_next(request.args.get("next"), url_for("customer.my_cases"))
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data, staff=False)
        if user and user.email_verified_at is None:
            accounts.request_sign_in_link(user.email)
            flash("Confirm your email first: we have sent you a new link.", "info")
        elif user:
            start_session(user)
            return redirect(next_path)
        else:
            form.password.errors.append("That email and password do not match an account.")
        return render_template("portal/auth/login.html", form=form, link_form=link_form), 422
    return render_template("portal/auth/login.html", form=form, link_form=link_form)


@bp.post("/login/link")
def request_link():
    form, link_form = PasswordSignInForm(formdata=None), LinkRequestForm(prefix="link")
    if not link_form.validate_on_submit():
        return render_template("portal/auth/login.html", form=form, link_form=link_form), 422
    next_path = safe_next(request.args.get("next"), "") or None
    accounts.request_sign_in_link(link_form.email.data, next_path)
    return render_template("portal/auth/link_sent.html", message=LINK_SENT)


@bp.route("/login/link/<token>", methods=["GET", "POST"])
def confirm_link(token: str):
    # Mail scanners fetch links: a GET only shows a button; the POST uses the link up.
    form = ConfirmForm()
    if form.validate_on_submit():
        used = accounts.consume_sign_in_link(token)
        if used is None:
            return render_template("portal/auth/link_invalid.html"), 404, NO_REFERRER
        start_session(used.user)
        return redirect(safe_next(used.next_path, url_for("customer.my_cases")))
    if accounts.peek_token(token, accounts.SIGN_IN) is None:
        return render_template("portal/auth/link_invalid.html"), 404, NO_REFERRER
    return render_template("portal/auth/link_confirm.html", form=form), 200, NO_REFERRER


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            accounts.sign_up(form.email.data, form.name.data, form.password.data)
        except ServiceError as exc:
            getattr(form, exc.field or "email").errors.append(exc.message)
        else:
            return render_template(
                "portal/auth/link_sent.html",
                message="Check your email: we have sent you a link to confirm your address "
                "and sign in. It works once, within 10 minutes.",
            )
    status = 422 if form.is_submitted() else 200
    return render_template("portal/auth/signup.html", form=form), status


@bp.post("/logout")
def logout():
    end_session()
    flash("You are signed out.", "info")
    return redirect(url_for("customer.login"))


@bp.route("/reset", methods=["GET", "POST"])
def reset_request():
    form = LinkRequestForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        return render_template(
            "portal/auth/link_sent.html",
            message="If that address has an account, we have emailed it a link to choose "
            "a new password. It works once, within 10 minutes.",
        )
    status = 422 if form.is_submitted() else 200
    return render_template("portal/auth/reset_request.html", form=form), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if accounts.peek_token(token, accounts.RESET) is None:
        return render_template("portal/auth/link_invalid.html"), 404, NO_REFERRER
    form = NewPasswordForm()
    if form.validate_on_submit():
        user = accounts.reset_password(token, form.password.data)
        if user is None:
            return render_template("portal/auth/link_invalid.html"), 404, NO_REFERRER
        flash("Your password is changed. Sign in with it now.", "success")
        return redirect(url_for("admin.login" if user.is_staff else "customer.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("portal/auth/reset_password.html", form=form), status, NO_REFERRER
