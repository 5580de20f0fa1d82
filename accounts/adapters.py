"""django-allauth adapters: who may sign in, and who a provider's answer is.

Anitya's rules (contract §8.4) on top of allauth's flow: a person is matched to an existing
user by verified email, created on their first sign-in, and their username follows the
provider's on every sign-in. Banned users and the operator's ``BLACKLISTED_USERS`` are turned
away with a clear page before any session is opened. Local sign-up can be switched off.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.conf import settings
from django.forms import ValidationError
from django.http import HttpRequest
from django.shortcuts import render

from accounts.models import User
from accounts.services import is_blacklisted, user_is_blacklisted

BANNED_MESSAGE = "This account has been banned: it cannot sign in."
BLACKLISTED_MESSAGE = "This account is not allowed to sign in to this site."


def refuse_sign_in(request: HttpRequest, reason: str) -> ImmediateHttpResponse:
    """The page shown instead of signing in, with the reason (HTTP 403)."""
    response = render(request, "accounts/sign_in_refused.html", {"reason": reason}, status=403)
    return ImmediateHttpResponse(response)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return settings.LOCAL_ACCOUNTS

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email)
        if is_blacklisted(email=email):
            raise ValidationError(BLACKLISTED_MESSAGE)
        return email

    def clean_username(self, username: str, shallow: bool = False) -> str:
        if is_blacklisted(username=username):
            raise ValidationError(BLACKLISTED_MESSAGE)
        return super().clean_username(username, shallow=shallow)

    def pre_login(self, request: HttpRequest, user: User, **kwargs: Any) -> Any:
        """Every sign-in, local or social, ends here: refuse banned and blacklisted users."""
        if not user.is_active:
            raise refuse_sign_in(request, BANNED_MESSAGE)
        if user_is_blacklisted(user):
            raise refuse_sign_in(request, BLACKLISTED_MESSAGE)
        return super().pre_login(request, user, **kwargs)


def _app_settings(sociallogin: SocialLogin) -> dict[str, Any]:
    app = getattr(sociallogin.provider, "app", None)
    return dict(app.settings or {}) if app is not None else {}


def _claims(sociallogin: SocialLogin) -> dict[str, Any]:
    """The provider's raw answer (OpenID Connect: userinfo, else the ID token claims)."""
    extra = sociallogin.account.extra_data or {}
    return extra.get("userinfo") or extra.get("id_token") or extra


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: object) -> bool:
        return True

    def identity(self, sociallogin: SocialLogin) -> tuple[str, str]:
        """``(username, email)`` as Anitya derived them for this provider (contract §8.4)."""
        options = _app_settings(sociallogin)
        common = sociallogin.provider.extract_common_fields(sociallogin.account.extra_data)
        claim = options.get("username_claim")
        username = str((_claims(sociallogin).get(claim) if claim else None) or "")
        username = username or str(common.get("username") or "")
        email = str(common.get("email") or "")
        if not email and sociallogin.email_addresses:
            email = sociallogin.email_addresses[0].email
        domain = options.get("email_domain")
        if domain and username:
            email = f"{username}@{domain}"
        username = username.strip() or email.split("@")[0]
        return username, email.strip()

    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin, data: dict) -> User:
        user = super().populate_user(request, sociallogin, data)
        username, email = self.identity(sociallogin)
        if _app_settings(sociallogin).get("email_domain") and email:
            # The provider vouches for the address it derives from the account name.
            sociallogin.email_addresses = [EmailAddress(email=email, verified=True, primary=True)]
        user.email = email or user.email
        user.username = username
        return user

    def authenticate_by_email(self, sociallogin: SocialLogin) -> tuple[User, str] | None:
        """Match an existing user by a *verified* address, ignoring case (Anitya stored
        addresses in whatever case the provider sent them)."""
        for address in sociallogin.email_addresses:
            if not address.verified or not self.can_authenticate_by_email(
                sociallogin, address.email
            ):
                continue
            user = User.objects.filter(email__iexact=address.email).first()
            if user is not None:
                return user, address.email
        return None

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """After the provider answered and the user was looked up, before any session."""
        username, email = self.identity(sociallogin)
        addresses = [email] + [address.email for address in sociallogin.email_addresses]
        if is_blacklisted(username=username) or any(
            is_blacklisted(email=address) for address in addresses
        ):
            raise refuse_sign_in(request, BLACKLISTED_MESSAGE)
        user = sociallogin.user
        if not sociallogin.is_existing or user is None:
            return
        if user_is_blacklisted(user):
            raise refuse_sign_in(request, BLACKLISTED_MESSAGE)
        if not user.is_active:
            raise refuse_sign_in(request, BANNED_MESSAGE)
        if username and user.username != username:
            # Usernames follow the provider (people rename their accounts).
            user.username = username
            User.objects.filter(pk=user.pk).update(username=username)

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form: Any = None) -> User:
        """Keep the provider's username even when another user has it: usernames are not
        unique here (contract §1.7), and allauth would otherwise invent one."""
        if sociallogin.user is not None and not sociallogin.user.username:
            sociallogin.user.username = self.identity(sociallogin)[0]
        return super().save_user(request, sociallogin, form)
