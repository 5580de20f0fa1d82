"""Request types of the views."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User


class SignedInRequest(HttpRequest):
    """The request of a view behind ``login_required``: its user is signed in."""

    user: User
