"""DRF authentication by API token: ``Authorization: Token <secret>`` (scheme case-insensitive).

As in Anitya, a header that names no usable token leaves the request anonymous: reads still
work, and writes are refused with 401. A token is usable while it exists and its user is
active, checked on every request, so a deleted token or a banned user is refused at once
(design.md §4). Tokens are looked up by their hash; ``last_used`` is updated at most once a
minute per token, so that busy clients do not turn every read into a write.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from rest_framework import authentication
from rest_framework.request import Request

from accounts.models import ApiToken, User, hash_token

logger = logging.getLogger(__name__)

LAST_USED_PRECISION = dt.timedelta(minutes=1)


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = authentication.get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != self.keyword.lower().encode():
            return None
        try:
            secret = parts[1].decode()
        except UnicodeDecodeError:
            return None
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(secret)).first()
        if token is None or not token.user.is_active:
            logger.debug("API token %s... refused (unknown, deleted or banned)", secret[:4])
            return None
        now = timezone.now()
        if token.last_used is None or now - token.last_used >= LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used=now)
            token.last_used = now
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
