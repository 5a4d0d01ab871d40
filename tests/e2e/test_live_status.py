"""Issue 6: two gunicorn workers, Redis, and two browsers: a staff change appears live."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Role, Status
from tests import factories
from tests.e2e.conftest import snap
from tests.e2e.helpers import staff_sign_in
from tests.helpers import free_port, redis_up, require

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture
def gunicorn_server(app):
    require(redis_up(REDIS_URL), f"Redis is not reachable at {REDIS_URL}")
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": REDIS_URL,
        "SECRET_KEY": app.config["SECRET_KEY"], "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2", "ACCESS_LOG": "", "ATTACHMENT_DIR": app.config["ATTACHMENT_DIR"],
    }
    server = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "portal.wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as answer:  # noqa: S310
                if answer.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        pytest.fail("gunicorn did not start: " + server.stderr.read().decode()[-2000:])
    yield base
    server.terminate()
    server.wait(timeout=15)
    server.stderr.close()


def test_staff_change_appears_on_the_customers_open_page_without_reload(
        browser, gunicorn_server):
    dep = factories.department("Home Delivery")
    factories.staff(Role.AGENT, [dep], "June Park", "june@example.com")
    sam = factories.customer("Sam Okoro", "sam@example.com")
    case = factories.case(sam, "My grocery order has not arrived", cat=factories.category(dep))
    reference = case.reference
    db.session.commit()

    contexts = [browser.new_context(base_url=gunicorn_server) for _ in range(2)]
    customer, staff = (c.new_page() for c in contexts)
    try:
        customer.goto("/login")
        customer.get_by_label("Email").first.fill("sam@example.com")
        customer.get_by_label("Password").fill(factories.PASSWORD)
        customer.get_by_role("button", name="Sign in", exact=True).click()
        expect(customer.get_by_role("heading", name="My cases")).to_be_visible()
        customer.goto(f"/cases/{reference}")
        expect(customer.get_by_text("Received", exact=True)).to_be_visible()
        customer.wait_for_timeout(500)  # let the event stream connect

        staff_sign_in(staff, "june@example.com")
        staff.goto(f"/admin/cases/{reference}")
        staff.get_by_label("Status", exact=True).select_option(
            label=factories.STATUS_LABELS[Status.WAITING_ON_THIRD_PARTY])
        staff.get_by_label("What to tell the customer (optional)").fill(
            "We are tracing your delivery with the depot.")
        started = time.monotonic()
        staff.get_by_role("button", name="Change status").click()

        live = customer.get_by_role("list", name="Case history")
        expect(live.get_by_text("We are tracing your delivery with the depot.")).to_be_visible()
        elapsed = time.monotonic() - started
        expect(customer.get_by_text("Waiting on a third party").first).to_be_visible()
        print(f"live update seen by the customer {elapsed * 1000:.0f} ms after the click")
        snap(customer, "customer-live-update")
    finally:
        for context in contexts:
            context.close()

