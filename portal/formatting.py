"""Template filters: times as people read them, in plain words."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from .models import STATUS_TEXT, utcnow


def timeago(moment: datetime | None, now: datetime | None = None) -> str:
    """'just now', '5 minutes ago', '2 hours ago', '3 days ago', or the date."""
    if moment is None:
        return "never"
    seconds = int(((now or utcnow()) - moment).total_seconds())
    if seconds < 45:
        return "just now"
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            if unit == "day" and count > 30:
                return moment.strftime("on %d %b %Y")
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return f"{seconds} seconds ago"


def isotime(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


def fulltime(moment: datetime | None) -> str:
    return moment.strftime("%a %d %b %Y, %H:%M UTC") if moment else ""


def init_app(app: Flask) -> None:
    app.add_template_filter(timeago)
    app.add_template_filter(isotime)
    app.add_template_filter(fulltime)
    app.jinja_env.globals["status_texts"] = {s.value: t for s, t in STATUS_TEXT.items()}
