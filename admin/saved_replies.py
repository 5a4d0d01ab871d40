"""Saved replies: each person's own, and those a manager shares with their department."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.models import Role, SavedReply
from portal.services import saved_replies
from portal.web.choices import options

from . import bp
from .decorators import staff_required
from .forms import ConfirmForm
from .saved_reply_forms import SavedReplyForm
from .views import found, saved


def _form(reply: SavedReply | None = None) -> SavedReplyForm:
    """The form, filled from the reply when one is opened for editing."""
    if reply is not None and request.method == "GET":
        form = SavedReplyForm(data={"title": reply.title, "body": reply.body,
                                    "owner": reply.department_id or 0})
    else:
        form = SavedReplyForm()
    form.owner.choices = options(
        [(0, _("Only me (personal)"))]
        + [(d.id, _("Everyone in %(department)s", department=d.name))
           for d in saved_replies.managed_departments(current_user)])
    return form


def _page(form: SavedReplyForm, editing: SavedReply | None = None, code: int = 200):
    usable = saved_replies.usable(current_user)
    return render_template(
        "admin/saved_replies.html", form=form, editing=editing, delete_form=ConfirmForm(),
        mine=[r for r in usable if r.personal], shared=[r for r in usable if not r.personal],
        can_manage=lambda r: saved_replies.can_manage(current_user, r)), code


@bp.get("/saved-replies")
@staff_required(Role.AGENT)
def saved_replies_list():
    return _page(_form())


@bp.post("/saved-replies")
@bp.route("/saved-replies/<int:reply_id>", methods=["GET", "POST"])
@staff_required(Role.AGENT)
def save_saved_reply(reply_id: int | None = None):
    """Add a saved reply, or edit one this person may change (404 for anyone else's)."""
    editing = found(saved_replies.get_for_edit, current_user, reply_id) if reply_id else None
    form = _form(editing)
    if request.method == "GET":
        return _page(form, editing)
    if saved(form, lambda: saved_replies.save(current_user, form.title.data, form.body.data,
                                              form.owner.data, editing), "body"):
        flash(_("Saved reply kept. Pick it in any case's composer."), "success")
        return redirect(url_for("admin.saved_replies_list"))
    return _page(form, editing, 422)


@bp.post("/saved-replies/<int:reply_id>/delete")
@staff_required(Role.AGENT)
def delete_saved_reply(reply_id: int):
    reply = found(saved_replies.get_for_edit, current_user, reply_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    saved_replies.delete(current_user, reply)
    flash(_("Saved reply removed."), "success")
    return redirect(url_for("admin.saved_replies_list"))
