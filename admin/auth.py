"""Staff sign-in, separate from customers'."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal import ratelimit
from portal.auth import end_session
from portal.services import accounts, two_factor
from portal.web.urls import safe_next

from . import bp, pending
from .forms import StaffSignInForm


@bp.route("/login", methods=["GET", "POST"])
@ratelimit.sign_in
def login():
    form = StaffSignInForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data, staff=True)
        if user:
            return _second_step(user, safe_next(request.args.get("next"),
                                                url_for("admin.queue")))
        form.password.errors.append(_("That email and password do not match a staff account."))
        return render_template("admin/login.html", form=form), 422
    return render_template("admin/login.html", form=form), 422 if form.is_submitted() else 200


def _second_step(user, next_path: str):
    """After the password: the code step, or enrolment when required, else signed in."""
    if two_factor.is_enrolled(user):
        pending.begin(user, next_path)
        return redirect(url_for("admin.two_factor_code"))
    if two_factor.required_for(user):
        pending.begin(user, next_path)
        return redirect(url_for("admin.two_factor_setup"))
    pending.finish(user)
    return redirect(next_path)


@bp.post("/logout")
def logout():
    end_session()
    flash(_("You are signed out."), "info")
    return redirect(url_for("admin.login"))
