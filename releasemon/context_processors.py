"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    from projects.selectors.status import latest_check_run

    user = getattr(request, "user", None)
    return {
        "releasemon_version": settings.RELEASEMON_VERSION,
        "last_check_run": latest_check_run(),
        "local_accounts": settings.LOCAL_ACCOUNTS,
        "is_admin": bool(user is not None and user.is_authenticated and user.is_staff),
    }
