"""`make serve`: the production serving setup on one machine, as docs/deploy.md describes it.

    python serve.py [APP]            # APP defaults to portal.wsgi:app; BIND=127.0.0.1:8000

nginx (Debian's `nginx` package, run from a scratch folder as a plain foreground process)
listens on BIND and routes every path ending in `/stream` to a gevent gunicorn (the
`streams` pool of gunicorn.conf.py) and everything else to a sync gunicorn (the `pages`
pool), each on a free loopback port. benchmarks/run.py and the tests start it through
`running()`, so they measure and check exactly this.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from string import Template

ROOT = Path(__file__).resolve().parent

# The routing is the same as docs/deploy.md's production config; only paths differ.
NGINX_CONF = Template("""\
worker_processes 1;
worker_rlimit_nofile 20000;
pid $prefix/nginx.pid;
error_log stderr warn;
$user
events { worker_connections 8192; }
http {
    access_log off;
    client_max_body_size ${upload_mb}m;
    client_body_temp_path $prefix/body;
    proxy_temp_path $prefix/proxy;
    fastcgi_temp_path $prefix/fastcgi;
    uwsgi_temp_path $prefix/uwsgi;
    scgi_temp_path $prefix/scgi;
    upstream caseloop_pages { server 127.0.0.1:$pages; }
    upstream caseloop_streams { server 127.0.0.1:$streams; keepalive 16; }
    proxy_set_header Host $$http_host;
    proxy_set_header X-Forwarded-For $$proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $$scheme;
    server {
        listen $bind;
        location ~ /stream$$ {
            proxy_pass http://caseloop_streams;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
            proxy_read_timeout 1h;
        }
        location / {
            proxy_pass http://caseloop_pages;
        }
    }
}
""")


@dataclass
class Servers:
    base: str  # what clients talk to: nginx
    pages_base: str  # the sync pool itself, behind nginx
    pages: subprocess.Popen  # gunicorn masters
    streams: subprocess.Popen


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_conf(prefix: Path, bind: str, pages: int, streams: int) -> str:
    # As root, nginx's workers would otherwise become `nobody`, who cannot use the folder.
    user = "user root;" if os.geteuid() == 0 else ""
    return NGINX_CONF.substitute(prefix=prefix, bind=bind, pages=pages, streams=streams,
                                 user=user, upload_mb=os.environ.get("MAX_UPLOAD_MB", "10"))


@contextmanager
def running(env: dict[str, str], app: str = "portal.wsgi:app", probe: str = "/healthz",
            log=None) -> Iterator[Servers]:
    """nginx + both gunicorn pools for `app`, stopped on exit; yields once all three answer
    `probe`. `env` is the app's environment; BIND in it is where nginx listens."""
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if nginx is None:
        raise SystemExit("This needs nginx: `sudo apt-get install nginx` (Debian/Ubuntu).")
    env = os.environ | env
    bind = env.get("BIND", "127.0.0.1:8000")
    ports = {"pages": free_port(), "streams": free_port()}
    with ExitStack() as stack:
        prefix = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="caseloop-nginx-")))
        masters = {}
        for pool, port in ports.items():
            masters[pool] = stack.enter_context(_process(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", app],
                env | {"SERVE_POOL": pool, "BIND": f"127.0.0.1:{port}"}, log))
        (prefix / "nginx.conf").write_text(nginx_conf(prefix, bind, **ports))
        front = stack.enter_context(_process(
            [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", "stderr",
             "-g", "daemon off;"], env, log))
        for pool, port in ports.items():
            _wait_for(f"http://127.0.0.1:{port}{probe}", masters[pool], pool)
        _wait_for(f"http://{bind}{probe}", front, "nginx")
        yield Servers(f"http://{bind}", f"http://127.0.0.1:{ports['pages']}",
                      masters["pages"], masters["streams"])


@contextmanager
def _process(args: list[str], env: dict[str, str], log) -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(args, cwd=ROOT, env=env, stderr=log)  # noqa: S603 - fixed
    try:
        yield process
    finally:
        process.terminate()  # gunicorn and nginx both stop gracefully on SIGTERM
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(url: str, process: subprocess.Popen, name: str, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while True:
        try:
            with urllib.request.urlopen(url, timeout=30):  # noqa: S310 - loopback
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{name} did not start (see its log above)") from None
            time.sleep(0.2)


def main(argv: list[str]) -> int:
    app = argv[0] if argv else "portal.wsgi:app"
    if not os.environ.get("REDIS_URL"):
        # Replies are saved by the pages pool and streams held by the other: only Redis
        # carries a change between them.
        print("warning: REDIS_URL is not set: open pages will not update live", file=sys.stderr)
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    with running({}, app) as servers:
        print(f"Caseloop on {servers.base} (pages: sync pid {servers.pages.pid}, "
              f"streams: gevent pid {servers.streams.pid}); Ctrl-C stops it.", flush=True)
        try:
            while not stop["now"] and all(p.poll() is None
                                          for p in (servers.pages, servers.streams)):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
