"""Template filters: times as people read them, in the viewer's own time zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_timedelta
from flask import Flask, current_app, has_request_context
from flask_babel import get_locale, gettext
from flask_login import current_user

from .models import STATUS_TEXT, utcnow


def zone_for(user=None) -> ZoneInfo:
    """The user's zone, else the signed-in viewer's, else the site default."""
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    name = getattr(user, "timezone", None) or current_app.config["DEFAULT_TIMEZONE"]
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def to_utc(local: datetime, user=None) -> datetime:
    """A wall-clock time typed by a person (no zone) as an aware UTC time."""
    return local.replace(tzinfo=zone_for(user)).astimezone(ZoneInfo("UTC"))


def timeago(moment: datetime | None, now: datetime | None = None) -> str:
    """'just now', '5 minutes ago', 'in 2 hours', '3 weeks ago', in the viewer's language."""
    if moment is None:
        return gettext("never")
    delta = moment - (now or utcnow())
    if abs(delta) < timedelta(seconds=45):
        return gettext("just now")
    # threshold=1: "55 minutes ago" stays in minutes, "10 days ago" becomes "1 week ago".
    return format_timedelta(delta, threshold=1, add_direction=True,
                            locale=get_locale() or "en")


def isotime(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


def fulltime(moment: datetime | None, user=None) -> str:
    """'Thu 26 Nov 2026, 17:00 GMT' in the viewer's (or the given user's) zone."""
    if moment is None:
        return ""
    return moment.astimezone(zone_for(user)).strftime("%a %d %b %Y, %H:%M %Z")


def whentime(moment: datetime | None, user=None) -> str:
    """'Tue 24 Nov, 17:00' in the viewer's zone; the year only when it is not this one."""
    if moment is None:
        return ""
    local = moment.astimezone(zone_for(user))
    same_year = local.year == utcnow().astimezone(local.tzinfo).year
    return local.strftime("%a %d %b, %H:%M" if same_year else "%a %d %b %Y, %H:%M")


def shorttime(moment: datetime | None, user=None) -> str:
    """'Tuesday 17:00' within a week either side, else '26 Nov 17:00'."""
    if moment is None:
        return ""
    local = moment.astimezone(zone_for(user))
    if abs(moment - utcnow()) < timedelta(days=6):
        return local.strftime("%A %H:%M")
    return local.strftime("%d %b %H:%M")


def minutes(total: int | float | None) -> str:
    """240 → '4 h', 2880 → '2 days', 90 → '1 h 30 min'."""
    total = int(total or 0)
    days, rest = divmod(total, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} day{'s' if days != 1 else ''}"] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{mins} min"] if mins or not parts else []
    return " ".join(parts)


def from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def init_app(app: Flask) -> None:
    app.add_template_filter(from_iso)
    app.add_template_filter(minutes)
    app.add_template_filter(timeago)
    app.add_template_filter(isotime)
    app.add_template_filter(fulltime)
    app.add_template_filter(whentime)
    app.add_template_filter(shorttime)
    app.context_processor(lambda: {"zone_name": zone_for().key})
    app.jinja_env.globals["status_texts"] = {s.value: t for s, t in STATUS_TEXT.items()}
