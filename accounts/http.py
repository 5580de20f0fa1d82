"""Request types of the views."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import User


def points_into_site(request: HttpRequest, target: str) -> bool:
    """Whether ``target`` (a ``next`` parameter) stays on this site: other hosts,
    scheme-relative URLs (``//evil.example``), backslash tricks and non-http schemes do not."""
    return bool(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


class SignedInRequest(HttpRequest):
    """The request of a view behind ``login_required``: its user is signed in."""

    user: User
