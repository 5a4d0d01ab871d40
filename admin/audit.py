"""The audit log: managers read their departments' entries, admins read everything."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, select, true

from portal.extensions import db
from portal.models import AuditEntry, Department, Role, User
from portal.services import staff
from portal.web.choices import options
from portal.web.csv_export import csv_download
from portal.web.numbers import record_id
from portal.web.pagination import url_keeping

from . import bp
from .decorators import staff_required
from .settings_forms import AuditFilterForm

PAGE = 100
EXPORT_LIMIT = 50_000
FILTERS = ("actor", "action", "date_from", "date_to", "q")
CSV_HEADER = ["id", "when_utc", "actor", "actor_email", "action", "target", "department",
              "summary", "before", "after"]


def _scope(viewer: User) -> ColumnElement[bool]:
    """Admins see every entry; managers only those of their own departments."""
    if viewer.role == Role.ADMIN:
        return true()
    return AuditEntry.department_id.in_(viewer.department_ids or {-1})


def _filter_form(viewer: User) -> AuditFilterForm:
    form = AuditFilterForm(formdata=request.args)
    # Fresh lists each time: appending to the class's choices would grow them for everyone.
    form.actor.choices = options([("", _("Anyone"))] +
                                 [(str(u.id), u.name) for u in staff.staff_members()])
    actions = db.session.scalars(select(AuditEntry.action).where(_scope(viewer))
                                 .distinct().order_by(AuditEntry.action))
    form.action.choices = options([("", _("Any action"))] + [(a, a) for a in actions])
    return form


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _filtered(viewer: User, form: AuditFilterForm) -> Select:
    """The visible entries matching the filters, newest first."""
    query = select(AuditEntry).where(_scope(viewer))
    if form.actor.data:
        query = query.where(AuditEntry.actor_id == int(form.actor.data))
    if form.action.data:
        query = query.where(AuditEntry.action == form.action.data)
    if form.date_from.data:
        query = query.where(AuditEntry.created_at >= _midnight(form.date_from.data))
    if form.date_to.data:
        end = _midnight(form.date_to.data + timedelta(days=1))
        query = query.where(AuditEntry.created_at < end)
    if text := (form.q.data or "").strip():
        # autoescape: % and _ typed by the user are matched as themselves.
        query = query.where(AuditEntry.summary.icontains(text, autoescape=True))
    return query.order_by(AuditEntry.id.desc())


def filter_url(endpoint: str, **extra: int) -> str:
    """A link keeping the current filters; only known names pass (no `_external` tricks)."""
    return url_keeping(endpoint, FILTERS, **extra)


@bp.get("/audit")
@staff_required(Role.MANAGER)
def audit_log():
    form = _filter_form(current_user)
    if not form.validate():
        return render_template("admin/audit/log.html", form=form, entries=[],
                               filter_url=filter_url), 422
    query = _filtered(current_user, form)
    if before := request.args.get("before", type=record_id):
        query = query.where(AuditEntry.id < before)
    entries = list(db.session.scalars(query.limit(PAGE + 1)))
    older = len(entries) > PAGE
    return render_template("admin/audit/log.html", form=form, entries=entries[:PAGE],
                           older=older, paged=bool(before), filter_url=filter_url)


@bp.get("/audit.csv")
@staff_required(Role.MANAGER)
def audit_csv():
    form = _filter_form(current_user)
    if not form.validate():
        abort(400)
    entries = db.session.scalars(_filtered(current_user, form).limit(EXPORT_LIMIT))
    return csv_download("caseloop-audit", CSV_HEADER, _rows(entries))


def _rows(entries: Iterable[AuditEntry]) -> Iterator[tuple[Any, ...]]:
    departments = dict(db.session.execute(select(Department.id, Department.name)).all())
    for e in entries:
        actor = e.actor
        yield (e.id, e.created_at.isoformat(timespec="seconds"), actor.name if actor else "",
               actor.email if actor else "", e.action, f"{e.target_type} {e.target_id or ''}",
               departments.get(e.department_id, ""), e.summary,
               json.dumps(e.before, ensure_ascii=False, sort_keys=True),
               json.dumps(e.after, ensure_ascii=False, sort_keys=True))
