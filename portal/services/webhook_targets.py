"""Where webhooks may go: public internet addresses only, unless the operator allows more.

Checked twice: when an admin registers the URL (a clear refusal), and at every delivery,
on the addresses the name resolves to then, connecting only to those checked addresses,
so a name that later resolves to 127.0.0.1 (DNS rebinding) reaches nothing inside.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

from .errors import ServiceError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Address = tuple[str, int]


class TargetRefused(OSError):
    """The target resolves to an address that is not on the public internet."""


def private_allowed() -> bool:
    """The operator's choice (WEBHOOK_ALLOW_PRIVATE_TARGETS), off unless set."""
    return bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE_TARGETS", False))


def is_public(address: IPAddress) -> bool:
    """True only for a global unicast address (never loopback, private, link-local, ULA,
    multicast, reserved, unspecified, CGNAT, nor an IPv6 form wrapping one of those)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or \
            (address.teredo[1] if address.teredo else None)
        if embedded is not None and not is_public(embedded):
            return False
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
        or address.is_loopback or address.is_link_local or address.is_private
        or getattr(address, "is_site_local", False))


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])  # an IPv6 zone id is not part of it
    except ValueError:
        return None


def resolve(host: str, port: int) -> list[tuple[IPAddress, Any]]:
    """Every (address, sockaddr) the host resolves to for a TCP connection."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [(ipaddress.ip_address(info[4][0].split("%", 1)[0]), info[4]) for info in infos]


def check_registration(url: str) -> None:
    """Raise ServiceError (`url`) when the host is, or now resolves to, a non-public address."""
    if private_allowed():
        return
    host = urlsplit(url).hostname or ""
    literal = _literal(host)
    if host == "localhost" or host.endswith(".localhost") or (
            literal is not None and not is_public(literal)):
        raise ServiceError(_refusal(host), "url")
    if literal is None:
        try:
            found = resolve(host, 443)
        except (OSError, UnicodeError):
            return  # not resolvable yet (DNS set up later): every delivery checks again
        if any(not is_public(address) for address, _ in found):
            raise ServiceError(_refusal(host), "url")


def _refusal(host: str) -> str:
    return (f"Webhooks only go to public internet addresses; {host} is on this machine or a "
            "private network. (An operator can allow that with "
            "WEBHOOK_ALLOW_PRIVATE_TARGETS.)")


def connect_public(address: Address, timeout: float | None = None,
                   source_address: Address | None = None) -> socket.socket:
    """A TCP connection to the host, refused (TargetRefused) unless all its addresses are public."""
    host, port = address
    found = resolve(host, port)
    refused = [str(a) for a, _ in found if not is_public(a)]
    if refused or not found:
        raise TargetRefused(f"{host} resolves to a non-public address "
                            f"({', '.join(refused) or 'none'}); not sent")
    # Connect to the addresses just checked: resolving again could give another answer.
    error: OSError | None = None
    for checked, sockaddr in found:
        try:
            return socket.create_connection((str(checked), sockaddr[1]), timeout,
                                            source_address)
        except OSError as exc:
            error = exc
    raise error or OSError(f"could not connect to {host}")


class _PublicHTTP(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = connect_public


class _PublicHTTPS(http.client.HTTPSConnection):
    # TLS still checks the certificate against the URL's name (server_hostname=host).
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = connect_public


class PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_PublicHTTP, req)


class PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_PublicHTTPS, req, context=self._context)
