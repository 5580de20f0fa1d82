"""Writes on users and tokens. Views, admin actions and commands call these."""

from __future__ import annotations

import secrets

from accounts.models import User


def ensure_administrator(email: str = "admin@localhost") -> tuple[User, str] | None:
    """Create an administrator on a fresh install.

    Returns the new user and its one-time password, or None when an administrator exists.
    """
    if User.objects.filter(admin=True).exists():
        return None
    password = secrets.token_urlsafe(12)
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, username="admin", password=password)
    else:
        user.set_password(password)
    user.admin = True
    user.is_active = True
    user.save()
    return user, password
