"""Real mail servers for the worker to talk to, and the .eml fixtures with their blanks filled."""

from __future__ import annotations

import socket
import threading
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from portal.services.mail_addresses import reply_address
from tests.helpers import free_port

FIXTURES = Path(__file__).parent / "fixtures"


class Recorder:
    """An aiosmtpd handler that keeps what it receives, or answers with a set reply."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.answer: str | None = None  # e.g. "450 try later" or "550 no such user"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.answer:
            return self.answer
        self.received.append(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        return [BytesParser(policy=policy.default).parsebytes(raw) for raw in self.received]


class SmtpServer:
    """A real SMTP server on 127.0.0.1 that tests can start and stop at will."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.handler = Recorder()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def mail_config(app, monkeypatch):
    """Point the worker at a port of our own, with a short timeout and no retry jitter."""
    port = free_port()
    for key, value in {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_TIMEOUT": 0.5,
                       "MAIL_USE_TLS": False, "MAIL_USERNAME": None,
                       "MAIL_RETRY_SECONDS": 60, "MAIL_MAX_ATTEMPTS": 8}.items():
        monkeypatch.setitem(app.config, key, value)
    return port


@pytest.fixture
def smtp(mail_config):
    """A running SMTP server on the configured port; stopped after the test."""
    server = SmtpServer(mail_config)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def stopped_smtp(mail_config):
    """An SMTP server that is not running yet (nothing listens on the port)."""
    server = SmtpServer(mail_config)
    yield server
    server.stop()


@pytest.fixture
def hanging_smtp(mail_config):
    """Accepts TCP connections and then says nothing, like a wedged mail server."""
    listener = socket.create_server(("127.0.0.1", mail_config))
    stop = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def load_eml(name: str, sender: str = "", reply_to: str = "") -> bytes:
    """A fixture message with %FROM% and %REPLY_TO% filled in (ASCII, so charsets are intact)."""
    raw = (FIXTURES / name).read_bytes()
    return raw.replace(b"%FROM%", sender.encode()).replace(b"%REPLY_TO%", reply_to.encode())


@pytest.fixture
def eml():
    return load_eml


TRUSTED_MTA = "mx.caseloop.test"


def vouched(raw: bytes, domain: str = "example.com", authserv_id: str = TRUSTED_MTA,
            results: str = "") -> bytes:
    """The message as an MTA hands it over, with its Authentication-Results on top."""
    results = results or f"spf=pass smtp.mailfrom={domain}; dkim=pass header.d={domain} " \
                         f"header.s=s1; dmarc=pass (p=reject dis=none) header.from={domain}"
    return f"Authentication-Results: {authserv_id};\n {results}\n".encode() + raw


@pytest.fixture
def trusted_mta(app, monkeypatch):
    """Trust our MTA's Authentication-Results (MAIL_TRUST_AUTHENTICATION_RESULTS is set)."""
    monkeypatch.setitem(app.config, "MAIL_TRUST_AUTHENTICATION_RESULTS", TRUSTED_MTA)
    return vouched


@pytest.fixture
def token_for():
    """The Reply-To address a case's customer gets in our mail."""
    return lambda case: reply_address(case.id, case.customer_id)
