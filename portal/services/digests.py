"""Daily digests: a customer's collected case updates, one email a day, sent by `caseloop tick`.

notifications.py collects the updates; this module turns them into one outbox email per
customer once their DIGEST_HOUR has come (in their own time zone) and no digest went out
since. Security emails never wait here: they are queued directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from flask import current_app
from flask_babel import LazyString, gettext, ngettext
from sqlalchemy import func, select, update

from ..extensions import db
from ..models import Case, DigestItem, EmailUpdates, User, utcnow
from ..web.formatting import zone_for
from ..web.urls import external_url
from . import effects
from .notifications import signed_case_token, signed_url
from .outbox import queue_email


@dataclass
class CaseUpdates:
    case: Case
    url: str
    items: list[DigestItem]


def pending(customer: User) -> list[DigestItem]:
    """Updates still waiting for this customer's next digest, case by case, oldest first."""
    return list(db.session.scalars(
        select(DigestItem)
        .where(DigestItem.customer_id == customer.id, DigestItem.digested_at.is_(None))
        .order_by(DigestItem.case_id, DigestItem.id)))


def send_due(now: datetime | None = None) -> int:
    """Queue every digest that is due; returns how many. Safe to run as often as you like."""
    now = now or utcnow()
    waiting = db.session.scalars(
        select(DigestItem.customer_id).where(DigestItem.digested_at.is_(None)).distinct())
    sent = 0
    for customer_id in list(waiting):
        customer = db.session.get(User, customer_id)
        if customer is not None and is_due(customer, now) and _queue(customer, now):
            sent += 1
    return sent


def is_due(customer: User, now: datetime) -> bool:
    """Once their digest hour has come today, unless a digest already went out since."""
    if customer.email_updates != EmailUpdates.DAILY:
        return True  # they switched to immediate: what waited goes at once
    local = now.astimezone(zone_for(customer))
    slot = local.replace(hour=current_app.config["DIGEST_HOUR"], minute=0, second=0,
                         microsecond=0)
    if local < slot:
        return False
    last = db.session.scalar(select(func.max(DigestItem.digested_at))
                             .where(DigestItem.customer_id == customer.id))
    return last is None or last < slot


def _queue(customer: User, now: datetime) -> bool:
    """One email with every waiting update; False if another tick took them first."""
    items = pending(customer)
    if not items:
        return False
    groups = [CaseUpdates(rows[0].case, signed_url(signed_case_token(rows[0].case)), rows)
              for rows in (list(g) for _, g in groupby(items, key=lambda i: i.case_id))]
    groups.sort(key=lambda g: g.items[-1].id, reverse=True)  # most recent news first
    message = queue_email(
        customer.email, LazyString(_subject, len(items), len(groups)), "digest",
        language=customer.language, recipient=customer, customer=customer, groups=groups,
        link_minutes=current_app.config["CASE_LINK_MINUTES"],
        profile_url=external_url("customer.profile"))
    db.session.flush()
    claimed = db.session.execute(
        update(DigestItem)
        .where(DigestItem.id.in_([i.id for i in items]), DigestItem.digested_at.is_(None))
        .values(digested_at=now, outbox_id=message.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != len(items):
        db.session.rollback()  # a concurrent tick sent (some of) them: its email stands
        return False
    effects.commit()
    return True


def _subject(updates: int, cases: int) -> str:
    """Made in the customer's language by queue_email (passed as a LazyString): a function,
    as `pybabel extract` finds ngettext only where it is called."""
    return gettext("Your case updates: %(updates)s on %(cases)s",
                   updates=ngettext("%(num)d update", "%(num)d updates", updates),
                   cases=ngettext("%(num)d case", "%(num)d cases", cases))
