"""Where live events travel: in-process for one server, Redis pub/sub for many."""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

import redis

from ..outage import Outage

logger = logging.getLogger(__name__)
PREFIX = "caseloop:"

# A subscriber that hears nothing for this long gets a None, so it can check its session.
HEARTBEAT_SECONDS = 15.0
SUBSCRIBE_TIMEOUT = 2.0
# Short, so a Redis that is down or hung delays a reply by a moment, never indefinitely.
CONNECT_TIMEOUT = 1.0
PUBLISH_TIMEOUT = 1.0
# Put in a subscriber's inbox to end its stream (the Redis subscription behind it is gone).
_ENDED: dict = {}


class LiveUnavailable(Exception):
    """Live updates cannot be subscribed to now (Redis is down); pages poll instead."""


class Subscription:
    """Iterate for messages (None on each quiet heartbeat); close() to unsubscribe.

    Subscribing happens when this is made, not on first iteration, so nothing published
    after the request was accepted is missed, and close() works even if never iterated.
    """

    def __init__(self, receive: Callable[[], dict | None], on_close: Callable[[], None]):
        self._receive, self._on_close, self._closed = receive, on_close, False

    def __iter__(self) -> Iterator[dict | None]:
        return self

    def __next__(self) -> dict | None:
        message = None if self._closed else self._receive()
        if self._closed or message is _ENDED:
            self.close()
            raise StopIteration
        return message

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._on_close()


class Broker(Protocol):
    def publish(self, channel: str, message: dict) -> None: ...

    def publish_all(self, messages: Iterable[tuple[str, dict]]) -> None: ...

    def listen(self, channels: Iterable[str], timeout: float) -> Subscription: ...


class InProcessBroker:
    """Fan-out between threads of one process (`make run`, tests)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[queue.SimpleQueue]] = {}

    def publish(self, channel: str, message: dict) -> None:
        with self._lock:
            targets = list(self._subscribers.get(channel, ()))
        for inbox in targets:
            inbox.put(message)

    def publish_all(self, messages: Iterable[tuple[str, dict]]) -> None:
        for channel, message in messages:
            self.publish(channel, message)

    def end_all(self) -> None:
        """End every subscriber's stream, so its page reconnects (or falls back to polling)."""
        with self._lock:
            inboxes = {inbox for subscribers in self._subscribers.values()
                       for inbox in subscribers}
        for inbox in inboxes:
            inbox.put(_ENDED)

    def listen(self, channels: Iterable[str], timeout: float) -> Subscription:
        inbox: queue.SimpleQueue = queue.SimpleQueue()
        names = list(channels)
        with self._lock:
            for name in names:
                self._subscribers.setdefault(name, set()).add(inbox)

        def receive() -> dict | None:
            try:
                return inbox.get(timeout=timeout)
            except queue.Empty:
                return None

        def unsubscribe() -> None:
            with self._lock:
                for name in names:
                    self._subscribers.get(name, set()).discard(inbox)

        return Subscription(receive, unsubscribe)

    def subscriber_count(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._subscribers.values())


class RedisBroker:
    """Redis pub/sub: every worker on every host hears every publish.

    One pattern subscription per process feeds an in-process fan-out, so a thousand open
    pages cost one Redis connection, not a thousand (redis-py's pool would refuse them, and
    a refused pool also fails the publish behind a staff reply). Redis being down never
    fails a caller: publishing logs it (once per outage), listening raises LiveUnavailable.
    """

    def __init__(self, url: str) -> None:
        self._publisher = redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT,
                                               socket_timeout=PUBLISH_TIMEOUT)
        # The read timeout bounds the subscribe handshake; the pump below waits for messages
        # with a timeout of its own, so a quiet subscription is never mistaken for a hang.
        self._subscriber = redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT,
                                                socket_timeout=SUBSCRIBE_TIMEOUT,
                                                socket_keepalive=True)
        self.outage = Outage("Live updates (Redis)", logger)
        self._local = InProcessBroker()
        self._lock = threading.Lock()
        self._pump: threading.Thread | None = None  # started on first listen, in the worker

    def publish(self, channel: str, message: dict) -> None:
        self.publish_all([(channel, message)])

    def publish_all(self, messages: Iterable[tuple[str, dict]]) -> None:
        """Send in one round trip; while Redis is down, log once and drop (pages poll)."""
        batch = list(messages)
        if not batch or self.outage.resting():
            return
        try:
            with self._publisher.pipeline(transaction=False) as pipe:
                for channel, message in batch:
                    pipe.publish(f"{PREFIX}{channel}", json.dumps(message))
                pipe.execute()
        except (redis.RedisError, OSError) as exc:
            self.outage.failed(exc)
        else:
            self.outage.recovered()

    def listen(self, channels: Iterable[str], timeout: float) -> Subscription:
        """Subscribe; LiveUnavailable when Redis cannot be reached."""
        self._ensure_pump()
        return self._local.listen(channels, timeout)

    def subscriber_count(self) -> int:
        return self._local.subscriber_count()

    def _ensure_pump(self) -> None:
        with self._lock:
            if self._pump is not None and self._pump.is_alive():
                return
            if self.outage.resting():  # failed a moment ago: do not wait on it again
                raise LiveUnavailable(self.outage.name)
            try:
                pubsub = self._subscribe()
            except (redis.RedisError, OSError) as exc:
                self.outage.failed(exc)
                raise LiveUnavailable(self.outage.name) from exc
            self.outage.recovered()
            self._pump = threading.Thread(target=self._forward, args=(pubsub,), daemon=True,
                                          name="caseloop-live-redis")
            self._pump.start()

    def _subscribe(self) -> redis.client.PubSub:
        """A pattern subscription Redis has confirmed; raises when it cannot be had."""
        pubsub = self._subscriber.pubsub()
        try:
            pubsub.psubscribe(f"{PREFIX}*")
            # Wait for Redis to confirm, so a publish right after listen() is not missed.
            reply = pubsub.get_message(timeout=SUBSCRIBE_TIMEOUT)
        except BaseException:
            pubsub.close()
            raise
        if reply is None or reply["type"] != "psubscribe":
            pubsub.close()
            raise ConnectionError("Redis did not confirm the subscription")
        return pubsub

    def _forward(self, pubsub: redis.client.PubSub) -> None:
        """Hand every message to this process's subscribers; on a lost connection, end their
        streams: each page reconnects, and while Redis stays down it polls instead."""
        try:
            while True:
                raw = pubsub.get_message(timeout=HEARTBEAT_SECONDS)
                if raw is not None and raw["type"] == "pmessage":
                    channel = raw["channel"].decode()[len(PREFIX):]
                    self._local.publish(channel, json.loads(raw["data"]))
        except Exception as exc:  # noqa: BLE001 - any failure ends this pump; the next listen
            self.outage.failed(exc)  # starts another
        finally:
            pubsub.close()
            self._local.end_all()
