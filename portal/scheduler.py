"""An in-process minute timer for `make run`; production runs `caseloop tick` from cron."""

from __future__ import annotations

import logging
import os
import threading

from flask import Flask

from .database import writing
from .extensions import db
from .services import data_export, minute_job

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 60


def _loop(app: Flask, stop: threading.Event) -> None:
    while not stop.wait(INTERVAL_SECONDS):
        with app.app_context(), writing():
            try:
                report = minute_job.tick()
                if report.notified or report.closed or report.digests or report.erased \
                        or report.exports:
                    log.info("tick: %s", report)
            except Exception:  # keep the timer alive; the next minute tries again
                db.session.rollback()
                log.exception("tick failed")
            finally:
                db.session.remove()


def start(app: Flask) -> threading.Event | None:
    """Start the timer once per serving process (not in the reloader's watcher)."""
    if app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        return None
    stop = threading.Event()
    threading.Thread(target=_loop, args=(app, stop), daemon=True, name="tick").start()
    return stop


def _build_exports(app: Flask) -> None:
    with app.app_context(), writing():
        try:
            data_export.run_pending()
        except Exception:  # the minute job tries again
            db.session.rollback()
            log.exception("data export failed")
        finally:
            db.session.remove()


def kick(app: Flask) -> None:
    """Start building waiting data downloads now, in a thread of this process, so the
    customer waits seconds rather than until the next minute (DATA_EXPORT_AT_ONCE)."""
    if app.config.get("DATA_EXPORT_AT_ONCE"):
        threading.Thread(target=_build_exports, args=(app,), daemon=True,
                         name="data-export").start()
