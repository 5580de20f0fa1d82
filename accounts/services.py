"""Writes on users and tokens. Views, admin actions and commands call these.

Like :mod:`projects.services`, failures raise an :class:`AccountError` whose text is meant for
the person who asked (a form error, an admin message); nothing is written when one is raised.
Anitya announces no message for user changes, so none is emitted here; the admin records each
change in its own log.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction

from accounts.models import ApiToken, User

#: Longest token description accepted (a label, not a document).
TOKEN_DESCRIPTION_MAX_LENGTH = 200


class AccountError(Exception):
    """A change to a user or token that cannot be made; ``str()`` is the reason."""


class ConfiguredAdministrator(AccountError):
    """Administrators listed in ``ANITYA_WEB_ADMINS`` cannot be demoted, banned or deleted."""

    def __init__(self, user: User, what: str) -> None:
        self.user = user
        super().__init__(
            f"{user.username} ({user.email}) is an administrator by configuration "
            f"(ANITYA_WEB_ADMINS) and cannot be {what}; remove them from that list first."
        )


class TokenNotFound(AccountError):
    def __init__(self) -> None:
        super().__init__("This API token does not exist or is not yours.")


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
    # The operator chose this address: it counts as verified, so the account can sign in on
    # the site too (sign-in waits for a verified address).
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user, password


# -- sign-in rules ------------------------------------------------------------------------------


def is_blacklisted(*, email: str | None = None, username: str | None = None) -> bool:
    """Listed in ``BLACKLISTED_USERS`` (by email, username or user id, ignoring case)."""
    listed = {str(entry).strip().lower() for entry in settings.BLACKLISTED_USERS}
    candidates = {value.strip().lower() for value in (email, username) if value}
    return bool(listed & candidates)


def user_is_blacklisted(user: User) -> bool:
    """``user`` may not sign in because the operator listed them in ``BLACKLISTED_USERS``."""
    if is_blacklisted(email=user.email, username=user.username):
        return True
    return user.pk is not None and is_blacklisted(email=str(user.pk))


def user_set_username(user: User, username: str) -> bool:
    """Give ``user`` the username their provider now reports (people rename their accounts);
    True when it changed.

    Only that column is written: the instance allauth hands over during a sign-in may hold
    other values that are not to be saved.
    """
    if user.username == username:
        return False
    user.username = username
    User.objects.filter(pk=user.pk).update(username=username)
    return True


# -- bans and administrators --------------------------------------------------------------------


def _locked(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


def _refresh(source: User, target: User) -> None:
    target.is_active, target.admin = source.is_active, source.admin


@transaction.atomic
def user_set_active(user: User, active: bool, *, by: User | None = None) -> bool:
    """Ban (``active`` false) or unban a user; True when it changed.

    A ban takes effect at once: their sessions end on their next request
    (:class:`accounts.middleware.EndBannedSessions`) and their API tokens are refused
    (:class:`accounts.authentication.TokenAuthentication`). Configured administrators and the
    administrator making the change cannot be banned (that would lock the site's keepers out).
    """
    locked = _locked(user)
    if not active:
        if locked.is_configured_admin:
            raise ConfiguredAdministrator(locked, "banned")
        if by is not None and by.pk == locked.pk:
            raise AccountError("You cannot ban yourself.")
    if locked.is_active == active:
        return False
    locked.is_active = active
    locked.save(update_fields=["is_active"])
    _refresh(locked, user)
    return True


@transaction.atomic
def user_set_admin(user: User, admin: bool, *, by: User | None = None) -> bool:
    """Grant or revoke the ``admin`` flag; True when it changed.

    Configured administrators stay administrators whatever their flag says, so revoking theirs
    is refused with a clear error rather than silently undone (Anitya re-promoted them on the
    next check, contract §1.7). Revoking your own rights works, as in Anitya.
    """
    locked = _locked(user)
    if not admin and locked.is_configured_admin:
        raise ConfiguredAdministrator(locked, "demoted")
    if locked.admin == admin:
        return False
    locked.admin = admin
    locked.save(update_fields=["admin"])
    _refresh(locked, user)
    return True


@transaction.atomic
def user_delete(user: User, *, by: User | None = None) -> None:
    """Delete a user and their tokens; their flags stay, without an author."""
    locked = _locked(user)
    if locked.is_configured_admin:
        raise ConfiguredAdministrator(locked, "deleted")
    if by is not None and by.pk == locked.pk:
        raise AccountError("You cannot delete yourself.")
    locked.delete()


# -- API tokens ---------------------------------------------------------------------------------


def token_create(user: User, description: str = "") -> tuple[ApiToken, str]:
    """Issue an API token for ``user``; return it with its secret, shown to them once only."""
    if not user.is_active:
        raise AccountError("Banned users cannot create API tokens.")
    text = (description or "").strip()
    if "\x00" in text:  # PostgreSQL cannot store it
        raise AccountError("The description cannot contain NUL characters.")
    if len(text) > TOKEN_DESCRIPTION_MAX_LENGTH:
        raise AccountError(
            f"The description is too long: at most {TOKEN_DESCRIPTION_MAX_LENGTH} characters."
        )
    return ApiToken.issue(user, description=text)


@transaction.atomic
def token_delete(token_id: int | str, *, user: User | None = None) -> ApiToken:
    """Delete a token at once (clients using it are refused from the next request).

    With ``user`` (the settings page) only that user's own tokens can be deleted; without
    (the admin) any token can.
    """
    tokens = ApiToken.objects.select_for_update()
    if user is not None:
        tokens = tokens.filter(user=user)
    try:
        token = tokens.get(pk=int(token_id))
    except (ApiToken.DoesNotExist, TypeError, ValueError):
        raise TokenNotFound() from None
    token.delete()
    return token


def tokens_delete(tokens: Iterable[ApiToken]) -> int:
    """Delete several tokens (admin); return how many went."""
    count = 0
    for token in tokens:
        try:
            token_delete(token.pk)
        except TokenNotFound:
            continue
        count += 1
    return count
