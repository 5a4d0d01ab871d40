"""Site-wide switches that admins change in Settings; every change is audited."""

from __future__ import annotations

from ..extensions import db
from ..models import SiteSetting, User
from . import audit, effects

AGENTS_NEED_TWO_FACTOR = "agents_need_two_factor"
# What each switch means, for the audit log; a key not listed here cannot be set.
FLAGS = {AGENTS_NEED_TWO_FACTOR: "Require two-factor sign-in for agents"}


def flag(key: str) -> bool:
    """The switch's value; off until an admin turns it on."""
    row = db.session.get(SiteSetting, key)
    return row is not None and row.value == "on"


def set_flag(actor: User, key: str, on: bool) -> bool:
    """Turn a switch on or off and audit it; False when it already was."""
    label = FLAGS[key]
    before = flag(key)
    if before == on:
        return False
    row = db.session.get(SiteSetting, key) or SiteSetting(key=key)
    row.value = "on" if on else "off"
    db.session.add(row)
    audit.record(actor, "settings.update", row, f"{label}: {'on' if on else 'off'}",
                 before={key: before}, after={key: on})
    effects.commit()
    return True
