"""Load runs against the real production setup on loopback; prints Markdown tables.

    python -m benchmarks.run --database-url postgresql+psycopg://postgres@127.0.0.1/bench

Starts the production serving setup exactly as `make serve` does (serve.py: nginx in front of
a sync gunicorn for pages and a gevent gunicorn for event streams; `--setup gevent` for the
old single gevent gunicorn) for Caseloop, and the same for a bare Flask endpoint doing one
indexed query (the ceiling each page is compared with). With `--open-streams N`, N event
streams stay open while the pages are driven, as open case pages would hold them. Each
HTTP scenario is a fixed-length wrk run (Debian's `wrk`, installed with apt-get when missing
and run as root) with a fixed number of connections.
Live delivery opens N Server-Sent Events watchers on one case, lets a staff member change
it a few times, and times each event from the moment the change was POSTed to its arrival
at each watcher (needs Redis). Every loop is bounded in time; all traffic is to 127.0.0.1.

Server CPU per request (issue #20's measure): for each wrk run, the utime + stime that the
page pool's gunicorn workers spent (read from /proc/<pid>/stat before and after), divided by
the requests wrk completed, and its ratio to the bare page's. The bare page runs before the
first page and after every page (both servers stay up), and its row is the median of those
runs, so load from elsewhere on the machine moves both sides alike.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import http.cookiejar
import json
import math
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

import serve
from benchmarks.cpu import TARGETS as IN_PROCESS_TARGETS
from benchmarks.generate import BENCH_PASSWORD
from benchmarks.pages import Page, bench_app, pages, query_counts, samples
from portal.extensions import db
from portal.models import Case, CaseEvent

ROOT = Path(__file__).resolve().parents[1]
BARE = "bare Flask endpoint (ceiling)"
# Issue #20's server-CPU targets (× bare), by this runner's page names.
TARGETS = IN_PROCESS_TARGETS | {"staff queue": IN_PROCESS_TARGETS["staff queue, 50 rows"]}
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')
WRK_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nRESULT {"requests": %d, "seconds": %f, "p50": %d, "p95": %d, "p99": %d, '
    .. '"socket_errors": %d, "http_errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status))
end
"""


@dataclass
class Result:
    name: str
    p50: float  # ms
    p95: float
    p99: float
    rps: float
    errors: int
    queries: str | None = None
    requests: int = 0
    cpu_ms: float = float("nan")  # server CPU per request: see served()
    db_cpu_ms: float = float("nan")  # PostgreSQL's, apart


# --- servers -------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(setup: str, app_path: str, env: dict[str, str], probe: str):
    """The serving setup on a free loopback port; yields (base URL, gunicorn master pids)
    once it answers `probe` (and every worker has served a few)."""
    if setup == "gevent":
        with gunicorn(app_path, env, probe) as (base, master):
            yield base, [master]
        return
    env = env | {"BIND": f"127.0.0.1:{_free_port()}", "ACCESS_LOG": ""}
    with tempfile.TemporaryFile() as log:
        try:
            with serve.running(env, app_path, probe, log) as servers:
                _wait_for(servers.base + probe, servers.pages, log, app_path)
                yield servers.base, [servers.pages.pid, servers.streams.pid]
        except SystemExit:
            log.seek(0)
            print(log.read().decode()[-3000:], file=sys.stderr)
            raise


@contextmanager
def gunicorn(app_path: str, env: dict[str, str], probe: str):
    """The old setup: one gevent gunicorn (SERVE_POOL=all) on a free loopback port; yields
    (base URL, pid) once every worker answers `probe`."""
    port = _free_port()
    env = os.environ | env | {"BIND": f"127.0.0.1:{port}", "ACCESS_LOG": "",
                              "SERVE_POOL": "all"}
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", app_path],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
        try:
            _wait_for(f"http://127.0.0.1:{port}{probe}", server, log, app_path)
            yield f"http://127.0.0.1:{port}", server.pid
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_for(url: str, server: subprocess.Popen, log, app_path: str) -> None:
    # The port opens before the workers have imported the app: wait for real answers,
    # enough of them that both workers have served (and warmed up) a few.
    deadline, answered = time.monotonic() + 120, 0
    while answered < 20:
        try:
            with urllib.request.urlopen(url, timeout=30):  # noqa: S310 - loopback
                answered += 1
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise SystemExit(f"{app_path} did not start:\n"
                                 + log.read().decode()[-3000:]) from None
            time.sleep(0.2)


def _workers(masters: list[int]) -> list[int]:
    """The worker processes of these gunicorn masters (their children)."""
    return [int(pid) for master in masters
            for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def worker_rss_mb(masters: list[int]) -> list[float]:
    """Resident memory of each worker of these gunicorn masters, in MiB."""
    sizes = []
    for pid in _workers(masters):
        status = Path(f"/proc/{pid}/status").read_text()
        kb = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
        sizes.append(kb / 1024)
    return sizes


# --- signing in over HTTP, as a browser does -----------------------------------------------

class Browser:
    """A cookie jar and the CSRF token of the last page: enough to sign in and post."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        no_redirects = type("NoRedirects", (urllib.request.HTTPRedirectHandler,),
                            {"redirect_request": lambda *a, **k: None})
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), no_redirects)
        self.token = ""

    def request(self, path: str, form: dict | None = None) -> int:
        data = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
        try:
            with self.opener.open(self.base + path, data=data, timeout=30) as answer:
                self._remember_token(answer.read().decode())
                return answer.status
        except urllib.error.HTTPError as answer:
            return answer.code

    def _remember_token(self, html: str) -> None:
        found = TOKEN.search(html)
        if found:
            self.token = found.group(1) or found.group(2)

    def sign_in(self, email: str, staff: bool) -> Browser:
        path = "/admin/login" if staff else "/login"
        self.request(path)
        status = self.request(path, {"email": email, "password": BENCH_PASSWORD,
                                     "csrf_token": self.token})
        if status != 302:
            raise SystemExit(f"Could not sign in as {email} (HTTP {status}).")
        return self

    @property
    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


# --- wrk -----------------------------------------------------------------------------------

def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing wrk (apt-get install wrk) …", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True,  # noqa: S607
                       stdout=subprocess.DEVNULL)
        return shutil.which("wrk") or sys.exit("wrk did not install")
    raise SystemExit("This needs wrk: `sudo apt-get install wrk` (Debian/Ubuntu).")


def _lua(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal


def wrk_script(cookie: str = "", form: dict | None = None, paths: list[str] | None = None,
               random_ids: int = 0, headers: dict | None = None) -> str:
    lines = []
    if cookie:
        lines.append(f"wrk.headers[\"Cookie\"] = {_lua(cookie)}")
    for name, value in (headers or {}).items():
        lines.append(f"wrk.headers[{_lua(name)}] = {_lua(value)}")
    if form is not None:
        lines += ['wrk.method = "POST"',
                  'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"',
                  f"wrk.body = {_lua(urllib.parse.urlencode(form))}"]
    if paths or random_ids:
        # wrk gives every thread its own Lua state with the same unseeded random numbers: both
        # threads would ask for the same case at the same moment (two replies racing for
        # one case's lock). Each thread draws its own sequence.
        lines += ["local threads = 0",
                  "setup = function(thread) threads = threads + 1; thread:set('n', threads) end",
                  "init = function(args) math.randomseed(os.time() * 1000 + n) end"]
    if paths:
        lines.append("paths = {" + ", ".join(_lua(p) for p in paths) + "}")
        lines.append("request = function() return wrk.format(nil, "
                     "paths[math.random(#paths)]) end")
    if random_ids:
        lines.append(f"request = function() return wrk.format(nil, '/case/' .. "
                     f"math.random({random_ids})) end")
    return "\n".join(lines) + WRK_DONE


def run_wrk(name: str, url: str, script: str, seconds: int, connections: int) -> Result:
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        done = subprocess.run(  # noqa: S603 - fixed arguments, loopback only
            [ensure_wrk(), "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
             "-s", lua.name, url], capture_output=True, text=True, timeout=seconds + 60,
            check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    found = json.loads(line[len("RESULT "):])
    return Result(name, found["p50"] / 1000, found["p95"] / 1000, found["p99"] / 1000,
                  found["requests"] / found["seconds"],
                  found["socket_errors"] + found["http_errors"], requests=found["requests"])


# --- server CPU ----------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _cpu(pids: list[int], command: str | None = None) -> dict[int, float]:
    """utime + stime (seconds, every thread) of each of these processes, by pid; only those
    running `command`, when given."""
    spent = {}
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            continue  # exited between the listing and the read
        name, fields = stat[stat.index("(") + 1:stat.rindex(")")], stat.rsplit(")", 1)[1].split()
        if command is None or name == command:
            # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
            spent[pid] = (int(fields[11]) + int(fields[12])) / TICK
    return spent


def worker_cpu(masters: list[int]) -> dict[int, float]:
    return _cpu(_workers(masters))


def database_cpu(url: str) -> dict[int, float]:
    """The same for every PostgreSQL backend connected to the benchmark database, when the
    server runs on this machine (SQLite: nothing; its work is in the workers)."""
    if not url.startswith("postgres") or make_url(url).host not in {"127.0.0.1", "localhost"}:
        return {}
    with _engine(url).connect() as conn:
        pids = conn.scalars(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()")).all()
    return _cpu(list(pids), "postgres")


def _per_request(before: dict[int, float], after: dict[int, float], requests: int) -> float:
    # A process that started during the run counts from zero; one that ended is lost.
    spent = sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())
    return spent * 1000 / requests if requests else float("nan")


def served(name: str, url: str, script: str, args, masters: list[int]) -> Result:
    """A wrk run billed the CPU the page workers (the first master's children: not the
    gunicorn masters, nginx or the streams pool) spent during it, and apart from that the
    CPU of the PostgreSQL backends. A one-second run first, not billed: every worker
    compiles the page's templates and fills its caches on its first requests, which a short
    run would otherwise charge to every request."""
    run_wrk(name, url, script, 1, args.connections)
    before = worker_cpu(masters[:1]), database_cpu(args.database_url)
    result = run_wrk(name, url, script, args.seconds, args.connections)
    after = worker_cpu(masters[:1]), database_cpu(args.database_url)
    result.cpu_ms = _per_request(before[0], after[0], result.requests)
    if after[1]:
        result.db_cpu_ms = _per_request(before[1], after[1], result.requests)
    print(f"  {result}", file=sys.stderr)
    return result


def median_result(name: str, runs: list[Result]) -> Result:
    """One row for several runs of one scenario: the median of each figure."""
    def mid(field: str) -> float:
        return statistics.median(getattr(r, field) for r in runs)
    return Result(name, mid("p50"), mid("p95"), mid("p99"), mid("rps"),
                  sum(r.errors for r in runs), requests=sum(r.requests for r in runs),
                  cpu_ms=mid("cpu_ms"), db_cpu_ms=mid("db_cpu_ms"))


def quiesce(base: str, url: str, limit: float = 120) -> None:
    """Wait until the last scenario's work is over: wrk stops sending at the deadline, but
    requests it left in flight (a slow search) still hold the workers and the database, and
    would be billed to the next scenario."""
    deadline, quiet = time.monotonic() + limit, 0
    while quiet < 5 and time.monotonic() < deadline:
        started = time.monotonic()
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=30):  # noqa: S310
                pass
        except OSError:
            pass
        fast = time.monotonic() - started < 0.05
        quiet = quiet + 1 if fast and _database_idle(url) else 0
        time.sleep(0.2)


@functools.lru_cache(maxsize=4)
def _engine(url: str):
    return create_engine(url)


def _database_idle(url: str) -> bool:
    """No other statement running in the benchmark database (PostgreSQL; SQLite: yes)."""
    if not url.startswith("postgres"):
        return True
    with _engine(url).connect() as conn:
        return not conn.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state = 'active' AND pid <> pg_backend_pid()"))


# --- live delivery -------------------------------------------------------------------------

async def _watch(base: str, path: str, cookie: str, arrivals: list, stop: asyncio.Event,
                 connected: list) -> None:
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write((f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n"
                  f"Cookie: {cookie}\r\n\r\n").encode())
    await writer.drain()
    try:
        status = await reader.readline()
        if b" 200 " not in status:
            return
        await reader.readuntil(b"retry:")  # subscribed before the first byte is sent
        connected.append(1)
        while not stop.is_set():
            line = await reader.readline()
            if not line:
                return
            if line.startswith(b"event: changed"):
                arrivals.append(time.monotonic())
    finally:
        writer.close()


async def _hold(base: str, path: str, cookie: str, count: int, stop: threading.Event,
                connected: list) -> None:
    done = asyncio.Event()
    tasks = []
    for start in range(0, count, 100):  # in waves, as pages would open
        tasks += [asyncio.create_task(_watch(base, path, cookie, [], done, connected))
                  for _ in range(start, min(start + 100, count))]
        await asyncio.sleep(0.5)
    while not stop.is_set():
        await asyncio.sleep(0.2)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


@contextmanager
def open_streams(base: str, path: str, cookie: str, count: int):
    """Hold `count` event streams open (in a thread of their own) until the block ends;
    yields the list that grows by one per stream connected."""
    stop, connected = threading.Event(), []
    holder = threading.Thread(target=asyncio.run, daemon=True,
                              args=(_hold(base, path, cookie, count, stop, connected),))
    holder.start()
    deadline = time.monotonic() + 60
    while len(connected) < count and time.monotonic() < deadline and holder.is_alive():
        time.sleep(0.2)
    try:
        yield connected
    finally:
        stop.set()
        holder.join(timeout=30)


async def live_delivery(base: str, path: str, customer_cookie: str, staff: Browser,
                        reply_path: str, watchers: int, changes: int) -> dict:
    """Open the watchers, make `changes` staff changes, time every delivery."""
    stop = asyncio.Event()
    per_watcher: list[list[float]] = [[] for _ in range(watchers)]
    connected: list[int] = []
    tasks = []
    for start in range(0, watchers, 100):  # connect in waves, as pages would open
        for i in range(start, min(start + 100, watchers)):
            tasks.append(asyncio.create_task(_watch(base, path, customer_cookie,
                                                    per_watcher[i], stop, connected)))
        await asyncio.sleep(0.5)
    deadline = time.monotonic() + 60
    while len(connected) < watchers and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    await asyncio.sleep(1)
    sent = []
    for k in range(changes):
        sent.append(time.monotonic())
        status = await asyncio.to_thread(staff.request, reply_path, {
            "kind": "public", "body": f"Update {k + 1}: the part has shipped.",
            "seen": "2000000000", "csrf_token": staff.token})
        if status != 302:
            raise SystemExit(f"The staff change failed (HTTP {status}).")
        await asyncio.sleep(1.5)
    await asyncio.sleep(3)
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    latencies, missing = [], 0
    for arrivals in per_watcher:
        for k, at in enumerate(sent):
            # Each change is one event; the k-th arrival belongs to the k-th change.
            if k < len(arrivals):
                latencies.append((arrivals[k] - at) * 1000)
            else:
                missing += 1
    latencies.sort()
    pick = (lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]) \
        if latencies else (lambda q: float("nan"))
    return {"watchers": watchers, "connected": len(connected), "delivered": len(latencies),
            "missing": missing, "p50": pick(0.50), "p95": pick(0.95),
            "max": latencies[-1] if latencies else float("nan")}


# --- the run -------------------------------------------------------------------------------

def conditions(url: str, counts: dict[str, int], args, streams: str = "") -> str:
    load = os.getloadavg()
    dialect = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    workers = args.workers or "default"
    setup = (f"gunicorn gevent × {args.workers or 2} workers" if args.setup == "gevent" else
             f"nginx + gunicorn sync × {workers} (pages) + gevent × "
             f"{os.environ.get('STREAM_CONCURRENCY', 'default')} (streams)")
    return (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {dialect} · "
            f"{counts['cases']:,} cases, {counts['events']:,} events · "
            f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}) · "
            f"load average {load[0]:.1f} · {setup} · wrk {args.connections} "
            f"connections × {args.seconds} s per scenario{streams}")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--seconds", type=int, default=20, help="per HTTP scenario")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=None,
                        help="page workers (WEB_CONCURRENCY); default: the config's")
    parser.add_argument("--setup", choices=["split", "gevent"], default="split",
                        help="split: `make serve` (nginx, sync pages, gevent streams); "
                        "gevent: the old single gevent gunicorn")
    parser.add_argument("--open-streams", type=int, default=0,
                        help="event streams held open while the pages are driven")
    parser.add_argument("--watchers", default="100,1000", help="'' to skip live delivery")
    parser.add_argument("--changes", type=int, default=5, help="staff changes per live run")
    parser.add_argument("--only", default="", help="run only the pages whose name has this")
    parser.add_argument("--skip", default="",
                        help="skip the pages whose name has this ('reply': a read-only run)")
    return parser.parse_args(argv)


def _environment(args: argparse.Namespace) -> dict[str, str]:
    env = {"DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url,
           "SECRET_KEY": secrets.token_hex(32), "CASELOOP_ENV": "production",
           "SESSION_COOKIE_SECURE": "0", "TRUSTED_PROXIES": "1" if args.setup == "split" else "0",
           # The run signs in a few times from one address; limits are not what it measures.
           "RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_SIGN_IN_IP": "1000 per minute",
           "RATELIMIT_SIGN_IN_ACCOUNT": "1000 per minute"}
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    return env


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    ensure_wrk()

    app = bench_app(args.database_url)
    chosen = samples(app)
    counted = query_counts(app, chosen, args.skip)
    with app.app_context():
        counts = {"cases": db.session.scalar(select(func.max(Case.id))) or 0,
                  "events": db.session.scalar(select(func.max(CaseEvent.id))) or 0}
        reply_cases = list(db.session.scalars(
            select(Case.id).where(Case.department_id == chosen.department_id,
                                  Case.status.in_(["in_progress", "acknowledged"]))
            .order_by(Case.id).limit(200)))
        db.session.remove()
    print(conditions(args.database_url, counts, args), file=sys.stderr)
    env = _environment(args)

    live_rows = []
    streams = ""
    # Both servers stay up, so the bare page can be driven between Caseloop's pages.
    with (server(args.setup, "benchmarks.bare_app:app", env, "/case/1") as (bare_base, bare),
          server(args.setup, "portal.wsgi:app", env, "/healthz") as (base, master)):
        customer = Browser(base).sign_in(chosen.customer, staff=False)
        staff = Browser(base).sign_in(chosen.staff, staff=True)
        staff.request(f"/admin/cases/{chosen.staff_case}")  # a page, for its CSRF token
        idle_rss = worker_rss_mb(master)
        stream_path = f"/cases/{chosen.customer_case}/stream"
        ceiling = functools.partial(served, BARE, bare_base + "/case/1",
                                    wrk_script(random_ids=counts["cases"]), args, bare)
        scenarios = [(page, _scenario_script(page, staff if page.as_staff else customer,
                                             reply_cases))
                     for page in pages(chosen) if args.only in page.name
                     and not (args.skip and args.skip in page.name)]
        with open_streams(base, stream_path, customer.cookie, args.open_streams) as held:
            print(f"  {len(held)} of {args.open_streams} streams open", file=sys.stderr)
            results = drive_pages(args, base, master, ceiling, scenarios, counted)
            streams = (f" · {len(held)} event streams open during the page scenarios "
                       f"({args.open_streams} opened)") if args.open_streams else ""
        loaded_rss = worker_rss_mb(master)
        for n in [int(x) for x in args.watchers.split(",") if x.strip()]:
            live = asyncio.run(live_delivery(
                base, stream_path, customer.cookie, staff,
                f"/admin/cases/{chosen.customer_case}/replies", n, args.changes))
            live["rss"] = worker_rss_mb(master)
            live_rows.append(live)
            print(f"  {live}", file=sys.stderr)
    print(report(results, live_rows, idle_rss, loaded_rss,
                 conditions(args.database_url, counts, args, streams)))
    return 0


def drive_pages(args: argparse.Namespace, base: str, masters: list[int], ceiling,
                scenarios: list[tuple[Page, str]], counted: dict[str, str]) -> list[Result]:
    """Each page's wrk run, with a bare-page run (`ceiling()`) before the first page and
    after every page, so load elsewhere moves both alike; the first row is the median of
    the bare runs."""
    bare_runs, results = [ceiling()], []
    for page, script in scenarios:
        results.append(served(page.name, base + page.url, script, args, masters))
        results[-1].queries = counted[page.name]
        quiesce(base, args.database_url)
        bare_runs.append(ceiling())
    print("  bare CPU ms / request, run by run: "
          + ", ".join(f"{r.cpu_ms:.2f}" for r in bare_runs), file=sys.stderr)
    bare = median_result(f"{BARE}, median of {len(bare_runs)} runs", bare_runs)
    bare.queries = "1"
    return [bare, *results]


def _scenario_script(page: Page, who: Browser, reply_cases: list[int]) -> str:
    if page.form is None:
        return wrk_script(cookie=who.cookie, headers=page.headers)
    # Replies spread over 200 open cases of the department, as a team's would.
    form = page.form | {"kind": "public", "csrf_token": who.token}
    paths = [f"/admin/cases/CL-{case_id:06d}/replies" for case_id in reply_cases]
    return wrk_script(cookie=who.cookie, form=form, paths=paths)


def report(results: list[Result], live: list[dict], idle: list[float], loaded: list[float],
           where: str) -> str:
    bare = results[0]
    out = [f"Conditions: {where}", "",
           "| scenario | p50 ms | p95 ms | p99 ms | p99 / p50 | requests/s | p50 × bare "
           "| p95 × bare | server CPU ms / request | CPU × bare | CPU target "
           "| database CPU ms / request | SQL queries | errors |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        ratio = f"{r.p50 / bare.p50:.1f}" if bare.p50 else "n/a"
        ratio95 = f"{r.p95 / bare.p95:.1f}" if bare.p95 else "n/a"
        cpu = f"{r.cpu_ms / bare.cpu_ms:.1f}" if bare.cpu_ms else "n/a"
        target = f"≤ {TARGETS[r.name]}" if r.name in TARGETS else ""
        tail = f"{r.p99 / r.p50:.1f}" if r.p50 else "n/a"
        db_cpu = "" if math.isnan(r.db_cpu_ms) else f"{r.db_cpu_ms:.2f}"
        out.append(f"| {r.name} | {r.p50:.1f} | {r.p95:.1f} | {r.p99:.1f} | {tail} | "
                   f"{r.rps:.0f} | {ratio} | {ratio95} | {r.cpu_ms:.2f} | {cpu} | {target} | "
                   f"{db_cpu} | {r.queries} | {r.errors} |")
    out += ["", "Server CPU: utime + stime of the page pool's gunicorn workers over each wrk "
            "run, divided by the requests wrk completed; not counted: the gunicorn masters, "
            "nginx, the streams pool and wrk. On SQLite the database work is in the workers; "
            "PostgreSQL's backends (on this machine) are the database column, apart."]
    if live:
        out += ["", "| live watchers | connected | deliveries | missed | p50 ms | p95 ms "
                "| max ms | worker RSS MiB |", "|---:|---:|---:|---:|---:|---:|---:|---|"]
        for row in live:
            rss = " + ".join(f"{x:.0f}" for x in row["rss"])
            out.append(f"| {row['watchers']} | {row['connected']} | {row['delivered']} | "
                       f"{row['missing']} | {row['p50']:.0f} | {row['p95']:.0f} | "
                       f"{row['max']:.0f} | {rss} |")
    out += ["", "Worker RSS (MiB): after start-up and sign-in "
            + " + ".join(f"{x:.0f}" for x in idle) + "; after the HTTP scenarios "
            + " + ".join(f"{x:.0f}" for x in loaded) + "."]
    if bare.p50 and len(results) > 1:
        medians = [r.p50 / bare.p50 for r in results[1:]]
        out.append(f"Median page p50 is {statistics.median(medians):.1f}× the bare ceiling.")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
