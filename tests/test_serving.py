"""`make serve`'s setup (serve.py, gunicorn.conf.py): nginx sends event streams to the gevent
pool and pages to the sync pool, so an open stream never holds the worker a page needs."""

from __future__ import annotations

import http.client
import os
import shutil
import threading
import time

import pytest

import serve
from portal.extensions import db
from tests import factories
from tests.helpers import free_port, redis_up, require
from tests.reliability.browser import Browser

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")
pytestmark = pytest.mark.slow  # three servers to start (nginx, two gunicorns): `make test-slow`


def _open_stream(base: str, path: str, cookie: str,
                 connections: list) -> http.client.HTTPResponse:
    """An event stream that has answered 200 and is subscribed (its first line came)."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=20)
    connections.append(conn)
    conn.request("GET", path, headers={"Cookie": cookie, "Accept": "text/event-stream"})
    stream = conn.getresponse()
    assert stream.status == 200, stream.read()[:300]
    assert stream.headers["Content-Type"].startswith("text/event-stream")
    assert stream.readline().startswith(b"retry:")
    return stream


def _read_until(stream: http.client.HTTPResponse, marker: bytes, found: list) -> None:
    while line := stream.readline():
        if line.startswith(marker):
            found.append(line)
            return


@pytest.mark.timeout(120)
def test_pages_answer_on_one_sync_worker_while_streams_stay_open(app, tmp_path):
    require(shutil.which("nginx", path=os.environ["PATH"] + ":/usr/sbin"),
            "nginx is not installed (apt-get install nginx): `make serve` needs it")
    require(redis_up(REDIS_URL), f"Redis is not reachable at {REDIS_URL}: `make serve` needs it")
    sam = factories.customer("Sam Okoro", "sam@example.com")
    case = factories.case(sam, "My grocery order has not arrived")
    reference = case.reference
    db.session.commit()  # the servers must see the account
    env = {"CASELOOP_ENV": "production", "SECRET_KEY": "serving-test-secret",
           "SESSION_COOKIE_SECURE": "0", "TRUSTED_PROXIES": "1",
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": REDIS_URL,
           "BIND": f"127.0.0.1:{free_port()}", "ACCESS_LOG": "",
           "ATTACHMENT_DIR": str(tmp_path / "attachments"),
           # One sync worker: a stream routed to it would hold it, and no page would answer.
           "WEB_CONCURRENCY": "1"}
    with (tmp_path / "servers.log").open("wb") as log, serve.running(env, log=log) as servers:
        browser = Browser(servers.base, timeout=10)
        browser.sign_in("sam@example.com", factories.PASSWORD)
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
        connections: list[http.client.HTTPConnection] = []
        streams = [_open_stream(servers.base, f"/cases/{reference}/stream", cookie,
                                connections) for _ in range(3)]
        started = time.monotonic()
        page = browser.get(f"/cases/{reference}")
        assert page.status == 200 and "My grocery order has not arrived" in page.text
        assert time.monotonic() - started < 10
        # The reply is saved by the pages pool and reaches every stream of the other pool.
        found: list[bytes] = []
        readers = [threading.Thread(target=_read_until, args=(s, b"event: changed", found))
                   for s in streams]
        for reader in readers:
            reader.start()
        token = browser.csrf_token(f"/cases/{reference}")
        answer = browser.post(f"/cases/{reference}/replies",
                              {"csrf_token": token, "body": "It came this morning, thanks."})
        assert answer.status == 302
        for reader in readers:
            reader.join(timeout=15)
        assert len(found) == 3
        # A stream sent straight to the sync pool is refused; the page polls instead.
        misrouted = Browser(servers.pages_base, timeout=10)
        misrouted.cookies = browser.cookies
        assert misrouted.get(f"/cases/{reference}/stream").status == 503
        misrouted.close()
        for stream, conn in zip(streams, connections, strict=True):
            stream.close()
            conn.close()
        browser.close()
