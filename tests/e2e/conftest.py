"""A real server on loopback and a real Chromium (Debian's) driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal.extensions import db
from tests.helpers import require

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# The journeys' screenshots are for people to look at, not checks: SCREENSHOTS=0 skips them.
SCREENSHOTS = os.environ.get("SCREENSHOTS", "1") != "0"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def closing_files(app):
    """Read every response but a live stream into memory before the server writes it.

    Werkzeug's development server skips the response's close() when the browser hangs up
    mid-response (its drain loop raises first), leaving a sent file open until garbage
    collection warns; a closing page drops its favicon request exactly so.
    """
    def wsgi(environ, start_response):
        streaming = False

        def start(status, headers, exc_info=None):
            nonlocal streaming
            streaming = any(k.lower() == "content-type" and v.startswith("text/event-stream")
                            for k, v in headers)
            return start_response(status, headers, exc_info)

        body = app(environ, start)
        if streaming:
            return body
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()
    return wsgi


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, closing_files(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    require(Path(CHROMIUM).exists(),
            "Chromium is not installed (apt-get install chromium): browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_page(browser, base_url: str, **options):
    """A fresh context and page that collects console errors; close its context after."""
    # The test's own transaction must not hold the database while the server works.
    db.session.commit()
    options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(base_url=base_url, **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(f"{msg.text} at {msg.location['url']}")
            if msg.type == "error" else None)
    page.console_errors = errors
    return page


@pytest.fixture
def page(browser, live_server):
    page = open_page(browser, live_server)
    yield page
    page.context.close()


@dataclass(frozen=True)
class Place:
    """Where a story's people live: their browser's zone and language, and its screen."""

    zone: str
    locale: str
    width: int
    height: int
    phone: bool

    @property
    def twelve_hour(self) -> bool:
        return self.locale == "en-US"


PLACES = [pytest.param(Place("America/New_York", "en-US", 1280, 900, False), id="new-york-1280"),
          pytest.param(Place("Asia/Kolkata", "en-GB", 375, 800, True), id="kolkata-375")]


@pytest.fixture(params=PLACES)
def place_page(request, browser, live_server):
    """A page in New York at 1280 px on a 12-hour clock, then in Kolkata on a 375 px phone
    on a 24-hour clock; `page.place` says which."""
    place: Place = request.param
    page = open_page(browser, live_server, timezone_id=place.zone, locale=place.locale,
                     viewport={"width": place.width, "height": place.height},
                     is_mobile=place.phone, has_touch=place.phone)
    page.place = place
    yield page
    page.context.close()


@pytest.fixture
def nojs(browser, live_server):
    """A page in Chromium with JavaScript switched off."""
    db.session.commit()
    context = browser.new_context(base_url=live_server, java_script_enabled=False,
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def snap(page, name: str) -> None:
    """Save the page at desktop and at 375 px wide, as test artifacts to look at.

    The narrow shot is taken in a second context with the same cookies, so the page under
    test is never resized in the middle of a journey.
    """
    if not SCREENSHOTS:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # caret="initial": hiding the caret leaves style="" on inputs, which htmx then copies.
    page.screenshot(path=str(ARTIFACTS / f"{name}-desktop.png"), full_page=True,
                    caret="initial")
    mobile = page.context.browser.new_context(
        viewport={"width": 375, "height": 800}, storage_state=page.context.storage_state())
    try:
        narrow = mobile.new_page()
        narrow.goto(page.url)
        narrow.screenshot(path=str(ARTIFACTS / f"{name}-mobile.png"), full_page=True,
                          caret="initial")
    finally:
        mobile.close()
