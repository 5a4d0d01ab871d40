"""Side effects after a commit: webhooks queued in the transaction, live updates best-effort.

Redis down or hung must never cost a reply: it saves, answers as usual, the failure is
logged once, and the event stream answers 503 so the page polls instead.
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from portal import live
from portal.database import writing
from portal.extensions import db
from portal.live.brokers import RedisBroker
from portal.models import EventKind, Role
from portal.models.api import WEBHOOK_EVENTS, Webhook, WebhookDelivery
from portal.services import cases, effects, timeline
from tests import factories
from tests.helpers import free_port, require


def _use_redis(app, monkeypatch, url: str) -> RedisBroker:
    """Make the app publish through Redis at this address, as REDIS_URL would."""
    broker = RedisBroker(url)
    monkeypatch.setitem(app.extensions, "caseloop_broker", broker)
    return broker


def _outage_logs(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "unavailable" in r.getMessage()]


def _reply_both_ways(client, login, case, agent) -> None:
    """A customer reply and a staff reply through the real forms, each answered as usual."""
    login(client, case.customer)
    customer = client.post(f"/cases/{case.reference}/replies",
                           data={"body": "My VIN is WVW123."})
    assert customer.status_code == 302, customer.text
    fragment = client.post(f"/cases/{case.reference}/replies", data={"body": "And the mileage."},
                           headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "And the mileage." in fragment.text
    client.post("/logout")
    login(client, agent)
    staff = client.post(f"/admin/cases/{case.reference}/replies",
                        data={"kind": "public", "body": "Booked for Monday."})
    assert staff.status_code == 302, staff.text


def _bodies(case) -> list[str]:
    db.session.expire_all()
    return [e.body for e in timeline.public_events(case)]


@pytest.fixture
def redis_down(app, monkeypatch):
    """Redis at an address where nothing listens: every connection is refused at once."""
    return _use_redis(app, monkeypatch, f"redis://127.0.0.1:{free_port()}/0")


def test_with_redis_down_replies_save_and_answer_and_the_outage_is_logged_once(
        client, login, redis_down, caplog):
    case = factories.case()
    agent = factories.staff(departments=[case.department])
    caplog.set_level(logging.INFO)
    _reply_both_ways(client, login, case, agent)
    assert {"My VIN is WVW123.", "And the mileage.", "Booked for Monday."} <= set(_bodies(case))
    assert len(_outage_logs(caplog)) == 1  # three commits, a dozen publishes: one record
    page = client.get(f"/admin/cases/{case.reference}")
    assert page.status_code == 200 and "Booked for Monday." in page.text


def test_with_redis_down_streams_answer_503_and_pages_keep_polling(client, login, redis_down):
    case = factories.case()
    login(client, case.customer)
    for url in (f"/cases/{case.reference}/stream", "/cases/stream"):
        stream = client.get(url)
        assert stream.status_code == 503 and stream.headers["Retry-After"] == "30"
        assert stream.mimetype == "text/plain"  # not an event stream: EventSource gives up
    page = client.get(f"/cases/{case.reference}").text
    assert 'hx-trigger="sse:changed, every 30s"' in page  # the poll that takes over
    assert client.get(f"/cases/{case.reference}/live").status_code == 200
    client.post("/logout")
    login(client, factories.staff(departments=[case.department]))
    assert client.get(f"/admin/cases/{case.reference}/stream").status_code == 503
    assert client.get("/admin/cases/stream").status_code == 503
    workspace = client.get(f"/admin/cases/{case.reference}").text
    assert 'hx-trigger="sse:changed, live:poll"' in workspace  # app.js polls while down


def test_a_hung_redis_delays_a_reply_by_a_timeout_at_most(client, login, app, monkeypatch,
                                                          caplog):
    """A server that accepts connections and never answers (a frozen Redis)."""
    with socket.socket() as frozen:
        frozen.bind(("127.0.0.1", 0))
        frozen.listen(16)
        _use_redis(app, monkeypatch, f"redis://127.0.0.1:{frozen.getsockname()[1]}/0")
        case = factories.case()
        agent = factories.staff(departments=[case.department])
        started = time.monotonic()
        _reply_both_ways(client, login, case, agent)
        # One publish waits for its timeout; the rest skip Redis while it rests.
        assert time.monotonic() - started < 5
    assert "Booked for Monday." in _bodies(case)
    assert len(_outage_logs(caplog)) == 1


@pytest.fixture
def redis_server() -> Iterator[tuple[subprocess.Popen, str]]:
    """A real redis-server of our own, on a spare port, that the test may kill."""
    binary = shutil.which("redis-server")
    require(binary is not None, "redis-server is not installed")
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - a fixed binary and arguments
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    _wait_for(url)
    yield server, url
    server.kill()
    server.wait(5)


def _wait_for(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=0.2)
    for _ in range(50):
        try:
            client.ping()
            return
        except redis.ConnectionError:
            time.sleep(0.1)
    pytest.fail(f"redis-server did not start at {url}")


def test_redis_killed_mid_test_ends_streams_and_replies_still_save(
        client, login, app, monkeypatch, caplog, redis_server):
    server, url = redis_server
    _use_redis(app, monkeypatch, url)
    case = factories.case()
    agent = factories.staff(departments=[case.department])
    watching = live.listen([live.case_channel(case.id)], timeout=2.0)
    cases.add_staff_reply(case, agent, "Before the outage.")
    assert next(watching)["reference"] == case.reference  # Redis works: the page hears it
    server.kill()
    server.wait(5)
    assert list(watching) == []  # the open page's stream ends, so the browser reconnects
    _reply_both_ways(client, login, case, agent)
    assert "Booked for Monday." in _bodies(case)
    assert len(_outage_logs(caplog)) == 1
    login(client, case.customer)
    assert client.get(f"/cases/{case.reference}/stream").status_code == 503


def test_a_service_run_outside_any_request_queues_its_webhook():
    """A worker or CLI command (no request, no blueprint involved) queues deliveries too."""
    admin = factories.staff(Role.ADMIN)
    db.session.add(Webhook(name="Head office", url="https://hooks.example.com/caseloop",
                           secret="s" * 64, event_types=list(WEBHOOK_EVENTS),
                           department_ids=[], created_by_id=admin.id))
    case = factories.case()
    db.session.query(WebhookDelivery).delete()
    db.session.commit()
    with writing():
        cases.add_staff_reply(case, factories.staff(departments=[case.department]), "Done.")
    db.session.expire_all()
    kinds = [d.event_type for d in db.session.scalars(select(WebhookDelivery))]
    assert sorted(kinds) == ["case.public_reply", "case.status_changed"]


def test_events_committed_without_effects_commit_are_reported():
    """The safety net: a commit that bypassed effects.commit() skipped webhooks and live."""
    case = factories.case()
    timeline.record(case, EventKind.STAFF_REPLY, factories.staff(), "Committed the old way.")
    db.session.commit()
    with pytest.warns(RuntimeWarning, match="without effects.commit"):
        timeline.record(case, EventKind.INTERNAL_NOTE, None, "The next change notices.")
    db.session.commit()
    with pytest.warns(RuntimeWarning, match="without effects.commit"):
        effects.commit()  # so does the next effects.commit()
