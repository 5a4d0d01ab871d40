"""PostgreSQL restarted under load: clear 503s meanwhile, nothing half-stored, the same
gunicorn workers carry on afterwards."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from portal import create_app
from portal.extensions import db
from portal.models import CaseEvent
from tests import factories
from tests.reliability.browser import Browser
from tests.reliability.conftest import health

pytestmark = pytest.mark.slow  # minutes of real servers and load: `make test-slow`

CLIENTS = 4
MARKER = re.compile(r"D-\d-\d+-[0-9a-f]{8}")


@dataclass
class Outcome:
    marker: str
    status: int
    saved: bool  # what the answer told the customer
    page: str  # the 503 page, if it was one


@dataclass
class Load:
    """Customers posting replies non-stop from threads, each with its own session."""

    base: str
    reference: str
    email: str
    outcomes: list[Outcome] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, n: int, run_id: str) -> None:
        browser = Browser(self.base, timeout=20)
        browser.sign_in(self.email, factories.PASSWORD)
        token = browser.csrf_token(f"/cases/{self.reference}")
        i = 0
        while not self.stop.is_set():
            marker = f"D-{n}-{i}-{run_id}"
            answer = browser.post(f"/cases/{self.reference}/replies",
                                  {"csrf_token": token, "body": f"Reply {marker} here."})
            saved = answer.status == 302 or "what you sent was saved" in answer.text
            page = answer.text if answer.status == 503 else ""
            with self.lock:
                self.outcomes.append(Outcome(marker, answer.status, saved, page))
            if answer.status == 503:
                self.stop.wait(0.3)  # a customer waits a moment before trying again
            i += 1
        browser.close()

    def count(self, status: int) -> int:
        with self.lock:
            return sum(o.status == status for o in self.outcomes)

    def wait_for(self, condition, what: str, seconds: float = 45) -> float:
        started = time.monotonic()
        while not condition():
            assert time.monotonic() - started < seconds, f"timed out waiting for {what}"
            time.sleep(0.05)
        return time.monotonic() - started


def _prepare(url: str, tmp) -> tuple[str, str]:
    """Migrate the throwaway database and give it a customer with a case."""
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "ENV_NAME": "test",
                        "ATTACHMENT_DIR": str(tmp / "files")})
    with other.app_context():
        upgrade()
        dana = factories.customer("Dana Whitfield", "dana@example.com")
        reference = factories.case(dana, "Recall RC-42 not booked").reference
        db.session.remove()
        db.engine.dispose()
    return reference, "dana@example.com"


@pytest.mark.timeout(300)
def test_database_restart_under_load(gunicorn, pg_cluster, tmp_path):
    reference, email = _prepare(pg_cluster.url, tmp_path)
    server = gunicorn(pg_cluster.url)
    workers = server.worker_pids()
    load = Load(server.base, reference, email)
    run_id = uuid.uuid4().hex[:8]
    threads = [threading.Thread(target=load.run, args=(n, run_id), daemon=True)
               for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        load.wait_for(lambda: load.count(302) >= 40, "replies before the restart")
        pg_cluster.stop()
        load.wait_for(lambda: load.count(503) >= 3 * CLIENTS, "503s while the database is down")
        assert health(server.base) == 503
        before = load.count(302)
        pg_cluster.start()
        recovery = load.wait_for(lambda: health(server.base) == 200, "/healthz back to 200")
        load.wait_for(lambda: load.count(302) >= before + 40, "replies after the restart")
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(timeout=30)
    print(f"\n/healthz back to 200 {recovery:.2f} s after PostgreSQL started again; "
          f"answers: {dict(Counter(o.status for o in load.outcomes))}")

    assert server.worker_pids() == workers  # recovered without a restart of the app
    assert {o.status for o in load.outcomes} <= {302, 503}  # never a 500, never a hang
    assert "Traceback" not in server.log_text()
    for outcome in (o for o in load.outcomes if o.status == 503):
        assert 'class="topbar"' in outcome.page  # the site's own layout
        assert "We're having trouble right now" in outcome.page
        if not outcome.saved:  # their words are on the page, so nothing typed is lost
            assert "Nothing you wrote was lost" in outcome.page
            assert f"Reply {outcome.marker} here." in outcome.page

    engine = create_engine(pg_cluster.url)
    with Session(engine) as session:
        bodies = session.scalars(select(CaseEvent.body).where(CaseEvent.body.like("Reply D-%")))
        stored = Counter(MARKER.search(body).group() for body in bodies)
    engine.dispose()
    assert max(stored.values()) == 1  # nothing stored twice
    for outcome in load.outcomes:  # each answer told the truth: saved once, or not at all
        assert stored[outcome.marker] == (1 if outcome.saved else 0), outcome
