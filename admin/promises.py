"""Promises from the staff side: make one on a case, settle it, see what is due."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.extensions import db
from portal.models import PromiseState, Role, User, utcnow
from portal.services import access, promises
from portal.services.errors import ServiceError
from portal.web.formatting import to_utc

from . import bp
from .cases import act
from .decorators import staff_required
from .forms import SettlePromiseForm
from .views import arg_choice, found


@bp.post("/cases/<reference>/promises")
@staff_required(Role.AGENT)
def make_promise(reference: str):
    def action(case, f):
        owner = db.session.get(User, f.owner.data)
        promises.make(case, current_user, f.what.data, owner, to_utc(f.due.data),
                      f.public.data)

    return act(reference, "promise", action, _("Promise recorded."))


@bp.post("/promises/<int:promise_id>/settle")
@staff_required(Role.AGENT)
def settle_promise(promise_id: int):
    promise = found(promises.get_for_staff, current_user, promise_id)
    form = SettlePromiseForm()
    back = url_for("admin.workspace", reference=promise.case.reference) + f"#promise-{promise.id}"
    if not form.validate_on_submit():
        flash(_("Choose how the promise ended."), "error")
        return redirect(back)
    try:
        if form.state.data == "broken" and form.new_what.data and form.new_due.data:
            promises.replace(promise, current_user, form.outcome.data, form.new_what.data,
                             to_utc(form.new_due.data))
        else:
            promises.resolve(promise, PromiseState(form.state.data), by=current_user,
                             note=form.outcome.data)
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash({"kept": _("Promise marked kept."), "broken": _("Promise marked broken."),
               "withdrawn": _("Promise marked withdrawn.")}[form.state.data], "success")
    return redirect(back)


@bp.get("/promises")
@staff_required(Role.AGENT)
def my_promises():
    scope = arg_choice("scope", ("mine", "team"), "mine")
    rows = list(db.session.scalars(promises.due_query(current_user, scope).limit(500)))
    # A promise kept by someone who has since lost the case: listed, but not as a dead link.
    reachable = {p.id for p in rows if access.can_see(current_user, p.case)}
    return render_template("admin/promises.html", promises=rows, scope=scope, now=utcnow(),
                           reachable=reachable)
