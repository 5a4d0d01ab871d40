"""A staff member's own settings: the time zone their pages are written in."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.customer.forms import TimeZoneForm
from portal.services import time_zones
from portal.web.formatting import zone_city
from portal.web.urls import safe_next

from . import bp
from .decorators import staff_required


@bp.post("/account/time-zone")
@staff_required()
def save_time_zone():
    """Save the zone times are shown in, then go back to the page the form was on."""
    form = TimeZoneForm()
    if not form.validate_on_submit():
        abort(400)
    time_zones.set_timezone(current_user._get_current_object(), form.timezone.data)
    flash(_("Saved: times are now shown in %(zone)s time.", zone=zone_city(form.timezone.data)),
          "success")
    return redirect(safe_next(form.next.data, url_for("admin.account_security") + "#time-zone"))
