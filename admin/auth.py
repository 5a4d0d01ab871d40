"""Staff sign-in, separate from customers'."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from portal.auth import end_session, start_session
from portal.services import accounts
from portal.urls import safe_next

from . import bp
from .forms import StaffSignInForm


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = StaffSignInForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data, staff=True)
        if user:
            start_session(user)
            return redirect(safe_next(request.args.get("next"), url_for("admin.queue")))
        form.password.errors.append("That email and password do not match a staff account.")
        return render_template("admin/login.html", form=form), 422
    return render_template("admin/login.html", form=form)


@bp.post("/logout")
def logout():
    end_session()
    flash("You are signed out.", "info")
    return redirect(url_for("admin.login"))
