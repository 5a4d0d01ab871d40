"""A burst of wrong passwords on the SQLite production setup freezes nothing.

`make serve` runs gunicorn with gevent workers over the default SQLite file. A failed sign-in
used to hold SQLite's write lock while the rate limiter talked to Redis; a second sign-in in
the same worker then waited for that lock inside SQLite, which blocks the whole gevent worker,
so the first could never finish: every request of the worker stalled for 15-31 s.
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from portal.extensions import db
from tests import factories
from tests.reliability.browser import Browser
from tests.reliability.conftest import health

pytestmark = pytest.mark.slow  # real gunicorn servers under load: `make test-slow`


def _burst(base: str, email: str, attempts: int) -> list[tuple[int, float]]:
    """Sign in with a wrong password from `attempts` browsers at once: (status, seconds)."""
    browsers = [Browser(base, timeout=60) for _ in range(attempts)]
    tokens = [b.csrf_token("/login") for b in browsers]
    start, results = threading.Barrier(attempts), [None] * attempts

    def attempt(n: int) -> None:
        start.wait()
        began = time.monotonic()
        answer = browsers[n].post("/login", {"csrf_token": tokens[n], "email": email,
                                             "password": "a wrong password"})
        results[n] = (answer.status, time.monotonic() - began)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for browser in browsers:
        browser.close()
    return results


def _health_while(base: str, stop: threading.Event, seen: list[float]) -> None:
    while not stop.is_set():
        began = time.monotonic()
        assert health(base) == 200
        seen.append(time.monotonic() - began)
        time.sleep(0.05)


def _server(app, gunicorn, **env):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the SQLite production setup is the subject")
    customer = factories.customer("Dana Whitfield", f"dana-{uuid.uuid4().hex[:8]}@example.com")
    email = customer.email
    db.session.commit()  # the server must see the account, and SQLite's lock must be free
    # A key prefix of this run's own: counts from earlier runs in the shared Redis stay apart.
    server = gunicorn(app.config["SQLALCHEMY_DATABASE_URI"],
                      RATELIMIT_KEY_PREFIX=f"burst-{uuid.uuid4().hex}", **env)
    return server, email


@pytest.mark.timeout(180)
def test_twelve_wrong_passwords_at_once_are_answered_quickly_and_health_stays_up(app, gunicorn):
    server, email = _server(app, gunicorn, RATELIMIT_SIGN_IN_ACCOUNT="100 per 15 minutes")
    stop, health_times = threading.Event(), []
    watcher = threading.Thread(target=_health_while, args=(server.base, stop, health_times))
    watcher.start()
    try:
        results = _burst(server.base, email, 12)
    finally:
        stop.set()
        watcher.join(timeout=30)
    statuses = [status for status, _ in results]
    slowest = max(seconds for _, seconds in results)
    print(f"\n12 wrong passwords at once: slowest answer {slowest:.2f} s, "
          f"slowest /healthz {max(health_times):.2f} s")
    assert statuses == [422] * 12  # each told the password was wrong, none a 500 or 503
    assert slowest < 3
    assert health_times and max(health_times) < 2


@pytest.mark.timeout(180)
def test_forty_wrong_passwords_at_once_check_at_most_ten(app, gunicorn):
    server, email = _server(app, gunicorn, RATELIMIT_SIGN_IN_IP="1000 per 15 minutes")
    statuses = [status for status, _ in _burst(server.base, email, 40)]
    checked, refused = statuses.count(422), statuses.count(429)
    print(f"\n40 wrong passwords at once: {checked} checked, {refused} refused (429)")
    assert checked <= 10 and checked + refused == 40
    assert checked == 10  # the limit is not stricter than it says either
