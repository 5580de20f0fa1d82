"""A local OpenID Connect provider stand-in: discovery, authorize, token, userinfo and JWKS.

Its endpoints are answered with ``responses`` (no network). The ID token is a real RS256 JWT
signed with a key generated for the test and published in the JWKS document, so the claims
checked by allauth (issuer, audience, expiry) are those a real provider would send.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import responses
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from accounts.providers import socialaccount_providers

ISSUER = "https://id.example.test"
CLIENT_ID = "releasemon-test"
CLIENT_SECRET = "s3cret"


@dataclass
class OidcProvider:
    """The provider's state: who signs in next, and what it was asked."""

    provider_id: str
    mock: responses.RequestsMock
    key: Any
    claims: dict[str, Any] = field(default_factory=dict)
    token_requests: list[dict[str, list[str]]] = field(default_factory=list)

    def sign_in_as(self, **claims: Any) -> None:
        """The identity the provider vouches for on the next sign-in."""
        self.claims = {"sub": claims.pop("sub", str(uuid.uuid4())), **claims}

    def id_token(self) -> str:
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "jti": str(uuid.uuid4()),
            **self.claims,
        }
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": "test-key"})

    def sign_in(self, client: Client, next_url: str | None = None, **extra: Any):
        """Press the provider's button, come back from the provider; return the final answer
        of releasemon (the callback's response)."""
        data = {"process": "login"}
        if next_url is not None:
            data["next"] = next_url
        start = client.post(f"/accounts/oidc/{self.provider_id}/login/", data)
        assert start.status_code == 302, start
        authorize = urlsplit(start["Location"])
        assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == (f"{ISSUER}/authorize")
        query = parse_qs(authorize.query)
        assert query["client_id"] == [CLIENT_ID]
        assert query["redirect_uri"][0].endswith(
            f"/accounts/oidc/{self.provider_id}/login/callback/"
        )
        return client.get(
            f"/accounts/oidc/{self.provider_id}/login/callback/",
            {"code": "the-code", "state": query["state"][0]},
            **extra,
        )


def _register(mock: responses.RequestsMock, provider: OidcProvider) -> None:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(provider.key.public_key()))
    public.update({"kid": "test-key", "alg": "RS256", "use": "sig"})
    mock.get(
        f"{ISSUER}/.well-known/openid-configuration",
        json={
            "issuer": ISSUER,
            "authorization_endpoint": f"{ISSUER}/authorize",
            "token_endpoint": f"{ISSUER}/token",
            "userinfo_endpoint": f"{ISSUER}/userinfo",
            "jwks_uri": f"{ISSUER}/jwks",
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
        },
    )
    mock.get(f"{ISSUER}/jwks", json={"keys": [public]})

    def token(request: Any) -> tuple[int, dict[str, str], str]:
        form = parse_qs(request.body if isinstance(request.body, str) else request.body.decode())
        provider.token_requests.append(form)
        if form.get("code") != ["the-code"] or form.get("client_secret") != [CLIENT_SECRET]:
            return 400, {}, json.dumps({"error": "invalid_grant"})
        body = {
            "access_token": "access-" + provider.claims["sub"],
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": provider.id_token(),
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    def userinfo(request: Any) -> tuple[int, dict[str, str], str]:
        if request.headers.get("Authorization") != "Bearer access-" + provider.claims["sub"]:
            return 401, {}, ""
        return 200, {"Content-Type": "application/json"}, json.dumps(provider.claims)

    mock.add_callback(responses.POST, f"{ISSUER}/token", callback=token)
    mock.add_callback(responses.GET, f"{ISSUER}/userinfo", callback=userinfo)


@pytest.fixture(scope="session")
def signing_key() -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def oidc(settings, signing_key):
    """An OpenID Connect provider "example" configured as an operator would (oidc_providers)."""
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(
        {
            "OIDC_PROVIDERS": [
                {
                    "id": "example",
                    "name": "Example ID",
                    "server_url": ISSUER,
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                }
            ]
        }
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        provider = OidcProvider("example", mock, signing_key)
        _register(mock, provider)
        yield provider


@pytest.fixture
def fedora(settings, signing_key):
    """Fedora Accounts as Anitya configured it: email derived from the account name."""
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(
        {
            "FEDORA_CLIENT_ID": CLIENT_ID,
            "FEDORA_CLIENT_SECRET": CLIENT_SECRET,
            "FEDORA_SERVER_METADATA_URL": f"{ISSUER}/.well-known/openid-configuration",
        }
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        provider = OidcProvider("fedora", mock, signing_key)
        _register(mock, provider)
        yield provider


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Hashing passwords the production way costs ~0.3 s each; these tests make many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
