"""End the session of a user who was banned while signed in (design.md §4).

Django already treats a session of an inactive user as anonymous (the authentication backends
refuse inactive users); this also throws the session away, so nothing its owner stored in it
survives and signing in again is the only way back, which a ban refuses.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse


class EndBannedSessions:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY) and not request.user.is_authenticated:
            # A signed-in session whose user is gone or no longer allowed in (banned).
            session.flush()
        return self.get_response(request)
