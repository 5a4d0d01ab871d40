"""A customer's copy of everything we hold about them: a ZIP built in the background.

The customer (or staff on their behalf) asks; a row in `data_requests` waits. The web
process starts building at once in a thread of its own (`portal/scheduler.py: kick`), and
the minute job (`caseloop tick`) picks up anything left behind, e.g. by a restart: a row
is claimed with a lease (`leased_jobs`), so two runners never build the same archive.

The archive holds `data.json` (profile, facts, cases, the public timeline, the promises
shown to the customer, feedback, a list of the attachments), a readable HTML copy (an
index and one page per case) and the attachments themselves. It is written to
EXPORT_DIR under a random name (files are large, the database stays small and backups
quick), downloadable only by the customer or the staff member who asked, until it expires.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from sqlalchemy import and_, or_, select

from portal.web.lazy_text import lazy_gettext as _l

from ..extensions import db
from ..i18n import in_language
from ..models import (
    Attachment,
    Case,
    CaseEvent,
    CustomerFact,
    DataRequest,
    Feedback,
    Promise,
    User,
    Visibility,
    format_reference,
    utcnow,
)
from ..models.data_requests import EXPIRED, EXPORT, FAILED, PENDING, READY, WORKING
from ..web.formatting import fulltime, zone_for
from ..web.urls import external_url
from . import attachments, audit, data_requests, effects, leased_jobs, outbox
from .errors import NotFound

log = logging.getLogger(__name__)
LEASE_SECONDS = 300
MAX_ATTEMPTS = 3
PROGRESS_EVERY = 100  # cases between two progress updates


def export_dir() -> Path:
    return Path(current_app.config["EXPORT_DIR"])


def _path(key: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}", key):  # never a path from anywhere else
        raise NotFound()
    return export_dir() / f"{key}.zip"


# --- asking and reading -------------------------------------------------------------

def request_export(customer: User, requested_by: User) -> DataRequest:
    """Queue a download of the customer's data; one already on its way is returned instead."""
    waiting = db.session.scalar(
        select(DataRequest).where(
            DataRequest.kind == EXPORT, DataRequest.customer_id == customer.id,
            DataRequest.requested_by_id == requested_by.id,
            DataRequest.status.in_((PENDING, WORKING))))
    if waiting is not None:
        return waiting
    made = data_requests.add(EXPORT, customer, requested_by, utcnow())
    by = data_requests.asked_by(customer, requested_by)
    audit.record(requested_by, "data_export.requested", customer,
                 f"Download of customer #{customer.id}'s data requested by {by}",
                 after={"request": made.id})
    effects.commit()
    return made


def latest(customer: User, viewer: User) -> DataRequest | None:
    """The newest export the viewer asked for about this customer."""
    return db.session.scalar(
        select(DataRequest).where(
            DataRequest.kind == EXPORT, DataRequest.customer_id == customer.id,
            DataRequest.requested_by_id == viewer.id)
        .order_by(DataRequest.id.desc()).limit(1))


def get_request(request_id: int, viewer: User) -> DataRequest:
    """An export the viewer may see: theirs (as the customer), or one they asked for."""
    found = db.session.get(DataRequest, request_id)
    if found is None or found.kind != EXPORT or viewer.id not in (
            found.customer_id, found.requested_by_id):
        raise NotFound()
    return found


def download(request_id: int, viewer: User, now: datetime | None = None) -> tuple[Path, str]:
    """The archive's file and the name to save it as; NotFound unless ready, unexpired and
    the viewer's to take."""
    found = get_request(request_id, viewer)
    now = now or utcnow()
    expired = found.expires_at is not None and found.expires_at <= now
    if found.status != READY or not found.file_key or expired:
        raise NotFound()
    path = _path(found.file_key)
    if not path.exists():
        raise NotFound()
    return path, f"caseloop-data-{found.created_at:%Y-%m-%d}.zip"


# --- the background job -------------------------------------------------------------

def _due(now: datetime):
    return and_(
        DataRequest.kind == EXPORT, DataRequest.attempts < MAX_ATTEMPTS,
        or_(and_(DataRequest.status == PENDING, DataRequest.due_at <= now),
            and_(DataRequest.status == WORKING, DataRequest.lease_until < now)))


def run_pending(now: datetime | None = None, limit: int = 5) -> int:
    """Build every export that is due (and any a dead runner left); returns how many built."""
    now = now or utcnow()
    owner = leased_jobs.new_owner()
    leased_jobs.claim(DataRequest, _due(now),
                      {"status": WORKING, "claimed_by": owner,
                       "lease_until": now + timedelta(seconds=LEASE_SECONDS),
                       "attempts": DataRequest.attempts + 1},
                      limit=limit)
    ids = list(db.session.scalars(select(DataRequest.id).where(
        DataRequest.claimed_by == owner, DataRequest.status == WORKING)))
    built = 0
    for request_id in ids:
        try:
            _build(request_id, owner)
            built += 1
        except Exception as exc:  # one broken export must not stop the others
            db.session.rollback()
            log.exception("data export %s failed", request_id)
            found = db.session.get(DataRequest, request_id)
            last = found is not None and found.attempts >= MAX_ATTEMPTS
            leased_jobs.release(DataRequest, request_id, owner,
                                status=FAILED if last else PENDING,
                                last_error=f"{type(exc).__name__}: {exc}"[:2000])
    return built


def expire_old(now: datetime | None = None) -> int:
    """Delete the files of exports past their expiry; returns how many."""
    now = now or utcnow()
    old = list(db.session.scalars(select(DataRequest).where(
        DataRequest.kind == EXPORT, DataRequest.status == READY,
        DataRequest.expires_at <= now)))
    for row in old:
        remove_file(row)
    return len(old)


def remove_file(row: DataRequest) -> None:
    """Delete a download's file now (it expired, or the account is being erased)."""
    if row.file_key:
        _path(row.file_key).unlink(missing_ok=True)
    row.file_key = None
    if row.status == READY:
        row.status = EXPIRED


def _build(request_id: int, owner: str) -> None:
    row = db.session.get(DataRequest, request_id)
    customer = row.customer
    data = collect(customer)
    requester_id = row.requested_by_id
    total = len(data["cases"])
    leased_jobs.renew(DataRequest, request_id, owner, LEASE_SECONDS,
                      total_count=total, done_count=0)
    key = secrets.token_hex(16)
    export_dir().mkdir(parents=True, exist_ok=True)
    final = _path(key)
    partial = final.with_suffix(".part")

    def progress(done: int) -> None:
        leased_jobs.renew(DataRequest, request_id, owner, LEASE_SECONDS, done_count=done)

    write_zip(partial, data, customer, progress)
    partial.replace(final)
    finished = utcnow()
    expires = finished + timedelta(days=current_app.config["DATA_EXPORT_DAYS"])
    if not leased_jobs.release(DataRequest, request_id, owner, status=READY, file_key=key,
                               size=final.stat().st_size, done_count=total,
                               finished_at=finished, expires_at=expires, last_error=""):
        final.unlink(missing_ok=True)  # another runner took it over meanwhile
        return
    requester = db.session.get(User, requester_id)
    row = db.session.get(DataRequest, request_id)
    audit.record(None, "data_export.ready", customer,
                 f"Download of customer #{customer.id}'s data ready ({total} cases)",
                 after={"request": request_id})
    _tell_ready(row, customer, requester, expires)
    effects.commit()


def _tell_ready(row: DataRequest, customer: User, requester: User | None,
                expires: datetime) -> None:
    if requester is None or not requester.email:
        return
    if requester.id == customer.id:
        url = external_url("customer.download_data", request_id=row.id)
    else:
        url = external_url("admin.customer_data_download", customer_id=customer.id,
                           request_id=row.id)
    with in_language(requester.language):
        until = fulltime(expires, requester)
    outbox.queue_email(requester.email, _l("Your data is ready to download"),
                       "data_export_ready", language=requester.language, url=url,
                       until=until, customer=customer, for_self=requester.id == customer.id)


# --- what goes in ---------------------------------------------------------------------

def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def collect(customer: User) -> dict[str, Any]:
    """Everything the customer may see about themselves, as plain JSON-ready data."""
    case_ids = select(Case.id).where(Case.customer_id == customer.id).scalar_subquery()
    cases = list(db.session.scalars(
        select(Case).where(Case.customer_id == customer.id).order_by(Case.id)))
    public = and_(CaseEvent.case_id.in_(case_ids), CaseEvent.visibility == Visibility.PUBLIC)
    # Plain rows, not ORM objects: a thousand cases have ten thousand events.
    files_of: dict[int, list[dict]] = {}
    files: list[dict] = []
    for att in db.session.execute(
            select(Attachment.id, Attachment.event_id, Attachment.filename,
                   Attachment.content_type, Attachment.size, Attachment.sha256,
                   Attachment.storage_key, CaseEvent.case_id)
            .join(CaseEvent, Attachment.event_id == CaseEvent.id).where(public)
            .order_by(Attachment.id)):
        reference = format_reference(att.case_id)
        item = {"id": att.id, "case": reference, "filename": att.filename,
                "content_type": att.content_type, "size": att.size, "sha256": att.sha256,
                "path": f"attachments/{reference}/{att.id}-{att.filename}",
                "storage_key": att.storage_key}
        files.append(item)
        files_of.setdefault(att.event_id, []).append(
            {k: v for k, v in item.items() if k != "storage_key"})
    events: dict[int, list[dict]] = {}
    for event in db.session.execute(
            select(CaseEvent.id, CaseEvent.case_id, CaseEvent.kind, CaseEvent.author_id,
                   CaseEvent.channel, CaseEvent.body, CaseEvent.created_at,
                   User.name.label("author"))
            .outerjoin(User, User.id == CaseEvent.author_id).where(public)
            .order_by(CaseEvent.case_id, CaseEvent.id)):
        events.setdefault(event.case_id, []).append({
            "kind": event.kind.value, "at": _iso(event.created_at), "author": event.author,
            "written_by_you": event.author_id == customer.id,
            "channel": event.channel.value, "text": event.body,
            "attachments": files_of.get(event.id, []),
        })
    promises: dict[int, list[dict]] = {}
    for promise in db.session.scalars(
            select(Promise).where(Promise.case_id.in_(case_ids), Promise.public.is_(True))
            .order_by(Promise.case_id, Promise.id)):
        promises.setdefault(promise.case_id, []).append({
            "what": promise.what, "due": _iso(promise.due_at), "state": promise.state.value,
            "outcome": promise.outcome, "closed": _iso(promise.closed_at)})
    feedback: dict[int, list[dict]] = {}
    for answer in db.session.scalars(
            select(Feedback).where(Feedback.customer_id == customer.id).order_by(Feedback.id)):
        feedback.setdefault(answer.case_id, []).append({
            "solved": answer.solved.value, "rating": answer.rating, "comment": answer.comment,
            "at": _iso(answer.created_at)})
    facts = db.session.scalars(select(CustomerFact).where(
        CustomerFact.customer_id == customer.id).order_by(CustomerFact.id))
    return {
        "exported_at": _iso(utcnow()),
        "profile": {
            "name": customer.name, "email": customer.email,
            "customer_since": _iso(customer.created_at),
            "last_sign_in": _iso(customer.last_sign_in_at),
            "email_verified": _iso(customer.email_verified_at),
            "time_zone": customer.timezone, "language": customer.language,
            "email_updates": customer.email_updates.value,
        },
        "facts": [{"kind": f.kind, "label": str(f.label), "value": f.value,
                   "recorded": _iso(f.created_at), "updated": _iso(f.updated_at),
                   "confirmed": _iso(f.confirmed_at)} for f in facts],
        "cases": [{
            "reference": c.reference, "title": c.title, "status": c.status.value,
            "status_label": str(c.status_text.label), "department": c.department.name,
            "opened": _iso(c.created_at), "resolved": _iso(c.resolved_at),
            "closed": _iso(c.closed_at), "resolution_summary": c.resolution_summary,
            "references": [{"system": r.system, "value": r.value} for r in c.references],
            "timeline": events.get(c.id, []), "promises": promises.get(c.id, []),
            "feedback": feedback.get(c.id, []),
        } for c in cases],
        "attachments": files,
    }


class _Times:
    """Times in the customer's own zone: the zone looked up once, not for each of thousands."""

    def __init__(self, customer: User):
        self.customer = customer
        self.zone = zone_for(customer)
        self.english = not customer.language or customer.language.startswith("en")

    def __call__(self, iso: str | None) -> str:
        if not iso:
            return ""
        moment = datetime.fromisoformat(iso)
        if self.english:
            return moment.astimezone(self.zone).strftime("%a %d %b %Y, %H:%M %Z")
        return fulltime(moment, self.customer)


def write_zip(path: Path, data: dict[str, Any], customer: User, progress=None) -> None:
    """Write the archive: data.json, index.html, cases/<ref>.html and the attachments."""
    files = data["attachments"]
    public = {**data, "attachments": [{k: v for k, v in f.items() if k != "storage_key"}
                                      for f in files]}
    when = _Times(customer)
    by_case: dict[str, list[dict]] = {}
    for item in files:
        by_case.setdefault(item["case"], []).append(item)
    with in_language(customer.language), zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data.json", json.dumps(public, ensure_ascii=False, indent=1))
        zf.writestr("index.html", render_template("data_export/index.html", data=data,
                                                  when=when))
        # One template object for every page: render_template's context processors would
        # run a thousand times for nothing (these pages have no request, no signed-in user).
        page = current_app.jinja_env.get_template("data_export/case.html")
        for done, case in enumerate(data["cases"], 1):
            zf.writestr(f"cases/{case['reference']}.html",
                        page.render(case=case, when=when, profile=data["profile"]))
            for item in by_case.get(case["reference"], []):
                source = attachments.storage_path(item["storage_key"])
                if source.exists():
                    zf.write(source, item["path"], compress_type=zipfile.ZIP_STORED)
            if progress and done % PROGRESS_EVERY == 0:
                progress(done)
