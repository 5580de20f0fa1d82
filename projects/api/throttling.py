"""API rate limits: per API token (or signed-in user) and per anonymous client address.

The rates are ``API_THROTTLE_USER`` and ``API_THROTTLE_ANON`` (releasemon/config.py; e.g.
``3600/hour``; ``none`` or empty switches a limit off), read at each request so that a
settings change applies at once. Every answer tells the client where it stands, as GitHub's
API does: ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (the UTC
epoch second at which the current window ends and the allowance is whole again); a refused
request gets 429 with ``Retry-After``.

Requests are counted in fixed windows (GitHub's way) with one atomic counter per client and
window in the shared cache (projects/shared_cache.py), so every worker process and machine counts
against the same allowance. Far from the limit a process counts a client's requests in batches
(``count_hit_batched``: at most 2% of the limit held back per process), near it request by
request.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.cache import cache as default_cache
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken
from projects.shared_cache import count_hit_batched

OFF = {"", "none", "off", "0"}


class ApiRateThrottle(SimpleRateThrottle):
    """One fixed window per API token, signed-in user or anonymous address."""

    cache = default_cache

    def __init__(self) -> None:  # the rate depends on the request: see allow_request
        self.rate = None
        self.num_requests: int | None = None
        self.duration: int | None = None
        self.count = 0
        self.window_end = 0.0
        self.counted = False
        self.allowed = True

    def get_cache_key(self, request: Request, view: Any) -> str:
        if isinstance(request.auth, ApiToken):
            return f"api-throttle:token:{request.auth.pk}"
        if request.user is not None and request.user.is_authenticated:
            return f"api-throttle:user:{request.user.pk}"
        return self._anonymous_key(request)

    def _anonymous_key(self, request: Request | HttpRequest) -> str:
        # DRF's get_ident reads only request.META, which a Django request has too.
        return f"api-throttle:anon:{self.get_ident(request)}"  # type: ignore[arg-type]

    def _rate_for(self, scope: str) -> str | None:
        rate = (api_settings.DEFAULT_THROTTLE_RATES or {}).get(scope)
        if rate is None or str(rate).strip().lower() in OFF:
            return None
        return str(rate).strip()

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.counted:  # by the cached lane, which then left the request to the view
            return self.allowed
        scope = "anon"
        if request.user is not None and request.user.is_authenticated:
            scope = "user"
        return self._count(scope, self.get_cache_key(request, view))

    def allow_anonymous(self, request: HttpRequest) -> bool:
        """Count a request that carries no token and no session (projects/api/cached_lane.py)."""
        return self._count("anon", self._anonymous_key(request))

    def _count(self, scope: str, client: str) -> bool:
        self.counted, self.allowed = True, True
        self.rate = self._rate_for(scope)
        if self.rate is None:
            return True
        num_requests, duration = self.parse_rate(self.rate)
        if num_requests is None or duration is None:  # only without a rate
            return True
        self.num_requests, self.duration = num_requests, duration
        window = int(self.timer() // duration)
        self.window_end = (window + 1) * duration
        key = f"{client}:{duration}:{window}"
        self.count = count_hit_batched(self.cache, key, duration, num_requests)
        # A refused request counts too, which keeps a client that hammers refused.
        self.allowed = self.count <= num_requests
        return self.allowed

    def wait(self) -> float:
        return max(1.0, self.window_end - self.timer())

    def headers(self) -> dict[str, str]:
        """The X-RateLimit-* headers after this request (none when no limit applies)."""
        if self.rate is None or self.num_requests is None:
            return {}
        return {
            "X-RateLimit-Limit": str(self.num_requests),
            "X-RateLimit-Remaining": str(max(0, self.num_requests - self.count)),
            "X-RateLimit-Reset": str(math.ceil(self.window_end)),
        }
