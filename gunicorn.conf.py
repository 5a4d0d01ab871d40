"""Production serving: pages on sync workers, event streams on gevent workers.

One file, three pools chosen by SERVE_POOL (`make serve` and docs/deploy.md run two of them
behind nginx, which routes every path ending in `/stream` to the streams pool):

- `pages`: sync workers, one request each. Rendering a page is CPU work that never yields,
  so on gevent one slow page held up every other request of its worker (p99 0.8-1.4 s at
  four connections, issue #20); a sync worker takes the next request only when it is free,
  so requests wait in one queue (the kernel's accept queue) in arrival order. Needs a
  buffering proxy in front (nginx), as gunicorn's sync workers always do.
- `streams`: gevent workers: every open case page holds one Server-Sent Events stream,
  and gevent makes each a cheap greenlet; streams do almost no CPU work.
- `all` (the default): gevent for everything, one process and no proxy; fine for small
  shops and what the test suites start, but its page latency has a long tail under load.

Stateless processes: run as many as the machine allows, on as many hosts as needed; live
updates cross processes and hosts through Redis (REDIS_URL).
"""

import os

pool = os.environ.get("SERVE_POOL", "all")
if pool not in {"pages", "streams", "all"}:
    raise SystemExit(f"SERVE_POOL must be pages, streams or all, not {pool!r}")

bind = os.environ.get("BIND", "127.0.0.1:8000")
if pool == "pages":
    worker_class = "sync"
    # CPU-bound pages: about two per core keeps the cores busy while others wait on SQL.
    workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1))))
else:
    worker_class = "gevent"
    # Two stream workers even on a small host: a change fans out to every open page of a
    # process in that process, and two share it (1,000 streams: delivery p95 0.5-0.6 s
    # against 1.3 s with one on a busy 2-core machine, benchmarks/README.md).
    workers = int(os.environ.get(
        "STREAM_CONCURRENCY" if pool == "streams" else "WEB_CONCURRENCY", "2"))
    # Each open case page holds one stream; gevent makes each one a cheap greenlet.
    worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "2000"))
timeout = 30
graceful_timeout = 10
keepalive = 5
accesslog = os.environ.get("ACCESS_LOG", "-") or None  # empty: no access log
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's control socket defaults to one path per machine user, shared by every
# gunicorn it runs; we never use it, so several servers on one host cannot collide.
control_socket_disable = True
