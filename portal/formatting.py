"""Template filters: times as people read them, in the viewer's own time zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import TIMEDELTA_UNITS, format_timedelta
from flask import Flask, current_app, g, has_request_context
from flask_babel import get_locale, gettext
from flask_login import current_user

from .models import STATUS_TEXT, utcnow


def zone_for(user=None) -> ZoneInfo:
    """The user's zone, else the signed-in viewer's, else the site default."""
    if user is None and has_request_context():
        # A page shows dozens of times: look the viewer's zone up once per request.
        if "viewer_zone" not in g:
            g.viewer_zone = _zone(current_user if current_user.is_authenticated else None)
        return g.viewer_zone
    return _zone(user)


def _zone(user) -> ZoneInfo:
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
    return _relative(delta, str(get_locale() or "en"))


# Babel's wording depends only on (unit, rounded count, direction, language): a page of fifty
# rows asks for the same few phrases, and working each out costs more than the rest of the row.
_PHRASES: dict[tuple[str, int, bool, str], str] = {}


def _relative(delta: timedelta, locale: str) -> str:
    seconds = int(delta.days * 86400 + delta.seconds)
    unit, secs = next((u, s) for u, s in TIMEDELTA_UNITS if abs(seconds) >= s or s == 1)
    key = (unit, round(abs(seconds) / secs), seconds >= 0, locale)
    phrase = _PHRASES.get(key)
    if phrase is None:
        if len(_PHRASES) > 10_000:
            _PHRASES.clear()
        # threshold=1: "55 minutes ago" stays in minutes, "10 days ago" becomes "1 week ago".
        phrase = _PHRASES[key] = format_timedelta(delta, threshold=1, add_direction=True,
                                                  locale=locale)
    return phrase


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
