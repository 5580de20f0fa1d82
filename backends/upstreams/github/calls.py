"""Calls to GitHub with a pool of tokens: a spent or refused token hands over to the next.

Two calls: :func:`unchanged` asks the REST API conditionally whether a repository's tags (or
releases) changed since the last check, and raises NotModified when GitHub answers 304, which
spends nothing of the budget; :func:`graphql` runs one GraphQL query. Both tell the pool what
GitHub said about the budget. Every way GitHub signals a spent budget (an answer with
``X-RateLimit-Remaining: 0``, 403/429 with rate-limit headers or message, a GraphQL
``RATE_LIMITED`` error, ``rateLimit.remaining`` of 0) spends the token until its reset and the
call goes on with the next one; a 401 puts the token aside. When every token is spent, the
pool raises RateLimited with the earliest reset, scoped to api.github.com.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from backends.base import BackendError, NotModified, ProjectSpec, RateLimited
from backends.github_tokens import CORE, GRAPHQL, RATE_LIMIT_SCOPE, GitHubToken, RateReading
from backends.http import parse_reset_time
from backends.upstreams._common import as_dict, parse_iso_datetime

if TYPE_CHECKING:
    from backends.github_tokens import TokenPool
    from backends.http import HttpClient, HttpResponse

API_URL = "https://api.github.com/graphql"
REST_ROOT = "https://api.github.com/repos"
_MAX_ERRORS_SHOWN = 5
_REST_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}


class _Spent(Exception):
    """This token's budget is spent until ``reset_at``."""

    def __init__(self, reset_at: dt.datetime) -> None:
        self.reset_at = reset_at


class _Refused(Exception):
    """GitHub refused this token; ``error`` is what the check reports if no other works."""

    def __init__(self, error: BackendError) -> None:
        self.error = error


def not_configured(spec: ProjectSpec) -> BackendError:
    """Anitya's message for a check without a token."""
    return BackendError(
        f'Could not call : "{API_URL}" of "{spec.name}", with error: '
        "github_access_token not configured"
    )


def unchanged(
    spec: ProjectSpec, http: HttpClient, pool: TokenPool, path: str, *, whole_list: bool
) -> None:
    """Raise NotModified when GitHub answers 304 to ``GET /repos/<path>`` with the stored
    validators; return when it answered anything else the versions must be read for.

    The token is the repository's own (its ETag is only honoured for the token that made
    it). With every REST budget spent this step is skipped: GraphQL has its own budget.
    ``whole_list``: the answer must be one complete JSON list (the tag refs) for its ETag to
    stand for every version; one that is not keeps no validator, so the next check asks anew.
    """
    url = f"{REST_ROOT}/{path}"
    repository = "/".join(path.split("/")[:2]).lower()
    tried: set[str] = set()
    while True:
        try:
            token = pool.take(CORE, affinity=repository, skip=tried)
        except RateLimited:
            return
        if token is None:
            return
        tried.add(token.key)
        response = http.get(
            url,
            headers={**_REST_HEADERS, "Authorization": f"bearer {token.secret}"},
            conditional=True,
            accept_statuses=range(200, 600),
        )
        if response.status == 304 or 200 <= response.status < 300:
            _record(pool, token, CORE, _header_reading(response.headers))
        if response.status == 304:
            raise NotModified()
        try:
            if not 200 <= response.status < 300:
                _raise_for_status(spec, response)
        except _Spent as spent:
            pool.exhaust(token, CORE, spent.reset_at)
            continue
        except _Refused as refused:
            pool.refuse(token, str(refused.error))
            continue
        if whole_list and not _is_whole_list(response):
            http.etag = http.last_modified = None
        return


def graphql(
    spec: ProjectSpec,
    http: HttpClient,
    pool: TokenPool,
    query: str,
    variables: dict[str, Any],
) -> dict[str, Any]:
    """One GraphQL query's ``data``, with the first token that is not spent."""
    tried: set[str] = set()
    spent_until: list[dt.datetime] = []
    refusal: BackendError | None = None
    while True:
        token = pool.take(GRAPHQL, skip=tried)
        if token is None:
            if refusal is not None:
                raise refusal
            if spent_until:
                raise RateLimited(min(spent_until), scope=RATE_LIMIT_SCOPE)
            raise not_configured(spec)
        tried.add(token.key)
        try:
            return _query_once(spec, http, pool, token, query, variables)
        except _Spent as spent:
            pool.exhaust(token, GRAPHQL, spent.reset_at)
            spent_until.append(spent.reset_at)
        except _Refused as refused:
            pool.refuse(token, str(refused.error))
            refusal = refused.error


def _query_once(
    spec: ProjectSpec,
    http: HttpClient,
    pool: TokenPool,
    token: GitHubToken,
    query: str,
    variables: dict[str, Any],
) -> dict[str, Any]:
    response = http.post(
        API_URL,
        json={"query": query, "variables": variables},
        headers={"Authorization": f"bearer {token.secret}"},
        accept_statuses=range(200, 600),
    )
    if not 200 <= response.status < 300:
        _raise_for_status(spec, response)
    reading = _header_reading(response.headers)
    _record(pool, token, GRAPHQL, reading)
    if (response.headers.get("X-RateLimit-Remaining") or "").strip() == "0":
        # Anitya's rule: the answer that spent the last point is discarded too.
        raise _Spent(parse_reset_time(response.headers))
    payload = response.json()
    if not isinstance(payload, dict):
        raise BackendError(f"{spec.name}: GitHub answered something that is not an object.")
    data = as_dict(payload.get("data"))
    errors = payload.get("errors")
    rate_limit = as_dict(data.get("rateLimit"))
    if reading is None:
        _record(pool, token, GRAPHQL, _body_reading(response, rate_limit))
    if isinstance(errors, list) and any(
        as_dict(error).get("type") == "RATE_LIMITED" for error in errors
    ):
        raise _Spent(_reset_at(response, rate_limit))
    remaining = rate_limit.get("remaining")
    if isinstance(remaining, int) and not isinstance(remaining, bool) and remaining <= 0:
        raise _Spent(_reset_at(response, rate_limit))
    if errors:
        raise BackendError(_errors_message(spec, errors))
    if not data:
        raise BackendError(f"{spec.name}: GitHub answered without data.")
    return data


def _record(
    pool: TokenPool, token: GitHubToken, resource: str, reading: RateReading | None
) -> None:
    if reading is not None:
        pool.record(token, resource, reading)


def _count(value: object) -> int | None:
    """A budget number from a header or the body: a whole number from 0 to 10**9, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit() or len(value) > 10:
            return None
        value = int(value)
    if isinstance(value, int) and 0 <= value <= 10**9:
        return value
    return None


def _header_reading(headers: Any) -> RateReading | None:
    """The budget the ``X-RateLimit-*`` headers announce, or None without them."""
    remaining = _count(headers.get("X-RateLimit-Remaining"))
    if remaining is None or not (headers.get("X-RateLimit-Reset") or "").strip():
        return None
    reset = parse_reset_time({"X-RateLimit-Reset": headers.get("X-RateLimit-Reset")})
    return RateReading(_count(headers.get("X-RateLimit-Limit")), remaining, reset)


def _body_reading(response: HttpResponse, rate_limit: dict[str, Any]) -> RateReading | None:
    """The budget GraphQL's ``rateLimit`` field announces, or None without it."""
    remaining = _count(rate_limit.get("remaining"))
    if remaining is None or parse_iso_datetime(rate_limit.get("resetAt")) is None:
        return None
    return RateReading(_count(rate_limit.get("limit")), remaining, _reset_at(response, rate_limit))


def _is_whole_list(response: HttpResponse) -> bool:
    """A JSON list that no ``Link: rel="next"`` continues."""
    if 'rel="next"' in (response.headers.get("Link") or ""):
        return False
    try:
        return isinstance(response.json(), list)
    except BackendError:
        return False


def _raise_for_status(spec: ProjectSpec, response: HttpResponse) -> None:
    """A non-2xx answer: a spent budget when GitHub says so, a refused token on 401, else
    Anitya's status message."""
    headers = response.headers
    remaining = (headers.get("X-RateLimit-Remaining") or "").strip()
    if response.status in (403, 429) and (remaining == "0" or headers.get("Retry-After")):
        raise _Spent(parse_reset_time(headers))
    detail = ""
    try:
        detail = str(as_dict(response.json()).get("message") or "")[:200]
    except BackendError:
        detail = ""
    if response.status == 429 or (response.status == 403 and "rate limit" in detail.lower()):
        # A secondary limit announced only in the body: parse_reset_time falls back to an hour.
        raise _Spent(parse_reset_time(headers))
    message = f'{spec.name}: Server responded with status "{response.status}": "{response.reason}"'
    if detail:
        message += f" ({detail})"
    if response.status == 401:
        raise _Refused(BackendError(message))
    raise BackendError(message)


def _reset_at(response: HttpResponse, rate_limit: dict[str, Any]) -> dt.datetime:
    """The reset time from the headers, else the body's ``rateLimit.resetAt`` (capped)."""
    headers = response.headers
    if headers.get("Retry-After") or headers.get("X-RateLimit-Reset"):
        return parse_reset_time(headers)
    reset = parse_iso_datetime(rate_limit.get("resetAt"))
    if reset is None:
        return parse_reset_time(headers)
    now = dt.datetime.now(dt.UTC)
    return min(max(reset, now), now + dt.timedelta(days=1))


def _errors_message(spec: ProjectSpec, errors: object) -> str:
    """Anitya's text: one ``"<type>": "<message>"`` line per GraphQL error."""
    lines = []
    for error in errors if isinstance(errors, list) else [errors]:
        error = as_dict(error)
        kind = str(error.get("type") or "ERROR")[:100]
        text = str(error.get("message") or "unknown error")[:300]
        lines.append(f'"{kind}": "{text}"')
        if len(lines) == _MAX_ERRORS_SHOWN:
            break
    return f"{spec.name}: Server responded with following errors \n" + "\n".join(lines)
