"""Read our own MTA's Authentication-Results header (RFC 8601): did DMARC or DKIM vouch for From?

Anyone can write such a header into a message, so only the topmost one (the last added, by
the MTA that handed the message to us) counts, and only when its authserv-id is the one an
operator configured in MAIL_TRUST_AUTHENTICATION_RESULTS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses

HEADER = "Authentication-Results"
MAX_LENGTH = 8192  # ours are a few hundred characters; a longer one is not worth reading
_PAIR = re.compile(r'([\w.\-/]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s"]+)')


@dataclass(frozen=True)
class Result:
    """One method's verdict, e.g. dmarc=pass header.from=example.com."""

    method: str
    result: str
    properties: dict[str, str]


def vouched_by(message: EmailMessage, sender: str, trusted_id: str) -> tuple[str, str] | None:
    """("dmarc" or "dkim", authserv-id) when our MTA says that check passed for the sender."""
    domain = _from_domain(message, sender)
    headers = message.get_all(HEADER) or []
    if not trusted_id or domain is None or not headers:
        return None
    authserv_id, results = parse(str(headers[0]))
    if authserv_id != trusted_id.strip().lower():
        return None
    if any(_dmarc_pass(r, domain) for r in results):
        return "dmarc", authserv_id
    if any(_dkim_aligned_pass(r, domain) for r in results):
        return "dkim", authserv_id
    return None


def _from_domain(message: EmailMessage, sender: str) -> str | None:
    """The sender's domain if From holds that one address alone (DMARC checks just one)."""
    addresses = getaddresses([str(v) for v in message.get_all("From", [])])
    if len(addresses) != 1 or addresses[0][1].strip().lower() != sender:
        return None
    return sender.rpartition("@")[2] or None


def _dmarc_pass(result: Result, domain: str) -> bool:
    return (result.method, result.result) == ("dmarc", "pass") and \
        result.properties.get("header.from") == domain


def _dkim_aligned_pass(result: Result, domain: str) -> bool:
    """A DKIM pass whose signing domain is From's domain or a parent of it (relaxed DMARC)."""
    if (result.method, result.result) != ("dkim", "pass"):
        return False
    signer = result.properties.get("header.d") or \
        result.properties.get("header.i", "").rpartition("@")[2]
    return "." in signer and (domain == signer or domain.endswith("." + signer))


def parse(value: str) -> tuple[str, list[Result]]:
    """(authserv-id, results) of one header value, comments dropped, names lower-cased."""
    statements = _statements(value[:MAX_LENGTH])
    head = statements[0].split() if statements else []
    results = [r for r in map(_result, statements[1:]) if r is not None]
    return (head[0].lower() if head else ""), results


def _result(statement: str) -> Result | None:
    pairs = [(key.lower(), value.strip('"')) for key, value in _PAIR.findall(statement)]
    if not pairs:
        return None  # "none": no checks were made
    (method, result), *properties = pairs
    # "dkim/1" names a version of the method; the version changes nothing here.
    return Result(method.split("/")[0], result.lower(),
                  {key: value.lower() for key, value in properties})


def _statements(value: str) -> list[str]:
    """Split at top-level semicolons, leaving quoted strings whole and dropping (comments)."""
    statements: list[str] = []
    current: list[str] = []
    depth, quoted, escaped = 0, False, False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif quoted:
            quoted = char != '"'
        elif char == "(":
            depth += 1
            continue
        elif char == ")" and depth:
            depth -= 1
            continue
        elif depth:
            continue
        elif char == '"':
            quoted = True
        elif char == ";":
            statements.append("".join(current).strip())
            current = []
            continue
        if not depth:
            current.append(char)
    statements.append("".join(current).strip())
    return [s for s in statements if s]
