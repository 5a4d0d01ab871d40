"""Production serving: gevent workers hold thousands of open event streams cheaply.

Stateless processes: run as many as the machine allows, on as many hosts as needed, behind
any load balancer; live updates cross processes and hosts through Redis (REDIS_URL).
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gevent"
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
