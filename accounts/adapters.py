"""django-allauth adapters: who may sign in, and who a provider's answer is.

Anitya's rules (contract §8.4) on top of allauth's flow: a person is matched to an existing
user by verified email, created on their first sign-in, and their username follows the
provider's on every sign-in. Banned users and the operator's ``BLACKLISTED_USERS`` are turned
away with a clear page before any session is opened. Local sign-up can be switched off.

Email addresses (issue #13): a provider sign-in joins an existing account only through an
address the provider says is verified *and* the account has verified (its allauth
``EmailAddress`` row); anything else would let whoever signed up first with someone's address
receive that person's account. When the address is taken but not verified on both sides, the
person is told to sign in to that account and connect the provider there (provider-verified
address), or allauth's enumeration-safe "verification sent" answer is given (unverified).
"""

from __future__ import annotations

import logging
import smtplib
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.signup import prevent_enumeration
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from django.conf import settings
from django.contrib import messages
from django.forms import ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import render

from accounts.models import User
from accounts.services import is_blacklisted, user_is_blacklisted, user_set_username

logger = logging.getLogger(__name__)

MAIL_FAILED_MESSAGE = (
    "We could not send you the mail just now: the mail server did not answer. Sign in again "
    "in a few minutes and a new one will be sent."
)
BANNED_MESSAGE = "This account has been banned: it cannot sign in."
BLACKLISTED_MESSAGE = "This account is not allowed to sign in to this site."
#: ``SocialLogin.state["process"]`` of a sign-in (as opposed to connecting a provider).
SIGN_IN_PROCESSES = {None, "", "login"}


def refuse_sign_in(request: HttpRequest, reason: str) -> ImmediateHttpResponse:
    """The page shown instead of signing in, with the reason (HTTP 403)."""
    response = render(request, "accounts/sign_in_refused.html", {"reason": reason}, status=403)
    return ImmediateHttpResponse(response)


def on_site(url: str) -> str:
    """``url`` (absolute or a path) on this site's public address, ``SITE_URL``: links in
    mails never depend on the Host header or the proxy of the request that sent them."""
    site_url: str = settings.SITE_URL
    site, parts = urlsplit(site_url), urlsplit(url)
    return urlunsplit((site.scheme, site.netloc, parts.path, parts.query, parts.fragment))


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth is untyped
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(settings.LOCAL_ACCOUNTS)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Every allauth mail: its links (``activate_url``, ``password_reset_url``, ...) point
        at ``SITE_URL``, and it names this site rather than the ``django.contrib.sites`` row."""
        context = {
            key: on_site(value) if key.endswith("_url") and isinstance(value, str) else value
            for key, value in context.items()
        }
        host = urlsplit(settings.SITE_URL).netloc
        context.setdefault("current_site", SimpleNamespace(name="releasemon", domain=host))
        try:
            super().send_mail(template_prefix, email, context)
        except (smtplib.SMTPException, OSError) as error:
            # The mail server is down or refuses us: the account or request is kept, the
            # person is told, and the next sign-in (or a new request) sends the mail again.
            logger.warning("Could not send the %s mail: %s", template_prefix, error)
            if getattr(self, "request", None) is not None:
                messages.error(self.request, MAIL_FAILED_MESSAGE)

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email)
        if is_blacklisted(email=email):
            raise ValidationError(BLACKLISTED_MESSAGE)
        return email

    def clean_username(self, username: str, shallow: bool = False) -> str:
        if is_blacklisted(username=username):
            raise ValidationError(BLACKLISTED_MESSAGE)
        cleaned: str = super().clean_username(username, shallow=shallow)
        return cleaned

    def pre_login(self, request: HttpRequest, user: User, **kwargs: Any) -> Any:
        """Every sign-in, local or social, ends here: refuse banned and blacklisted users."""
        if not user.is_active:
            raise refuse_sign_in(request, BANNED_MESSAGE)
        if user_is_blacklisted(user):
            raise refuse_sign_in(request, BLACKLISTED_MESSAGE)
        return super().pre_login(request, user, **kwargs)


def _owner(email: str) -> User | None:
    """The user who has ``email``, as their address or as one of their address rows."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        row = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
        user = row.user if row is not None else None
    return user


def _app_settings(sociallogin: SocialLogin) -> dict[str, Any]:
    app = getattr(sociallogin.provider, "app", None)
    return dict(app.settings or {}) if app is not None else {}


def _claims(sociallogin: SocialLogin) -> dict[str, Any]:
    """The provider's raw answer (OpenID Connect: userinfo, else the ID token claims)."""
    extra = sociallogin.account.extra_data or {}
    return extra.get("userinfo") or extra.get("id_token") or extra


class UnconfiguredProvider(SocialApp.DoesNotExist, Http404):  # type: ignore[misc]  # allauth is untyped
    """No app for that provider: its sign-in URLs answer 404 (allauth's GitHub and GitLab
    views let ``SocialApp.DoesNotExist`` through, a 500); allauth's own handlers still
    catch it as ``DoesNotExist``."""


class SocialAccountAdapter(DefaultSocialAccountAdapter):  # type: ignore[misc]  # allauth is untyped
    def is_open_for_signup(self, request: HttpRequest, sociallogin: object) -> bool:
        return True

    def get_app(self, request: HttpRequest, provider: str, client_id: str | None = None) -> Any:
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise UnconfiguredProvider(f"No {provider} sign-in is configured.") from None

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

    def populate_user(
        self, request: HttpRequest, sociallogin: SocialLogin, data: dict[str, Any]
    ) -> User:
        user: User = super().populate_user(request, sociallogin, data)
        username, email = self.identity(sociallogin)
        if _app_settings(sociallogin).get("email_domain") and email:
            # The provider vouches for the address it derives from the account name.
            sociallogin.email_addresses = [EmailAddress(email=email, verified=True, primary=True)]
        user.email = email or user.email
        user.username = username
        return user

    def authenticate_by_email(self, sociallogin: SocialLogin) -> tuple[User, str] | None:
        """Match an existing user by an address verified on *both* sides: the provider says
        so, and the user's own ``EmailAddress`` row for it is verified (ignoring case).

        An unverified row proves nothing: anybody can sign up with someone else's address.
        """
        for address in sociallogin.email_addresses:
            if not address.verified or not self.can_authenticate_by_email(
                sociallogin, address.email
            ):
                continue
            row = (
                EmailAddress.objects.filter(email__iexact=address.email, verified=True)
                .select_related("user")
                .first()
            )
            if row is not None:
                return row.user, address.email
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
            if sociallogin.state.get("process") in SIGN_IN_PROCESSES:
                self._refuse_taken_address(request, sociallogin, email)
            return
        if user_is_blacklisted(user):
            raise refuse_sign_in(request, BLACKLISTED_MESSAGE)
        if not user.is_active:
            raise refuse_sign_in(request, BANNED_MESSAGE)
        if username:
            user_set_username(user, username)  # usernames follow the provider
        self._record_verified_addresses(user, sociallogin)

    def _refuse_taken_address(
        self, request: HttpRequest, sociallogin: SocialLogin, email: str
    ) -> None:
        """A new person whose address an account here already has, unjoined (the address is
        not verified on both sides): never that account, never a second account with the
        same address. allauth alone would offer a sign-up form to pick another address, and
        compares case-sensitively, which would let the duplicate through."""
        primary = email or next((a.email for a in sociallogin.email_addresses), "")
        if primary and _owner(primary) is not None:
            verified = {a.email.lower() for a in sociallogin.email_addresses if a.verified}
            if primary.lower() in verified:
                # They proved the address is theirs: say what to do (nothing is disclosed).
                raise ImmediateHttpResponse(
                    render(
                        request,
                        "accounts/sign_in_account_exists.html",
                        {"email": primary, "provider": sociallogin.provider.name},
                        status=409,
                    )
                )
            # Not proven theirs: allauth's enumeration-safe answer, which mails the owner of
            # the address and shows this person the page a free address would get.
            raise ImmediateHttpResponse(prevent_enumeration(request, email=primary))
        # The provider's other addresses go with the new account only when nobody has them.
        sociallogin.email_addresses = [
            address
            for address in sociallogin.email_addresses
            if address.email.lower() == primary.lower() or _owner(address.email) is None
        ]

    def _record_verified_addresses(self, user: User, sociallogin: SocialLogin) -> None:
        """A known user's addresses that their provider now vouches for become verified, so
        accounts made before verification existed (or joined without an address row) need
        no mail to go on signing in, and can later be joined by another provider."""
        verified = {a.email.lower() for a in sociallogin.email_addresses if a.verified}
        rows = {row.email.lower(): row for row in EmailAddress.objects.filter(user=user)}
        for address in verified & ({user.email.lower()} | set(rows)):
            row = rows.get(address)
            if row is not None and row.verified:
                continue
            if EmailAddress.objects.filter(email__iexact=address, verified=True).exists():
                continue  # verified by somebody else: leave it to them
            if row is None:
                EmailAddress.objects.create(
                    user=user,
                    email=address,
                    verified=True,
                    primary=not any(r.primary for r in rows.values()),
                )
            else:
                row.verified = True
                row.save(update_fields=["verified"])

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form: Any = None) -> User:
        """Keep the provider's username even when another user has it: usernames are not
        unique here (contract §1.7), and allauth would otherwise invent one."""
        if sociallogin.user is not None and not sociallogin.user.username:
            sociallogin.user.username = self.identity(sociallogin)[0]
        user: User = super().save_user(request, sociallogin, form)
        return user
