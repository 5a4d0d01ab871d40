"""Our mail addresses: the domain our Message-IDs live under, and signed reply addresses
(reply+<token>@domain names a case and its customer).

The outbox writes reply addresses; the mail channel (portal/mail) reads them back.
"""

from __future__ import annotations

import base64
import re
from email.utils import parseaddr

from flask import current_app
from itsdangerous import BadSignature, Signer

SALT = "mail-reply"
LOCAL_PREFIX = "reply+"
_TOKEN = re.compile(r"^reply\+(\d{1,12})\.(\d{1,12})\.([a-z2-7]{32})$")


class _Base32Signer(Signer):
    """Lower-case base32 signatures: some mail systems fold the case of local parts."""

    def get_signature(self, value: str | bytes) -> bytes:
        key = self.derive_key()
        raw = self.algorithm.get_signature(key, _bytes(value))
        return base64.b32encode(raw).rstrip(b"=").lower()

    def verify_signature(self, value: str | bytes, sig: str | bytes) -> bool:
        try:
            sig = _bytes(sig).upper()
            raw = base64.b32decode(sig + b"=" * (-len(sig) % 8))
        except ValueError:
            return False
        return self.algorithm.verify_signature(self.derive_key(), _bytes(value), raw)


def mail_domain() -> str:
    """The domain our Message-IDs and reply addresses live under."""
    configured = current_app.config.get("MAIL_REPLY_DOMAIN")
    if configured:
        return configured
    address = parseaddr(current_app.config["MAIL_FROM"])[1]
    return address.rpartition("@")[2] or "caseloop.localhost"


def _bytes(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value


def _signer() -> _Base32Signer:
    return _Base32Signer(current_app.config["SECRET_KEY"], salt=SALT)


def reply_address(case_id: int, customer_id: int) -> str:
    """The Reply-To address for mail about this case to this customer."""
    signed = _signer().sign(f"{case_id}.{customer_id}").decode()
    return f"{LOCAL_PREFIX}{signed}@{mail_domain()}"


def read_reply_address(address: str) -> tuple[int, int] | None:
    """(case id, customer id) from a reply address of ours with a valid signature, else None.

    Raises BadSignature when it looks like our address but the signature is wrong.
    """
    local, _, domain = address.strip().lower().rpartition("@")
    if domain != mail_domain().lower() or not local.startswith(LOCAL_PREFIX):
        return None
    match = _TOKEN.match(local)
    if match is None:
        raise BadSignature("malformed reply token")
    case_id, customer_id, _sig = match.groups()
    _signer().unsign(local[len(LOCAL_PREFIX):])
    return int(case_id), int(customer_id)
