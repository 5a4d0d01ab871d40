"""Real servers for the reliability tests: gunicorn as `make serve` runs it, on a free port."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import free_port, redis_up, require
from tests.reliability import pgcluster

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")


def health(base: str) -> int:
    """The status /healthz answers with, or 0 if nothing answers."""
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as answer:  # noqa: S310
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


class Gunicorn:
    """`make serve`'s production setup (gevent workers, CSRF on, Redis if it runs)."""

    def __init__(self, database_url: str, tmp: Path, workers: int = 2, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tmp / f"gunicorn-{self.port}.log"
        self.env = os.environ | {
            "CASELOOP_ENV": "production", "SECRET_KEY": "reliability-test-secret",
            "SESSION_COOKIE_SECURE": "0", "DATABASE_URL": database_url,
            "BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(workers),
            "ACCESS_LOG": "", "ATTACHMENT_DIR": str(tmp / "attachments"), **env,
        }
        require(redis_up(REDIS_URL),
                f"Redis is not reachable at {REDIS_URL}: `make serve` needs it")
        self.env["REDIS_URL"] = REDIS_URL
        self.process: subprocess.Popen | None = None

    def start(self) -> str:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
                # No control socket: its default path is shared by every gunicorn on the host.
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                 "--no-control-socket", "portal.wsgi:app"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if health(self.base) == 200 and len(self.worker_pids()) == int(
                    self.env["WEB_CONCURRENCY"]):
                return self.base
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"gunicorn did not start:\n{self.log_text()[-3000:]}")

    def worker_pids(self) -> set[int]:
        """The worker processes the master runs now."""
        if self.process is None:
            return set()
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return {int(pid) for pid in children.read_text().split()}
        except OSError:
            return set()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@pytest.fixture
def gunicorn(tmp_path):
    """Start gunicorn against a database URL; every server started is stopped afterwards."""
    started: list[Gunicorn] = []

    def _start(database_url: str, workers: int = 2, **env: str) -> Gunicorn:
        server = Gunicorn(database_url, tmp_path, workers, **env)
        started.append(server)
        server.start()
        return server

    yield _start
    for server in started:
        server.stop()


@pytest.fixture
def pg_cluster():
    """A PostgreSQL cluster of this test's own (never the shared one on 5432)."""
    bin_dir = pgcluster.binaries()
    require(bin_dir is not None, "PostgreSQL's initdb and pg_ctl are not installed "
            "(apt-get install postgresql): the database restart test needs them")
    cluster = pgcluster.Cluster(bin_dir, free_port())
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.destroy()
