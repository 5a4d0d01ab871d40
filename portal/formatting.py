"""Template filters: times as people read them, in the viewer's own time zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app, has_request_context
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
    """'just now', '5 minutes ago', '2 hours ago', '3 days ago', 'in 2 hours', or the date."""
    if moment is None:
        return "never"
    seconds = int(((now or utcnow()) - moment).total_seconds())
    future, seconds = seconds < 0, abs(seconds)
    if seconds < 45:
        return "just now"
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            if unit == "day" and count > 30:
                return moment.strftime("on %d %b %Y")
            words = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {words}" if future else f"{words} ago"
    return f"{seconds} seconds ago"


def isotime(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


def fulltime(moment: datetime | None, user=None) -> str:
    """'Thu 26 Nov 2026, 17:00 GMT' in the viewer's (or the given user's) zone."""
    if moment is None:
        return ""
    return moment.astimezone(zone_for(user)).strftime("%a %d %b %Y, %H:%M %Z")


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
    app.add_template_filter(shorttime)
    app.context_processor(lambda: {"zone_name": zone_for().key})
    app.jinja_env.globals["status_texts"] = {s.value: t for s, t in STATUS_TEXT.items()}
