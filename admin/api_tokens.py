"""Admin settings for the JSON API: tokens (secret shown once) and outgoing webhooks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from portal.models.api import WEBHOOK_EVENTS
from portal.services import api_tokens as tokens
from portal.services import catalog, webhooks
from portal.services.errors import NotFound, ServiceError

from . import bp
from .api_forms import ConfirmForm, TokenForm, WebhookForm
from .decorators import admin_only
from .settings_forms import with_departments
from .views import form_page, found, saved

SECTION = "admin.api_tokens"
# The secret page must not be kept by the browser or a proxy.
NO_STORE = {"Cache-Control": "no-store"}


def _page(template: str, form: FlaskForm, **context: Any) -> tuple[str, int]:
    return form_page(template, form, section=SECTION, **context)


def _created(form: FlaskForm, create: Callable[[], tuple[Any, str]], name: str, new: str,
             created: str) -> Any:
    """Make the token or webhook, then show its secret once (never stored by the browser);
    or the form again with the refusal next to its field."""
    if done := saved(form, create):
        thing, secret = done.value
        page = render_template(f"admin/api_tokens/{created}", section=SECTION, secret=secret,
                               **{name: thing})
        return page, 200, NO_STORE
    return _page(f"admin/api_tokens/{new}", form)


def _department_names() -> Callable[[list[int]], str]:
    """A formatter for stored department ids; "All" for an empty list."""
    names = {d.id: d.name for d in catalog.all_departments()}
    return lambda ids: ", ".join(sorted(names[i] for i in ids if i in names)) or _("All")


@bp.get("/settings/api-tokens")
@admin_only
def api_tokens():
    return render_template("admin/api_tokens/index.html", section=SECTION,
                           tokens=tokens.all_tokens(), webhooks=webhooks.all_webhooks(),
                           department_names=_department_names(), events=WEBHOOK_EVENTS,
                           counts=webhooks.delivery_counts(), confirm=ConfirmForm())


@bp.route("/settings/api-tokens/new", methods=["GET", "POST"])
@admin_only
def api_token_new():
    form = with_departments(TokenForm(), catalog.all_departments())
    return _created(form, lambda: tokens.create(current_user, form.name.data, form.scope.data,
                                                form.departments.data), "token", "new.html",
                    "created.html")


@bp.post("/settings/api-tokens/<int:token_id>/revoke")
@admin_only
def api_token_revoke(token_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        token = tokens.get_token(token_id)
        tokens.revoke(current_user, token)
    except NotFound:
        abort(404)
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Revoked “%(name)s”: it stops working at once.", name=token.name), "success")
    return redirect(url_for("admin.api_tokens"))


@bp.route("/settings/api-tokens/webhooks/new", methods=["GET", "POST"])
@admin_only
def webhook_new():
    form = with_departments(WebhookForm(), catalog.all_departments())
    return _created(form, lambda: webhooks.create(current_user, form.name.data, form.url.data,
                                                  form.events.data, form.departments.data),
                    "webhook", "webhook_new.html", "webhook_created.html")


@bp.post("/settings/api-tokens/webhooks/<int:webhook_id>/remove")
@admin_only
def webhook_remove(webhook_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    hook = found(webhooks.get_webhook, webhook_id)
    name = hook.name
    webhooks.remove(current_user, hook)
    flash(_("Removed the webhook “%(name)s”; nothing more is sent to it.", name=name), "success")
    return redirect(url_for("admin.api_tokens"))
