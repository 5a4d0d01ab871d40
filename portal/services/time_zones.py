"""Each person's time zone: the one every time on their pages is written in."""

from __future__ import annotations

import functools
from zoneinfo import available_timezones

from babel.core import get_global
from flask_babel import gettext as _

from ..models import User
from . import effects
from .errors import ServiceError


@functools.cache
def _aliases() -> dict[str, str]:
    """Old zone names and the current IANA name each became ('Asia/Calcutta' → 'Asia/Kolkata');
    browsers still report some old ones (Chromium says Asia/Calcutta)."""
    return dict(get_global("zone_aliases"))


@functools.cache
def zone_names() -> tuple[str, ...]:
    """The IANA zones a person may choose, sorted; the legacy aliases left out, so Kolkata is
    listed once and not again as Calcutta."""
    legacy = ("Etc/", "SystemV/", "US/", "posix/", "right/")
    aliases = _aliases()
    return ("UTC", *sorted(n for n in available_timezones()
                           if "/" in n and not n.startswith(legacy) and n not in aliases))


def canonical(name: str) -> str:
    """The current IANA name for a zone, the name itself when it is current or unknown."""
    return _aliases().get(name, name)


def set_timezone(user: User, name: str) -> None:
    """Save the zone the user reads times in, under its current name; aborts with ServiceError
    for an unknown one."""
    name = canonical(name)
    if name not in zone_names():
        raise ServiceError(_("Choose a time zone from the list."), "timezone")
    user.timezone = name
    effects.commit()
