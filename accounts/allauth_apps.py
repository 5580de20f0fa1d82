"""django-allauth's apps under the names the site uses, so that the admin index shows one
"Accounts" section (our users and API tokens) instead of two: allauth's ``account`` app,
also called "Accounts", holds the email addresses people sign in with and confirm, and its
``socialaccount`` app the identity providers (the names of the links on /settings/)."""

from allauth.account.apps import AccountConfig
from allauth.socialaccount.apps import SocialAccountConfig


class EmailAddressesConfig(AccountConfig):  # type: ignore[misc]  # allauth is untyped
    verbose_name = "Email addresses"


class SignInProvidersConfig(SocialAccountConfig):  # type: ignore[misc]  # allauth is untyped
    verbose_name = "Sign-in providers"
