"""Live status: what is announced, to whom, and that streams are authorised and end."""

import os
import queue
import threading
from datetime import timedelta

import pytest
import time_machine

from portal import live
from portal.extensions import db
from portal.live.brokers import InProcessBroker, RedisBroker
from portal.models import utcnow
from portal.services import accounts, cases, handoffs, promises, timeline
from tests import factories
from tests.helpers import redis_up, require


class StreamReader(threading.Thread):
    """Reads an SSE response in its own thread, as a server would, collecting event names."""

    def __init__(self, response):
        super().__init__(daemon=True)
        self.response, self.events, self.stop = response, queue.Queue(), threading.Event()
        self.start()

    def run(self):
        try:
            for chunk in self.response.response:
                chunk = chunk.decode() if isinstance(chunk, bytes) else chunk
                for line in chunk.splitlines():
                    if line.startswith("event: "):
                        self.events.put(line.split(": ", 1)[1])
                if self.stop.is_set():
                    break
        finally:
            self.response.close()

    def next_event(self, timeout=5.0):
        return self.events.get(timeout=timeout)

    def finish(self):
        self.stop.set()
        self.join(timeout=5)
        assert not self.is_alive()


@pytest.fixture
def fast_heartbeat(app, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_HEARTBEAT_SECONDS", 0.05)


def test_only_committed_changes_are_announced_and_internal_ones_stay_internal(app):
    case = factories.case()
    public = live.listen([live.case_channel(case.id)], timeout=0.01)
    staff = live.listen([live.case_channel(case.id, internal=True)], timeout=0.01)
    agent = factories.staff(departments=[case.department])
    cases.add_staff_reply(case, agent, "Secret", internal=True)
    assert next(public) is None  # an internal note is not news to the customer
    assert next(staff)["reference"] == case.reference
    cases.add_staff_reply(case, agent, "Hello")
    assert next(public)["reference"] == case.reference
    case.title = "changed but rolled back"
    cases.timeline.record(case, cases.EventKind.STAFF_REPLY, agent, "never committed")
    db.session.rollback()
    assert next(public) is None
    public.close()
    staff.close()


def test_customer_stream_delivers_a_change_and_is_scoped(client, login, fast_heartbeat):
    dana = factories.customer()
    case = factories.case(dana)
    other = factories.case()
    login(client, dana)
    assert client.get(f"/cases/{other.reference}/stream").status_code == 404
    # Browser tests' streams may still be winding down in the shared broker: count ours.
    before = live.broker().subscriber_count()
    response = client.get(f"/cases/{case.reference}/stream", buffered=False)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    reader = StreamReader(response)
    cases.add_staff_reply(case, factories.staff(departments=[case.department]), "Booked.")
    assert reader.next_event() == "changed"
    reader.finish()
    assert live.broker().subscriber_count() <= before  # closing unsubscribes


def test_a_stream_ends_when_the_session_is_revoked(client, login, fast_heartbeat):
    dana = factories.customer()
    case = factories.case(dana)
    login(client, dana)
    reader = StreamReader(client.get(f"/cases/{case.reference}/stream", buffered=False))
    accounts.revoke_sessions(dana)  # signed out elsewhere
    assert reader.next_event() == "ended"
    reader.finish()


def test_live_fragment_answers_304_until_the_case_changes(client, login):
    dana = factories.customer()
    case = factories.case(dana)
    login(client, dana)
    url = f"/cases/{case.reference}/live"
    first = client.get(url, headers={"HX-Request": "true"})
    assert first.status_code == 200 and 'id="case-live"' in first.text
    assert "<html" not in first.text
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    cases.add_staff_reply(case, factories.staff(departments=[case.department]), "Update!")
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Update!" in changed.text


def test_case_page_connects_to_its_own_stream(client, login):
    dana = factories.customer()
    case = factories.case(dana)
    login(client, dana)
    page = client.get(f"/cases/{case.reference}").text
    assert f'sse-connect="/cases/{case.reference}/stream"' in page
    assert 'hx-trigger="sse:changed, every 30s"' in page
    assert "htmx-ext-sse-2.2.4.min.js" in page


def test_in_process_broker_fans_out_to_every_subscriber():
    broker = InProcessBroker()
    one, two = broker.listen(["a"], 0.01), broker.listen(["a", "b"], 0.01)
    broker.publish("a", {"n": 1})
    broker.publish("b", {"n": 2})
    assert next(one) == {"n": 1} and next(one) is None
    assert [next(two), next(two)] == [{"n": 1}, {"n": 2}]
    one.close()
    two.close()
    assert broker.subscriber_count() == 0


def test_redis_broker_against_the_real_redis():
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    broker = RedisBroker(url)
    try:
        subscription = broker.listen(["case:1:public"], 1.0)
    except Exception as exc:  # noqa: BLE001 - any connection failure means no Redis here
        require(False, f"Redis is not reachable at {url}: {exc}")
    other = RedisBroker(url)  # as if another worker or host
    other.publish("case:1:public", {"case": 1})
    assert next(subscription) == {"case": 1}
    subscription.close()


def test_a_thousand_open_pages_share_one_redis_connection_and_all_hear_a_change():
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    require(redis_up(url), f"Redis is not reachable at {url}")
    broker = RedisBroker(url)
    watchers = [broker.listen(["case:7:public"], 2.0) for _ in range(1000)]
    broker.publish("case:7:public", {"case": 7})  # a staff change while they all watch
    assert all(next(w) == {"case": 7} for w in watchers)
    for w in watchers:
        w.close()
    assert broker.subscriber_count() == 0


def test_staff_streams_are_scoped_to_what_they_may_see(client, login, fast_heartbeat):
    case = factories.case()
    outsider = factories.staff(departments=[factories.department()])
    login(client, outsider)
    assert client.get(f"/admin/cases/{case.reference}/stream").status_code == 404
    client.post("/admin/logout")
    agent = factories.staff(departments=[case.department])
    login(client, agent)
    reader = StreamReader(client.get("/admin/cases/stream", buffered=False))
    cases.add_staff_reply(case, agent, "Internal only", internal=True)
    assert reader.next_event() == "changed"  # the department's queue hears every change
    reader.finish()
    timeline = client.get(f"/admin/cases/{case.reference}/timeline",
                          headers={"HX-Request": "true"})
    assert "Internal only" in timeline.text and "<html" not in timeline.text


def test_a_live_refresh_after_the_case_moved_away_says_so_without_leaking(client, login):
    case = factories.case(body="Private: my loan number is 4411")
    agent = factories.staff(departments=[case.department])
    login(client, agent)
    handoffs.hand_off(case, agent, factories.department("Finance"), None, "Billing question.")
    htmx = {"HX-Request": "true"}
    gone = client.get(f"/admin/cases/{case.reference}/timeline", headers=htmx)
    unknown = client.get("/admin/cases/CL-999999/timeline", headers=htmx)
    assert gone.status_code == 200 and "no longer open to you" in gone.text
    assert gone.text == unknown.text and "4411" not in gone.text
    assert client.get(f"/admin/cases/{case.reference}/timeline").status_code == 404


def test_a_reaction_is_a_change_the_poll_does_not_answer_304(client, login):
    """“This helped” adds no event, yet the page shows it: a poll holding the old ETag must
    get the new fragment, or the browser's cached copy would undo the customer's click."""
    dana = factories.customer()
    case = factories.case(dana)
    cases.add_staff_reply(case, factories.staff(departments=[case.department]), "Fixed it.")
    reply = next(e for e in timeline.public_events(case) if e.body == "Fixed it.")
    login(client, dana)
    url = f"/cases/{case.reference}/live"
    etag = client.get(url).headers["ETag"]
    client.post(f"/cases/{case.reference}/replies/{reply.id}/reaction", data={"helpful": "yes"})
    after = client.get(url, headers={"If-None-Match": etag})
    assert after.status_code == 200 and "You said this helped." in after.text
    again = client.get(url, headers={"If-None-Match": after.headers["ETag"]})
    assert again.status_code == 304


def test_the_poll_shows_we_are_late_once_the_promised_update_time_passes(client, login):
    """Nothing changes on the case, only the clock: the page must still say we are late."""
    dana = factories.customer()
    case = factories.case(dana)
    staff = factories.staff(departments=[case.department])
    due = utcnow() + timedelta(hours=2)
    promises.make(case, staff, "Call you back", staff, due, True)
    login(client, dana)
    url = f"/cases/{case.reference}/live"
    first = client.get(url)
    assert "Next update expected by" in first.text
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    with time_machine.travel(due + timedelta(minutes=1)):
        late = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert late.status_code == 200 and "We are late, and sorry." in late.text
