"""Sign-in providers from the configuration, as django-allauth's ``SOCIALACCOUNT_PROVIDERS``.

Read by ``releasemon/settings.py`` at start-up, so this module imports nothing from Django (nor
from ``releasemon``: a bad entry raises :class:`ProviderConfigError`, which the settings report
as a configuration error). A provider is enabled only when its client id and secret are
configured:

- Fedora Accounts and Google (OpenID Connect) from Anitya's keys ``fedora_client_id``,
  ``fedora_client_secret``, ``fedora_server_metadata_url`` and the ``google_*`` equivalents;
- any OpenID Connect issuer from ``oidc_providers``, a list of tables with ``id``, ``name``,
  ``server_url`` (the issuer or its ``.well-known/openid-configuration`` URL), ``client_id``,
  ``client_secret`` and optionally ``scope`` (a list), ``username_claim`` (default
  ``preferred_username``), ``email_domain`` and ``token_auth_method``;
- GitHub (``github_client_id``/``github_client_secret``) and GitLab (``gitlab_client_id``,
  ``gitlab_client_secret``, ``gitlab_url``).

Two app settings shape who a person is, as Anitya did (contract §8.4): ``username_claim``
names the claim used as username (Google: ``email``), and ``email_domain`` makes the email
``<username>@<domain>`` (Fedora: ``fedoraproject.org``), which Anitya's users were stored under.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

FEDORA_METADATA_URL = "https://id.fedoraproject.org/.well-known/openid-configuration"
GOOGLE_METADATA_URL = "https://accounts.google.com/.well-known/openid-configuration"

_PROVIDER_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_RESERVED_IDS = {"github", "gitlab", "openid_connect"}


class ProviderConfigError(Exception):
    """The providers' configuration cannot be used; the message is one line naming the key."""


def _oidc_app(
    provider_id: str,
    name: str,
    server_url: str,
    client_id: str,
    secret: str,
    **options: Any,
) -> dict[str, Any]:
    settings: dict[str, Any] = {"server_url": server_url}
    settings.update({key: value for key, value in options.items() if value not in (None, "")})
    return {
        "provider_id": provider_id,
        "name": name,
        "client_id": client_id,
        "secret": secret,
        "settings": settings,
    }


def _generic_oidc_app(entry: Any, position: int) -> dict[str, Any]:
    where = f"oidc_providers[{position}]"
    if not isinstance(entry, Mapping):
        raise ProviderConfigError(f"{where}: expected a table with id, name, server_url, client_id")
    entry = {str(key).lower(): value for key, value in entry.items()}
    missing = [
        key for key in ("id", "server_url", "client_id", "client_secret") if not entry.get(key)
    ]
    if missing:
        raise ProviderConfigError(f"{where}: missing {', '.join(missing)}")
    provider_id = str(entry["id"])
    if not _PROVIDER_ID.match(provider_id) or provider_id in _RESERVED_IDS:
        raise ProviderConfigError(
            f"{where}: id {provider_id!r} must be lower-case letters, digits, - or _ "
            f"(and not one of {', '.join(sorted(_RESERVED_IDS))})"
        )
    server_url = str(entry["server_url"])
    if not server_url.startswith(("https://", "http://")):
        raise ProviderConfigError(f"{where}: server_url must be an http(s) URL")
    scope = entry.get("scope")
    if scope is not None and (
        not isinstance(scope, list) or not all(isinstance(item, str) for item in scope)
    ):
        raise ProviderConfigError(f"{where}: scope must be a list of strings")
    return _oidc_app(
        provider_id,
        str(entry.get("name") or provider_id),
        server_url,
        str(entry["client_id"]),
        str(entry["client_secret"]),
        scope=scope,
        username_claim=entry.get("username_claim"),
        email_domain=entry.get("email_domain"),
        token_auth_method=entry.get("token_auth_method"),
    )


def socialaccount_providers(config: Mapping[str, Any]) -> dict[str, Any]:
    """``SOCIALACCOUNT_PROVIDERS`` for the configured providers.

    Raises :class:`ProviderConfigError` when an entry is invalid.
    """
    oidc_apps: list[dict[str, Any]] = []
    if config.get("FEDORA_CLIENT_ID") and config.get("FEDORA_CLIENT_SECRET"):
        oidc_apps.append(
            _oidc_app(
                "fedora",
                "Fedora Accounts",
                config.get("FEDORA_SERVER_METADATA_URL") or FEDORA_METADATA_URL,
                config["FEDORA_CLIENT_ID"],
                config["FEDORA_CLIENT_SECRET"],
                username_claim="preferred_username",
                email_domain="fedoraproject.org",
                token_auth_method="client_secret_post",
            )
        )
    if config.get("GOOGLE_CLIENT_ID") and config.get("GOOGLE_CLIENT_SECRET"):
        oidc_apps.append(
            _oidc_app(
                "google",
                "Google",
                config.get("GOOGLE_SERVER_METADATA_URL") or GOOGLE_METADATA_URL,
                config["GOOGLE_CLIENT_ID"],
                config["GOOGLE_CLIENT_SECRET"],
                username_claim="email",
            )
        )
    entries = config.get("OIDC_PROVIDERS") or []
    if not isinstance(entries, list):
        raise ProviderConfigError("oidc_providers: expected a list of tables")
    oidc_apps.extend(_generic_oidc_app(entry, position) for position, entry in enumerate(entries))
    ids = [app["provider_id"] for app in oidc_apps]
    duplicates = sorted({provider_id for provider_id in ids if ids.count(provider_id) > 1})
    if duplicates:
        raise ProviderConfigError(
            f"oidc_providers: provider id {duplicates[0]!r} is configured twice"
        )

    providers: dict[str, Any] = {}
    if oidc_apps:
        providers["openid_connect"] = {"APPS": oidc_apps, "OAUTH_PKCE_ENABLED": True}
    if config.get("GITHUB_CLIENT_ID") and config.get("GITHUB_CLIENT_SECRET"):
        providers["github"] = {
            "APPS": [
                {
                    "name": "GitHub",
                    "client_id": config["GITHUB_CLIENT_ID"],
                    "secret": config["GITHUB_CLIENT_SECRET"],
                }
            ],
            # The email addresses come from /user/emails with their "verified" flags.
            "SCOPE": ["read:user", "user:email"],
        }
    if config.get("GITLAB_CLIENT_ID") and config.get("GITLAB_CLIENT_SECRET"):
        providers["gitlab"] = {
            "APPS": [
                {
                    "name": "GitLab",
                    "client_id": config["GITLAB_CLIENT_ID"],
                    "secret": config["GITLAB_CLIENT_SECRET"],
                    "settings": {"gitlab_url": str(config.get("GITLAB_URL") or "").rstrip("/")},
                }
            ],
            "SCOPE": ["read_user"],
            # GitLab only returns an account's primary email once it has been confirmed.
            "VERIFIED_EMAIL": True,
        }
    return providers
