"""Password sign-in that refuses banned users (Django's own backend lets them through
``authenticate`` only to fail later; this makes the refusal explicit and early)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend


class ActiveUserModelBackend(ModelBackend):
    """Local accounts: username or email + password, active users only."""

    def user_can_authenticate(self, user: object) -> bool:
        return bool(getattr(user, "is_active", False))

    def get_user_permissions(self, user_obj: object, obj: object = None) -> set[str]:
        # Permissions are not stored per user (see accounts.models.User).
        return set()

    def get_group_permissions(self, user_obj: object, obj: object = None) -> set[str]:
        return set()
