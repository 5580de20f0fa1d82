"""The backends' configuration, built from Django settings and kept in step with them.

``backends/`` imports no Django: it reads a frozen :class:`~backends.config.BackendsConfig`.
This module is the one place that turns settings into it. ``ProjectsConfig.ready()`` installs
it when Django starts (web workers, the q2 cluster, management commands), and
:func:`rebuild_on_setting_change` builds it again whenever a setting changes, so tests that use
``override_settings`` or pytest-django's ``settings`` fixture check with what they set.
"""

from __future__ import annotations

from collections.abc import Mapping
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
from backends.http import HttpConfig, parse_networks
from projects import telemetry


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


def build_backends_config(source: object = settings) -> BackendsConfig:
    """Every setting backends read, from ``source`` (Django's settings by default).

    A setting that is missing takes the backends' own default, as when no Django runs.
    """
    token = getattr(source, "GITHUB_ACCESS_TOKEN", None)
    return BackendsConfig(
        http=build_http_config(source),
        github_access_token=str(token) if token else None,
        pypi_simple_credentials=index_credentials(getattr(source, "PYPI_SIMPLE_CREDENTIALS", None)),
        regex_timeout=float(getattr(source, "REGEX_TIMEOUT", DEFAULT_REGEX_TIMEOUT)),
        default_regex=str(getattr(source, "DEFAULT_REGEX", None) or DEFAULT_REGEX),
    )


def install() -> None:
    """Build the configuration from the current settings and install it for the process."""
    configure(build_backends_config())


def rebuild_on_setting_change(**kwargs: Any) -> None:
    """``setting_changed`` receiver: any setting may feed the configuration, and building it
    is cheap, so it is rebuilt on every change rather than for a list of names to keep."""
    install()
