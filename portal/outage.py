"""A dependency that may fail (Redis): log when it starts failing and when it is back."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable


class Outage:
    """Failures of one dependency, logged once per outage rather than once per call.

    After each failure the dependency rests for `rest` seconds (`resting()` is true), so a
    server that hangs costs one timeout now and then, not one on every request.
    """

    def __init__(self, name: str, logger: logging.Logger, rest: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.name, self._logger, self._rest, self._clock = name, logger, rest, clock
        self._lock = threading.Lock()
        self._down = False
        self._retry_at = 0.0

    def resting(self) -> bool:
        """True shortly after a failure: skip the call instead of waiting for a timeout."""
        return self._down and self._clock() < self._retry_at

    def failed(self, error: BaseException) -> None:
        """Note a failure; only the first of an outage is logged."""
        with self._lock:
            first, self._down = not self._down, True
            self._retry_at = self._clock() + self._rest
        if first:
            self._logger.warning("%s is unavailable (%s: %s); carrying on without it until "
                                 "it is back", self.name, type(error).__name__, error)

    def recovered(self) -> None:
        """Note a success; logged only when it ends an outage."""
        with self._lock:
            was_down, self._down = self._down, False
        if was_down:
            self._logger.info("%s is available again", self.name)
