"""API rate limits: per API token (or signed-in user) and per anonymous client address.

The rates are ``API_THROTTLE_USER`` and ``API_THROTTLE_ANON`` (releasemon/config.py; e.g.
``3600/hour``; ``none`` or empty switches a limit off), read at each request so that a
settings change applies at once. Every answer tells the client where it stands, as GitHub's
API does: ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (the UTC
epoch second at which the oldest request counted leaves the window, so one more is allowed);
a refused request gets 429 with ``Retry-After``.

The request log lives in Django's cache: per process with the default local-memory cache, so
each worker process counts on its own unless a shared cache is configured.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.cache import cache as default_cache
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken

OFF = {"", "none", "off", "0"}


class ApiRateThrottle(SimpleRateThrottle):
    """One sliding window per API token, signed-in user or anonymous address."""

    cache = default_cache

    def __init__(self) -> None:  # the rate depends on the request: see allow_request
        self.rate = None
        self.num_requests: int | None = None
        self.duration: int | None = None
        self.history: list[float] = []
        self.now = 0.0

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
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.get_cache_key(request, view)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        return self.throttle_success()

    def headers(self) -> dict[str, str]:
        """The X-RateLimit-* headers after this request (none when no limit applies)."""
        if self.rate is None or self.num_requests is None or self.duration is None:
            return {}
        remaining = max(0, self.num_requests - len(self.history))
        # The oldest request counted leaves the window then, and one more is allowed.
        reset = (self.history[-1] if self.history else self.now) + self.duration
        return {
            "X-RateLimit-Limit": str(self.num_requests),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(math.ceil(reset)),
        }
