"""API rate limits: per API token (or signed-in user) and per anonymous client address.

The rates are ``API_THROTTLE_USER`` and ``API_THROTTLE_ANON`` (releasemon/config.py; e.g.
``3600/hour``; ``none`` or empty switches a limit off), read at each request so that a
settings change applies at once. Every answer tells the client where it stands, as GitHub's
API does: ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (the UTC
epoch second at which the current window ends and the allowance is whole again); a refused
request gets 429 with ``Retry-After``.

Requests are counted in fixed windows (GitHub's way) with one atomic counter per client and
window in the shared cache (projects/shared_cache.py), so every worker process and machine counts
against the same allowance.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.cache import cache as default_cache
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken
from projects.shared_cache import count_hit

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

    def get_cache_key(self, request: Request, view: Any) -> str:
        if isinstance(request.auth, ApiToken):
            return f"api-throttle:token:{request.auth.pk}"
        if request.user is not None and request.user.is_authenticated:
            return f"api-throttle:user:{request.user.pk}"
        return f"api-throttle:anon:{self.get_ident(request)}"

    def _rate_for(self, request: Request) -> str | None:
        scope = "anon"
        if request.user is not None and request.user.is_authenticated:
            scope = "user"
        rate = (api_settings.DEFAULT_THROTTLE_RATES or {}).get(scope)
        if rate is None or str(rate).strip().lower() in OFF:
            return None
        return str(rate).strip()

    def allow_request(self, request: Request, view: Any) -> bool:
        self.rate = self._rate_for(request)
        if self.rate is None:
            return True
        num_requests, duration = self.parse_rate(self.rate)
        if num_requests is None or duration is None:  # only without a rate
            return True
        self.num_requests, self.duration = num_requests, duration
        window = int(self.timer() // duration)
        self.window_end = (window + 1) * duration
        key = f"{self.get_cache_key(request, view)}:{duration}:{window}"
        self.count = count_hit(self.cache, key, duration)
        # A refused request counts too, which keeps a client that hammers refused.
        return self.count <= num_requests

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
