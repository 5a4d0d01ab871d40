"""A small HTTP client that behaves like a browser without JavaScript (standard library only).

It keeps cookies, reads the CSRF token from the forms it is served and posts forms, over
one keep-alive connection. Client processes of the load tests import only this module.
"""

from __future__ import annotations

import http.client
import re
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    text: str


class Browser:
    def __init__(self, base: str, timeout: float = 30) -> None:
        parts = urlsplit(base)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, form: dict | None = None) -> Answer:
        body = urlencode(form).encode() if form is not None else None
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port,
                                                       timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection before our request
                # reached it (nothing was processed): open a new one, once.
                self.close()
                if attempt:
                    raise
        for header in response.headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return Answer(response.status, dict(response.headers.items()), text)

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, form: dict) -> Answer:
        return self.request("POST", path, form)

    def csrf_token(self, path: str) -> str:
        page = self.get(path)
        found = CSRF.search(page.text)
        if page.status != 200 or not found:
            raise AssertionError(f"no form with a CSRF token at {path}: {page.status}")
        return found.group(1)

    def sign_in(self, email: str, password: str, path: str = "/login") -> None:
        token = self.csrf_token(path)
        answer = self.post(path, {"csrf_token": token, "email": email, "password": password})
        if answer.status != 302:
            raise AssertionError(f"sign-in as {email} failed: {answer.status}")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def post_until_stored(browser: Browser, path: str, form: dict, deadline: float) -> list[int]:
    """Post; on a 503 that asks to try again, wait as told and post again. All statuses seen."""
    seen = []
    while True:
        answer = browser.post(path, form)
        seen.append(answer.status)
        if answer.status != 503 or time.monotonic() > deadline:
            return seen
        if "Try again" not in answer.text:
            return seen  # a 503 that does not say so is not one we may retry
        time.sleep(float(answer.headers.get("Retry-After", "1")) / 10)


def post_replies(base: str, email: str, password: str, posts: list[tuple[str, str]],
                 barrier, results) -> None:
    """One client process: sign in, wait for the others, post every (case, body) in turn."""
    browser = Browser(base)
    report: dict = {"stored": [], "unexpected": [], "retried": 0}
    try:
        browser.sign_in(email, password)
        token = browser.csrf_token(f"/cases/{posts[0][0]}")
        barrier.wait(timeout=120)  # everyone signed in: now all post at once
        started = time.monotonic()
        for reference, body in posts:
            statuses = post_until_stored(browser, f"/cases/{reference}/replies",
                                         {"csrf_token": token, "body": body},
                                         deadline=time.monotonic() + 30)
            report["retried"] += len(statuses) - 1
            if statuses[-1] == 302:
                report["stored"].append(body)
            else:
                report["unexpected"].append((statuses, reference, body))
        report["seconds"] = time.monotonic() - started
    except Exception as exc:  # reported to the test, which fails with it
        report["unexpected"].append(([], "", f"{type(exc).__name__}: {exc}"))
    finally:
        browser.close()
        results.put(report)
