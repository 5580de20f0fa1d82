"""Fixtures for the API tests: clients (anonymous, with a token, signed in) and clean caches.

The API keeps per-process caches (rendered project JSON, whole list answers, rate-limit
counters); every test starts with them empty so that no test sees another's rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiToken
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Users get passwords from their factory; the real hasher would take most of the time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_caches(fresh_caches):
    """Every API test starts and ends with empty caches (tests/conftest.py)."""


@pytest.fixture
def api() -> APIClient:
    """An anonymous client."""
    return APIClient()


@dataclass
class TokenUser:
    user: object
    token: ApiToken
    secret: str
    client: APIClient


@pytest.fixture
def alice(db) -> TokenUser:
    """A user with an API token, and a client sending it."""
    user = UserFactory(email="alice@example.org", username="alice")
    token, secret = ApiToken.issue(user, "scripts")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return TokenUser(user=user, token=token, secret=secret, client=client)
