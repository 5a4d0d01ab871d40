"""The ceiling each benchmark is compared with: a bare Flask endpoint doing one indexed query.

Served by the same gunicorn.conf.py (gevent workers) against the same database, so the
difference to a Caseloop page is what the page itself costs:

    DATABASE_URL=... gunicorn -c gunicorn.conf.py benchmarks.bare_app:app
"""

from __future__ import annotations

from flask import Flask
from markupsafe import escape
from sqlalchemy import create_engine, text

from portal.config import database_url

app = Flask(__name__)
# The same DATABASE_URL rules as the app (postgres:// URLs and the psycopg driver).
engine = create_engine(database_url(app.instance_path), pool_pre_ping=True)
QUERY = text("SELECT id, title, status FROM cases WHERE id = :id")


@app.get("/case/<int:case_id>")
def case(case_id: int):
    with engine.connect() as conn:
        row = conn.execute(QUERY, {"id": case_id}).first()
    if row is None:
        return "No such case", 404
    return f"<p>CL-{row.id:06d} {escape(row.title)} — {escape(row.status)}</p>"
