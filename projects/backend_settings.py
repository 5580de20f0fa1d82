"""The backends' configuration, built from Django settings and kept in step with them.

``backends/`` imports no Django: it reads a frozen :class:`~backends.config.BackendsConfig`.
This module is the one place that turns settings into it. ``ProjectsConfig.ready()`` installs
it when Django starts (web workers, the q2 cluster, management commands), and
:func:`rebuild_on_setting_change` builds it again whenever a setting changes, so tests that use
``override_settings`` or pytest-django's ``settings`` fixture check with what they set.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings

from backends.budget import Limits
from backends.config import (
    DEFAULT_REGEX,
    DEFAULT_REGEX_TIMEOUT,
    BackendsConfig,
    IndexCredentials,
    configure,
)
from backends.github_tokens import GitHubApp
from backends.http import HttpConfig, parse_networks
from backends.upstreams.github import configured_tokens
from projects import telemetry

#: Whether the GitHub token pool is kept in the database (every process shares its budgets).
#: The tests of ``backends/`` run without a database and turn it off.
github_pool_in_database = True


def build_http_config(source: object) -> HttpConfig:
    """The HTTP_* limits, FETCH_ALLOWED_NETWORKS, the User-Agent and the CHECK_* budget."""
    default = HttpConfig()
    version = getattr(source, "RELEASEMON_VERSION", "0")
    site_url = getattr(source, "SITE_URL", "http://127.0.0.1:8000")
    return HttpConfig(
        user_agent=f"releasemon/{version} (+{site_url})",
        from_email=getattr(source, "ADMIN_EMAIL", None) or None,
        connect_timeout=float(getattr(source, "HTTP_CONNECT_TIMEOUT", default.connect_timeout)),
        read_timeout=float(getattr(source, "HTTP_READ_TIMEOUT", default.read_timeout)),
        max_response_bytes=int(
            getattr(source, "HTTP_MAX_RESPONSE_BYTES", default.max_response_bytes)
        ),
        max_redirects=int(getattr(source, "HTTP_MAX_REDIRECTS", default.max_redirects)),
        allowed_networks=parse_networks(getattr(source, "FETCH_ALLOWED_NETWORKS", ())),
        limits=build_limits(source),
        on_answer=telemetry.observe_upstream_answer,
    )


def build_limits(source: object) -> Limits:
    """The CHECK_* budget keys (and PREVIEW_DEADLINE), each falling back to Limits' default."""
    default = Limits()
    return Limits(
        deadline=float(getattr(source, "CHECK_DEADLINE", default.deadline)),
        interactive_deadline=float(
            getattr(source, "PREVIEW_DEADLINE", default.interactive_deadline)
        ),
        max_total_bytes=int(getattr(source, "CHECK_MAX_BYTES", default.max_total_bytes)),
        max_requests=int(getattr(source, "CHECK_MAX_PAGES", default.max_requests)),
        max_versions=int(getattr(source, "CHECK_MAX_VERSIONS", default.max_versions)),
        max_new_versions=int(getattr(source, "CHECK_MAX_NEW_VERSIONS", default.max_new_versions)),
    )


def index_credentials(configured: object) -> tuple[IndexCredentials, ...]:
    """PYPI_SIMPLE_CREDENTIALS (``{key: {"username": ..., "password": ...}}``), in its order.

    Entries that are not a string key with a mapping value are ignored; an entry whose
    username or password is not a string is kept without them, so that an index it matches
    is read without credentials (as before: the longest matching key decides).
    """
    if not isinstance(configured, Mapping):
        return ()
    entries = []
    for key, value in configured.items():
        if not isinstance(key, str) or not isinstance(value, Mapping):
            continue
        username, password = value.get("username"), value.get("password")
        if isinstance(username, str) and isinstance(password, str):
            entries.append(IndexCredentials(key, username, password))
        else:
            entries.append(IndexCredentials(key, None, None))
    return tuple(entries)


def github_tokens(configured: object) -> tuple[str, ...]:
    """GITHUB_ACCESS_TOKENS: the non-empty strings of a list (anything else is ignored)."""
    if isinstance(configured, str):
        configured = configured.split(",")
    if not isinstance(configured, list | tuple):
        return ()
    return tuple(item.strip() for item in configured if isinstance(item, str) and item.strip())


def github_app(source: object) -> GitHubApp | None:
    """The GitHub App (GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID and the PEM file named by
    GITHUB_APP_PRIVATE_KEY_FILE), or None without an id and an installation.

    A key file that cannot be read leaves the App without a key and with the reason, which
    its checks report (never the key itself).
    """
    app_id = str(getattr(source, "GITHUB_APP_ID", "") or "").strip()
    installation = getattr(source, "GITHUB_APP_INSTALLATION_ID", None)
    try:
        installation_id = int(installation or 0)
    except (TypeError, ValueError):
        installation_id = 0
    if not app_id or app_id == "0" or installation_id <= 0:
        return None
    key_file = str(getattr(source, "GITHUB_APP_PRIVATE_KEY_FILE", "") or "").strip()
    if not key_file:
        return GitHubApp(
            app_id, installation_id, key_problem="GITHUB_APP_PRIVATE_KEY_FILE is not set"
        )
    try:
        private_key = Path(key_file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        return GitHubApp(
            app_id, installation_id, key_problem=f"cannot read the private key file ({reason})"
        )
    return GitHubApp(app_id, installation_id, private_key=private_key)


def build_backends_config(source: object = settings) -> BackendsConfig:
    """Every setting backends read, from ``source`` (Django's settings by default).

    A setting that is missing takes the backends' own default, as when no Django runs. With
    any GitHub token configured, their budgets are kept in the database
    (:class:`~projects.services.github_pool.DatabaseTokenPool`).
    """
    token = getattr(source, "GITHUB_ACCESS_TOKEN", None)
    config = BackendsConfig(
        http=build_http_config(source),
        github_access_token=str(token) if token else None,
        github_access_tokens=github_tokens(getattr(source, "GITHUB_ACCESS_TOKENS", ())),
        github_app=github_app(source),
        pypi_simple_credentials=index_credentials(getattr(source, "PYPI_SIMPLE_CREDENTIALS", None)),
        regex_timeout=float(getattr(source, "REGEX_TIMEOUT", DEFAULT_REGEX_TIMEOUT)),
        default_regex=str(getattr(source, "DEFAULT_REGEX", None) or DEFAULT_REGEX),
    )
    tokens = configured_tokens(config)
    if github_pool_in_database and (tokens or config.github_app is not None):
        # Here, not at the top: projects/apps.py imports this module before the models can be.
        from projects.services.github_pool import DatabaseTokenPool

        pool = DatabaseTokenPool(tokens, config.github_app)
        config = dataclasses.replace(config, github_token_pool=pool)
    return config


def install() -> None:
    """Build the configuration from the current settings and install it for the process."""
    configure(build_backends_config())


def rebuild_on_setting_change(**kwargs: Any) -> None:
    """``setting_changed`` receiver: any setting may feed the configuration, and building it
    is cheap, so it is rebuilt on every change rather than for a list of names to keep."""
    install()
