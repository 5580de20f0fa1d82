"""Who may write through the API: API tokens (hashed, checked on every request) and signed-in
sessions with their CSRF token; reads stay public whatever credentials come with them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken, User
from projects.models import Distro
from tests.factories import DistroFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v2/packages/"


@pytest.fixture
def mapping(db) -> dict:
    DistroFactory(name="Fedora")
    project = ProjectFactory(name="tool")
    return {
        "distribution": "Fedora",
        "package_name": "tool",
        "project_name": "tool",
        "project_ecosystem": project.ecosystem_name,
    }


@pytest.mark.parametrize("scheme", ["Token", "token", "TOKEN"])
def test_the_scheme_ignores_case(api, alice, mapping, scheme):
    api.credentials(HTTP_AUTHORIZATION=f"{scheme} {alice.secret}")
    assert api.post(URL, mapping, format="json").status_code == 201


@pytest.mark.parametrize(
    "header",
    ["Bearer {secret}", "Token", "Token {secret} extra", "Token wrong", "{secret}"],
)
def test_anything_else_is_anonymous(api, alice, mapping, header):
    api.credentials(HTTP_AUTHORIZATION=header.format(secret=alice.secret))
    response = api.post(URL, mapping, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    # Reads do not need credentials, so bad ones do not get in their way (as in Anitya).
    assert api.get(URL).status_code == 200
    assert api.get("/api/version").status_code == 200


def test_a_deleted_token_is_refused_at_once(alice, mapping):
    assert alice.client.get(URL).status_code == 200
    alice.token.delete()
    assert alice.client.post(URL, mapping, format="json").status_code == 401


def test_a_banned_user_is_refused_at_once(alice, mapping):
    alice.user.is_active = False
    alice.user.save()
    assert alice.client.post(URL, mapping, format="json").status_code == 401
    alice.user.is_active = True
    alice.user.save()
    assert alice.client.post(URL, mapping, format="json").status_code == 201


def test_last_used_is_recorded_at_most_once_a_minute(alice):
    alice.client.get(URL)
    alice.token.refresh_from_db()
    first = alice.token.last_used
    assert first is not None and timezone.now() - first < dt.timedelta(seconds=10)
    alice.client.get(URL)
    alice.token.refresh_from_db()
    assert alice.token.last_used == first
    ApiToken.objects.filter(pk=alice.token.pk).update(last_used=first - dt.timedelta(minutes=2))
    alice.client.get(URL)
    alice.token.refresh_from_db()
    assert alice.token.last_used > first


def test_each_token_is_its_own_credential(alice, mapping):
    other, secret = ApiToken.issue(alice.user, "ci")
    other.delete()
    client = alice.client
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert client.post(URL, mapping, format="json").status_code == 401


# -- sessions ---------------------------------------------------------------------------------


@pytest.fixture
def browser(db) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(email="bob@example.org"))
    return client


def test_a_session_write_without_csrf_token_is_refused(browser, mapping):
    response = browser.post(URL, mapping, content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {
        "error": "permission_denied",
        "error_description": "CSRF Failed: CSRF cookie not set.",
    }


def test_a_session_write_with_its_csrf_token(browser, mapping):
    secret = _get_new_csrf_string()
    browser.cookies["csrftoken"] = secret
    response = browser.post(URL, mapping, content_type="application/json", HTTP_X_CSRFTOKEN=secret)
    assert response.status_code == 201
    assert Distro.objects.get().packages.get().package_name == "tool"


def test_the_session_of_a_banned_user_writes_nothing(browser, mapping):
    secret = _get_new_csrf_string()
    browser.cookies["csrftoken"] = secret
    User.objects.filter(email="bob@example.org").update(is_active=False)
    response = browser.post(URL, mapping, content_type="application/json", HTTP_X_CSRFTOKEN=secret)
    assert response.status_code == 401
