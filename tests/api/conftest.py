"""Fixtures for the JSON API: tokens of each kind and a client that sends them."""

from __future__ import annotations

from typing import Any

import pytest

from portal.models import Role
from portal.services import api_tokens as tokens
from tests import factories


@pytest.fixture
def admin():
    return factories.staff(Role.ADMIN, name="Ada Admin")


@pytest.fixture
def make_token(admin):
    """Issue a token the way the admin page does; returns (token, secret)."""

    def _make(scope: str = "write", departments=(), name: str = "Head office recall system"):
        return tokens.create(admin, name, scope, [d.id for d in departments])

    return _make


class Api:
    """The test client with a bearer token and JSON bodies."""

    def __init__(self, client, secret: str | None):
        self.client = client
        self.secret = secret

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.secret}"} if self.secret else {}
        return headers | (extra or {})

    def get(self, path: str, **kwargs: Any):
        return self.client.get(f"/api/v1{path}", headers=self.headers(kwargs.pop("headers", None)),
                               **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any):
        return self.client.post(f"/api/v1{path}", json=json,
                                headers=self.headers(kwargs.pop("headers", None)), **kwargs)


@pytest.fixture
def api_as(client):
    """An Api client for a given secret (or none)."""
    return lambda secret: Api(client, secret)


@pytest.fixture
def api(api_as, make_token):
    """A client with a write token for every department."""
    _, secret = make_token()
    return api_as(secret)
