"""Known problems: staff say once what they know and link the cases it affects."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from portal.models import KnownProblem, ProblemStatus, Role
from portal.services import catalog, problem_links, problems
from portal.services import queue as queue_service
from portal.services.errors import ServiceError
from portal.web.choices import options
from portal.web.form_input import form_page
from portal.web.htmx import wants_fragment

from . import bp
from .decorators import staff_required
from .problem_forms import (
    LinkForm,
    ProblemForm,
    ResolveCasesForm,
    SearchLinkForm,
    StatusForm,
    UpdateForm,
)
from .views import found, refuse, saved

SHOWN_CASES = 50


def _problem_form(problem: KnownProblem | None = None) -> ProblemForm:
    form = ProblemForm() if request.method == "POST" or problem is None else ProblemForm(
        data={"title": problem.title, "public_text": problem.public_text,
              "outside_reference": problem.outside_reference or "",
              "categories": [c.id for c in problem.categories]})
    form.categories.choices = options(
        [(c.id, c.name) for c in catalog.all_categories() if c.active])
    return form


@bp.get("/problems")
@staff_required(Role.AGENT)
def problems_list():
    found = problems.all_problems()
    return render_template("admin/problems/index.html", problems=found,
                           counts=problem_links.linked_counts(found))


def _problem_page(problem: KnownProblem | None):
    """The new or edit form: saved, then the problem's page; or shown again with its errors."""
    form = _problem_form(problem)

    def save() -> KnownProblem:
        fields = (form.title.data, form.public_text.data, form.categories.data,
                  form.outside_reference.data or "")
        if problem is None:
            return problems.create(current_user, *fields)
        problems.edit(current_user, problem, *fields)
        return problem

    if done := saved(form, save, "title"):
        flash(_("Known problem opened.") if problem is None else _("Known problem saved."),
              "success")
        return redirect(url_for("admin.problem_detail", problem_id=done.value.id))
    return form_page("admin/problems/form.html", form, problem=problem)


@bp.route("/problems/new", methods=["GET", "POST"])
@staff_required(Role.MANAGER)
def problem_new():
    return _problem_page(None)


@bp.route("/problems/<int:problem_id>/edit", methods=["GET", "POST"])
@staff_required(Role.MANAGER)
def problem_edit(problem_id: int):
    return _problem_page(found(problems.get, problem_id))


def _detail(problem: KnownProblem, code: int = 200, **forms):
    forms.setdefault("update_form", UpdateForm(formdata=None, status=problem.status.value))
    forms.setdefault("status_form", StatusForm(formdata=None, status=problem.status.value))
    forms.setdefault("link_form", LinkForm(formdata=None))
    forms.setdefault("search_form", SearchLinkForm(formdata=None))
    forms.setdefault("resolve_form", ResolveCasesForm(formdata=None))
    return render_template(
        "admin/problems/detail.html", problem=problem, linked=problem_links.linked_count(problem),
        cases=problems.linked_cases(problem, current_user, limit=SHOWN_CASES),
        open_cases=problems.open_linked_count(problem, current_user), **forms), code


@bp.get("/problems/<int:problem_id>")
@staff_required(Role.AGENT)
def problem_detail(problem_id: int):
    return _detail(found(problems.get, problem_id))


def _act(problem_id: int, form_name: str, form, do):
    """Validate `form`, call `do(problem, form)`; the page with 422 when refused."""
    problem = found(problems.get, problem_id)
    if form.validate_on_submit():
        try:
            message = do(problem, form)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            flash(message, "success")
            return redirect(url_for("admin.problem_detail", problem_id=problem.id))
    return _detail(problem, 422, **{form_name: form})


@bp.post("/problems/<int:problem_id>/status")
@staff_required(Role.MANAGER)
def problem_status(problem_id: int):
    def do(problem, form):
        problems.change_status(current_user, problem, ProblemStatus(form.status.data))
        return _("Status changed.")
    return _act(problem_id, "status_form", StatusForm(), do)


@bp.post("/problems/<int:problem_id>/updates")
@staff_required(Role.MANAGER)
def problem_post_update(problem_id: int):
    def do(problem, form):
        update = problems.post_update(current_user, problem, form.body.data,
                                      ProblemStatus(form.status.data))
        return _("Update posted: %(done)d of %(total)d linked cases have it so far.",
                 done=update.delivered, total=update.total)
    return _act(problem_id, "update_form", UpdateForm(), do)


@bp.get("/problems/<int:problem_id>/updates/<int:update_id>/progress")
@staff_required(Role.AGENT)
def problem_update_progress(problem_id: int, update_id: int):
    """How far an update's fan-out got; htmx polls the fragment until it is done."""
    problem = found(problems.get, problem_id)
    update = next((u for u in problem.updates if u.id == update_id), None)
    if update is None:
        abort(404)
    template = "admin/problems/_progress.html" if wants_fragment() else \
        "admin/problems/progress.html"
    return render_template(template, problem=problem, update=update)


@bp.post("/problems/<int:problem_id>/updates/<int:update_id>/continue")
@staff_required(Role.MANAGER)
def problem_update_continue(problem_id: int, update_id: int):
    """Write the update's next batch now (the progress bar asks while the page is open;
    without JavaScript, a button); the minute job does the same for a closed page."""
    problem = found(problems.get, problem_id)
    if not any(u.id == update_id for u in problem.updates):
        abort(404)
    update = problems.continue_update(update_id)
    if wants_fragment():
        return render_template("admin/problems/_progress.html", problem=problem, update=update)
    return redirect(url_for("admin.problem_detail", problem_id=problem.id,
                            _anchor=f"update-{update_id}"))


@bp.post("/problems/<int:problem_id>/links")
@staff_required(Role.AGENT)
def problem_link(problem_id: int):
    def do(problem, form):
        new = problems.link_references(current_user, problem, form.references.data)
        return _("%(num)d case(s) linked.", num=new)
    return _act(problem_id, "link_form", LinkForm(), do)


@bp.post("/problems/<int:problem_id>/links/search")
@staff_required(Role.AGENT)
def problem_link_search(problem_id: int):
    def do(problem, form):
        raw = form.query.data.strip()
        query = urlsplit(raw).query if "?" in raw else raw
        try:
            filters = queue_service.parse_filters(MultiDict(parse_qsl(query)))
        except ServiceError as exc:  # named against the one field this form has
            raise ServiceError(exc.message, "query") from exc
        new = problems.link_search(current_user, problem, filters)
        return _("%(num)d case(s) linked.", num=new)
    return _act(problem_id, "search_form", SearchLinkForm(), do)


@bp.post("/problems/<int:problem_id>/links/<int:case_id>/delete")
@staff_required(Role.AGENT)
def problem_unlink(problem_id: int, case_id: int):
    problem = found(problems.get, problem_id)
    case = problems.linked_case(problem, current_user, case_id)
    if case is None:
        abort(404)
    problems.unlink(current_user, problem, case)
    flash(_("%(ref)s is no longer linked.", ref=case.reference), "success")
    return redirect(url_for("admin.problem_detail", problem_id=problem.id))


@bp.post("/problems/<int:problem_id>/resolve-cases")
@staff_required(Role.MANAGER)
def problem_resolve_cases(problem_id: int):
    def do(problem, form):
        return problems.resolve_linked(current_user, problem, form.summary.data).message()
    return _act(problem_id, "resolve_form", ResolveCasesForm(), do)
