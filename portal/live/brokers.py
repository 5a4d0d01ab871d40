"""Where live events travel: in-process for one server, Redis pub/sub for many."""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

logger = logging.getLogger(__name__)
PREFIX = "caseloop:"

# A subscriber that hears nothing for this long gets a None, so it can check its session.
HEARTBEAT_SECONDS = 15.0
SUBSCRIBE_TIMEOUT = 5.0


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
        if self._closed:
            raise StopIteration
        return self._receive()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._on_close()


class Broker(Protocol):
    def publish(self, channel: str, message: dict) -> None: ...

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
    a refused pool also fails the publish behind a staff reply).
    """

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._local = InProcessBroker()
        self._lock = threading.Lock()
        self._pump: threading.Thread | None = None  # started on first listen, in the worker

    def publish(self, channel: str, message: dict) -> None:
        self._redis.publish(f"{PREFIX}{channel}", json.dumps(message))

    def listen(self, channels: Iterable[str], timeout: float) -> Subscription:
        self._ensure_pump()
        return self._local.listen(channels, timeout)

    def subscriber_count(self) -> int:
        return self._local.subscriber_count()

    def _ensure_pump(self) -> None:
        with self._lock:
            if self._pump is not None and self._pump.is_alive():
                return
            pubsub = self._redis.pubsub()
            pubsub.psubscribe(f"{PREFIX}*")
            # Wait for Redis to confirm, so a publish right after listen() is not missed.
            reply = pubsub.get_message(timeout=SUBSCRIBE_TIMEOUT)
            if reply is None or reply["type"] != "psubscribe":
                pubsub.close()
                raise ConnectionError("Redis did not confirm the subscription")
            self._pump = threading.Thread(target=self._forward, args=(pubsub,), daemon=True,
                                          name="caseloop-live-redis")
            self._pump.start()

    def _forward(self, pubsub) -> None:
        """Hand every message to this process's subscribers; on a lost connection, stop
        (the next listen() starts a new pump; open pages fall back to polling meanwhile)."""
        try:
            for raw in pubsub.listen():
                if raw["type"] == "pmessage":
                    channel = raw["channel"].decode()[len(PREFIX):]
                    self._local.publish(channel, json.loads(raw["data"]))
        except Exception:  # noqa: BLE001 - any failure ends this pump; logged, then replaced
            logger.exception("Live updates: the Redis subscription ended")
        finally:
            pubsub.close()
