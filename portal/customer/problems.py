"""Known problems for customers: the public status page, the new-case form's "we know about
this", and following a problem without opening a case."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import customer_required
from ..services import problems
from ..services.errors import NotFound, ServiceError
from . import bp


def known_for(category_id: int | None) -> list:
    """Open known problems of the chosen category (none before one is chosen)."""
    return problems.open_problems(category_id) if category_id else []


@bp.get("/status")
def status_page():
    """Open known problems and their recent public updates; no sign-in, no customer data."""
    return render_template("portal/status.html", problems=problems.open_problems(),
                           updates=problems.recent_updates())


@bp.get("/cases/new/known-problems")
@customer_required
def known_problems():
    """The new-case form's notice for the category chosen (htmx swaps it in)."""
    category = request.args.get("category", 0, type=int)
    return render_template("portal/cases/_known_problems.html",
                           known_problems=known_for(category if 0 < category < 2**31 else None),
                           chosen_category=category)


def _problem(problem_id: int):
    try:
        return problems.get(problem_id)
    except NotFound:
        abort(404)


@bp.post("/problems/<int:problem_id>/follow")
@customer_required
def follow_problem(problem_id: int):
    problem = _problem(problem_id)
    try:
        problems.follow(current_user, problem)
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash(_("You follow “%(title)s”: we email you each update.", title=problem.title),
              "success")
    return redirect(url_for("customer.followed_problems"))


@bp.post("/problems/<int:problem_id>/unfollow")
@customer_required
def unfollow_problem(problem_id: int):
    problem = _problem(problem_id)
    problems.unfollow(current_user, problem)
    flash(_("You no longer follow “%(title)s”.", title=problem.title), "success")
    return redirect(url_for("customer.followed_problems"))


@bp.get("/problems")
@customer_required
def followed_problems():
    return render_template("portal/problems.html",
                           problems=problems.followed_by(current_user))
