"""Each person's time zone: the one every time on their pages is written in."""

from __future__ import annotations

import functools
from zoneinfo import available_timezones

from flask_babel import gettext as _

from ..models import User
from . import effects
from .errors import ServiceError


@functools.cache
def zone_names() -> tuple[str, ...]:
    """The IANA zones a person may choose, sorted; the legacy aliases left out."""
    legacy = ("Etc/", "SystemV/", "US/", "posix/", "right/")
    return ("UTC", *sorted(n for n in available_timezones()
                           if "/" in n and not n.startswith(legacy)))


def set_timezone(user: User, name: str) -> None:
    """Save the zone the user reads times in; aborts with ServiceError for an unknown one."""
    if name not in zone_names():
        raise ServiceError(_("Choose a time zone from the list."), "timezone")
    user.timezone = name
    effects.commit()
