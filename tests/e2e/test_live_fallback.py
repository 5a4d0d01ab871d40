"""Redis down in a real browser: the stream is refused, and the staff page polls instead."""

from __future__ import annotations

import socket

from playwright.sync_api import expect

from portal.database import writing
from portal.live.brokers import RedisBroker
from portal.services import cases
from tests import factories
from tests.e2e.helpers import staff_sign_in


def _dead_redis_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{probe.getsockname()[1]}/0"


def test_with_redis_down_the_staff_timeline_polls_and_shows_a_colleagues_reply(
        page, app, monkeypatch):
    monkeypatch.setitem(app.extensions, "caseloop_broker", RedisBroker(_dead_redis_url()))
    case = factories.case()
    agent = factories.staff(departments=[case.department], email="tom@example.com")
    colleague = factories.staff(departments=[case.department], name="Grace Okafor")
    page.clock.install()  # the 30 s poll is run by fast-forwarding, not by waiting
    staff_sign_in(page, agent.email)
    page.goto(f"/admin/cases/{case.reference}")
    # The stream answered 503: app.js marks it down, with no error shown on the page.
    expect(page.locator("[sse-connect][data-live-down]")).to_have_count(1)
    expect(page.locator("#flashes .flash--error")).to_have_count(0)
    with writing():
        cases.add_staff_reply(case, colleague, "Parts arrive on Tuesday.")
    timeline = page.get_by_role("list", name="Case timeline")
    expect(timeline).not_to_contain_text("Parts arrive on Tuesday.")
    page.clock.fast_forward(31_000)
    expect(timeline).to_contain_text("Parts arrive on Tuesday.")
