"""GitHub App installation tokens: a JWT signed with the App's key (RS256), exchanged at
``POST /app/installations/{id}/access_tokens``, kept until shortly before it expires.

The answers follow GitHub's documentation ("Generating a JSON Web Token (JWT) for a GitHub
App": iat 60 s in the past, exp at most 10 minutes ahead, iss the App's id; "Generating an
installation access token": 201 with ``token`` and ``expires_at``, an hour ahead).
"""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import backends.config
from backends.base import BackendError, ProjectSpec
from backends.config import BackendsConfig
from backends.github_tokens import GitHubApp
from backends.http import HttpClient
from backends.registry import get_backend
from backends.upstreams.github import app as github_app

EXCHANGE = "https://api.github.com/app/installations/77/access_tokens"
API = "https://api.github.com/graphql"
PAGE = {"data": {"repository": {"refs": {"nodes": [{"name": "1.0"}]}}}}


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def app(key) -> GitHubApp:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return GitHubApp("1234", 77, private_key=pem)


@pytest.fixture(autouse=True)
def empty_cache():
    github_app.process_app_tokens.clear()
    yield
    github_app.process_app_tokens.clear()


def minted(secret: str, expires_in: dt.timedelta = dt.timedelta(hours=1)) -> dict:
    expires = dt.datetime.now(dt.UTC).replace(microsecond=0) + expires_in
    return {"token": secret, "expires_at": expires.isoformat().replace("+00:00", "Z")}


def test_the_jwt_is_signed_for_the_app_and_exchanged_for_a_token(mock_http, app, key):
    mock_http.post(EXCHANGE, status=201, json=minted("ghs_first"))
    now = dt.datetime.now(dt.UTC)

    token = github_app.mint_installation_token(app, HttpClient(), now=now)

    assert token.secret == "ghs_first"
    assert dt.timedelta(minutes=59) < token.expires_at - now <= dt.timedelta(hours=1)
    request = mock_http.calls[0].request
    scheme, signed = request.headers["Authorization"].split(" ")
    assert scheme == "Bearer"
    claims = jwt.decode(signed, key.public_key(), algorithms=["RS256"])
    assert claims["iss"] == "1234"
    assert claims["iat"] <= now.timestamp() - 59
    assert claims["exp"] - claims["iat"] <= 600  # GitHub refuses longer-lived JWTs
    assert "ghs_first" not in repr(token)


def test_a_token_is_kept_until_shortly_before_it_expires_then_minted_again(mock_http, app):
    mock_http.post(EXCHANGE, status=201, json=minted("ghs_first"))
    mock_http.post(EXCHANGE, status=201, json=minted("ghs_second"))
    cache = github_app.AppTokenCache()

    assert cache.get(app, HttpClient()).secret == "ghs_first"
    assert cache.get(app, HttpClient()).secret == "ghs_first"
    assert len(mock_http.calls) == 1
    # 56 minutes on, it expires within the five minutes a check must not start in.
    cache._tokens[("1234", 77)] = github_app.InstallationToken(
        "ghs_first", dt.datetime.now(dt.UTC) + dt.timedelta(minutes=4)
    )
    assert cache.get(app, HttpClient()).secret == "ghs_second"
    assert len(mock_http.calls) == 2


def test_the_app_token_checks_projects_when_no_personal_token_is_set(mock_http, app, monkeypatch):
    monkeypatch.setattr(backends.config, "_current", BackendsConfig(github_app=app))
    mock_http.post(EXCHANGE, status=201, json=minted("ghs_app"))
    mock_http.post(API, json=PAGE)
    project = ProjectSpec("bar", "https://github.com/foo/bar", "GitHub")

    get_backend("GitHub").fetch(project, HttpClient())
    get_backend("GitHub").fetch(project, HttpClient())

    queries = [call.request for call in mock_http.calls if call.request.url == API]
    assert [q.headers["Authorization"] for q in queries] == ["bearer ghs_app"] * 2
    assert sum(call.request.url == EXCHANGE for call in mock_http.calls) == 1  # cached


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        pytest.param(
            {"status": 401, "json": {"message": "A JSON web token could not be decoded"}},
            'GitHub refused to make an installation token (status "401": A JSON web token',
            id="refused",
        ),
        pytest.param(
            {"status": 201, "json": {"token": ""}}, "without an installation token", id="empty"
        ),
        pytest.param({"status": 201, "body": "{oops"}, "invalid JSON", id="unreadable"),
    ],
)
def test_a_failed_exchange_says_why_without_a_secret(mock_http, app, answer, message):
    mock_http.post(EXCHANGE, **answer)

    with pytest.raises(BackendError) as raised:
        github_app.mint_installation_token(app, HttpClient())

    assert message in str(raised.value)
    signed = mock_http.calls[0].request.headers["Authorization"].split(" ")[1]
    assert signed not in str(raised.value) and "PRIVATE KEY" not in str(raised.value)


@pytest.mark.parametrize(
    "configured",
    [
        pytest.param(
            GitHubApp("1", 77, private_key="-----BEGIN RSA PRIVATE KEY-----\nnope"), id="bad"
        ),
        pytest.param(
            GitHubApp("1", 77, key_problem="cannot read the private key file"), id="unread"
        ),
    ],
)
def test_an_unusable_key_fails_before_any_request(mock_http, configured):
    with pytest.raises(BackendError) as raised:
        github_app.mint_installation_token(configured, HttpClient())

    assert "GitHub App 1, installation 77: " in str(raised.value)
    assert "nope" not in str(raised.value)
    assert not mock_http.calls
    assert "nope" not in repr(configured)
