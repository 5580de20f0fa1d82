"""GitHub App installation tokens: a signed JWT exchanged for an hour-long token.

The App signs a JSON Web Token (RS256, PyJWT with cryptography) with its private key, valid
for ten minutes at most, and exchanges it at
``POST /app/installations/{id}/access_tokens`` for an installation token that expires an hour
later. :class:`AppTokenCache` keeps that token until shortly before it expires, so that a
process mints about once an hour; the database-backed pool keeps it in its row instead, so
that every process shares one.

Neither the key, the JWT nor the token ever appears in an error: messages name the App by
its id and installation only.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import jwt

from backends.errors import BackendError
from backends.github_tokens import APP, GitHubApp, GitHubToken
from backends.upstreams._common import as_dict, parse_iso_datetime

if TYPE_CHECKING:
    from backends.http import HttpClient

API_ROOT = "https://api.github.com"
#: A token this close to its expiry is replaced: a check must not start with a dying token.
REFRESH_BEFORE = dt.timedelta(minutes=5)
# GitHub refuses JWTs valid for more than ten minutes; "issued" a minute early absorbs clock
# drift between us and GitHub, as GitHub's documentation advises.
_JWT_LIFETIME = dt.timedelta(minutes=9)
_CLOCK_DRIFT = dt.timedelta(seconds=60)
# An installation token lasts an hour; an answer claiming longer is not believed.
_MAX_TOKEN_LIFETIME = dt.timedelta(hours=1)


@dataclass(frozen=True)
class InstallationToken:
    """A minted token and when GitHub says it expires."""

    secret: str = field(repr=False)
    expires_at: dt.datetime

    def fresh(self, now: dt.datetime) -> bool:
        return self.expires_at - REFRESH_BEFORE > now

    def as_pool_token(self, app: GitHubApp) -> GitHubToken:
        return GitHubToken(app.label, self.secret, kind=APP, key=app.key)


def app_jwt(app: GitHubApp, now: dt.datetime) -> str:
    """The App's signed JWT; BackendError (naming no secret) when the key is unusable."""
    if app.key_problem:
        raise BackendError(f"{app.label}: {app.key_problem}")
    claims = {
        "iat": int((now - _CLOCK_DRIFT).timestamp()),
        "exp": int((now + _JWT_LIFETIME).timestamp()),
        "iss": str(app.app_id),
    }
    try:
        return jwt.encode(claims, app.private_key, algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError):
        # cryptography's messages may quote parts of the key: say what is wrong, not more.
        raise BackendError(
            f"{app.label}: the private key is not an RSA private key in PEM form "
            "(GITHUB_APP_PRIVATE_KEY_FILE)."
        ) from None


def mint_installation_token(
    app: GitHubApp, http: HttpClient, *, now: dt.datetime | None = None
) -> InstallationToken:
    """Exchange the App's JWT for an installation token (one request through ``http``)."""
    now = now or dt.datetime.now(dt.UTC)
    signed = app_jwt(app, now)
    url = f"{API_ROOT}/app/installations/{app.installation_id}/access_tokens"
    response = http.post(
        url,
        headers={
            "Authorization": f"Bearer {signed}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        },
        accept_statuses=range(200, 600),
    )
    if response.status not in (200, 201):
        detail = ""
        try:
            detail = str(as_dict(response.json()).get("message") or "")[:200]
        except BackendError:
            detail = ""
        raise BackendError(
            f"{app.label}: GitHub refused to make an installation token "
            f'(status "{response.status}"{f": {detail}" if detail else ""}).'
        )
    body = as_dict(response.json())
    secret = body.get("token")
    expires_at = parse_iso_datetime(body.get("expires_at"))
    if not isinstance(secret, str) or not secret.strip() or expires_at is None:
        raise BackendError(f"{app.label}: GitHub answered without an installation token.")
    return InstallationToken(secret.strip(), min(expires_at, now + _MAX_TOKEN_LIFETIME))


class AppTokenCache:
    """One process's installation tokens, one per App installation, until shortly before
    they expire (for pools without a database)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, int], InstallationToken] = {}

    def get(self, app: GitHubApp, http: HttpClient) -> InstallationToken:
        """The cached token while fresh, else a new one (minted under the lock: once)."""
        with self._lock:
            now = dt.datetime.now(dt.UTC)
            cached = self._tokens.get((app.app_id, app.installation_id))
            if cached is not None and cached.fresh(now):
                return cached
            minted = mint_installation_token(app, http, now=now)
            self._tokens[(app.app_id, app.installation_id)] = minted
            return minted

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


#: The installation tokens of this process's checks that run without a database pool.
process_app_tokens = AppTokenCache()
