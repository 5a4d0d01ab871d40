"""The first step as a stranger: sign a demo customer in on a server `make run` started.

Standard library only: it runs before anything is installed. Usage: first_run.py BASE_URL
"""

from __future__ import annotations

import http.cookiejar
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

EMAIL, PASSWORD = "dana@example.com", "caseloop-demo"


def wait_for_login(opener, base: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with opener.open(f"{base}/login", timeout=5) as page:
                return page.read().decode()
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            if time.monotonic() > deadline:
                raise SystemExit(f"nothing answered at {base}/login within {seconds:.0f} s: "
                                 f"{exc}") from exc
            time.sleep(1)


def main(base: str) -> None:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    form = wait_for_login(opener, base, 600)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    if token is None:
        raise SystemExit("the sign-in page has no form")
    data = urllib.parse.urlencode({"csrf_token": token.group(1), "email": EMAIL,
                                   "password": PASSWORD}).encode()
    with opener.open(f"{base}/login", data=data, timeout=30) as landed:
        page = landed.read().decode()
        if not landed.url.endswith("/cases") or "Sign out" not in page:
            raise SystemExit(f"signing in as {EMAIL} did not reach My cases: {landed.url}")
    print(f"make run served the demo: {EMAIL} signed in and sees My cases")


if __name__ == "__main__":
    main(sys.argv[1])
