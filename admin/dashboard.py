"""The performance dashboard: the customer's clock and unkept promises, for managers."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from portal.models import Role
from portal.services import reports, stuck
from portal.web import charts

from . import bp
from .decorators import staff_required


@bp.get("/dashboard")
@staff_required(Role.MANAGER)
def dashboard():
    report = reports.dashboard(current_user)
    return render_template("admin/dashboard.html", report=report,
                           stuck_count=stuck.count(current_user),
                           charts=charts.trends(report.weeks))
