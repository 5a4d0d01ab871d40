"""SQLite writers of every process on one machine take turns at a lock file, not at SQLite.

SQLite's busy handler makes a writer that finds the database locked sleep and retry, each
sleep longer than the last (1, 2, 5, 10, … up to 100 ms): under a steady stream of writes
from several worker processes, a request that lost a few rounds sleeps on long after the
lock was free, and the slowest replies took five times the typical one. Here a writer
waits on a lock file beside the database and looks again every few hundred microseconds
(never more than `MAX_NAP`), so the lock passes on within about a millisecond of being
released. Polling rather than a blocking `flock` works the same under gevent (its
`time.sleep` yields) and keeps a deadline; SQLite's own busy timeout stays as the backstop
for writers that do not use this lock (the `sqlite3` shell, another program).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

FIRST_NAP = 0.0002
MAX_NAP = 0.002


class WriterTurns:
    """The lock file of one database. A process's file descriptor is its own: one opened
    before a fork would let parent and child hold the lock at the same time."""

    def __init__(self, database: str) -> None:
        self.path = Path(database + ".writer-lock")
        self._fd: int | None = None
        self._pid = 0
        self._opening = threading.Lock()

    def _descriptor(self) -> int | None:
        """This process's descriptor of the lock file; None if it cannot be opened (another
        user's file, a read-only folder): then SQLite's busy handler alone orders writers,
        as before, rather than a write failing."""
        if self._pid != os.getpid():
            with self._opening:
                if self._pid != os.getpid():
                    self._fd = self._open()
                    self._pid = os.getpid()
        return self._fd

    def _open(self) -> int | None:
        try:  # readable and writable as the umask allows, like SQLite's own -wal and -shm
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            log.warning("SQLite writers' lock file %s unusable (%s): writers wait in SQLite's "
                        "busy handler instead", self.path, exc)
            return None

    def acquire(self, timeout: float) -> bool:
        """Take the turn, waiting up to `timeout` seconds; False if another writer kept it."""
        fd = self._descriptor()
        if fd is None:
            return True
        deadline = time.monotonic() + timeout
        nap = FIRST_NAP
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(nap)
                nap = min(nap * 2, MAX_NAP)

    def release(self) -> None:
        fd = self._descriptor()
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)


def turns_for(database: str | None) -> WriterTurns | None:
    """The lock file for a database file; none for an in-memory database (one process)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return WriterTurns(database)
