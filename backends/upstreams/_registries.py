"""Helpers of the package-index backends: which registry to read, and checks of names and answers.

A package-index backend reads its public registry unless the project's version URL gives the
address of another instance (a mirror, a private feed, a self-hosted registry), so that people
can watch registries that are not the public one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from backends.base import BackendError, ProjectSpec, RateLimited
from backends.http import display_url
from backends.upstreams._common import MAX_VERSION_LENGTH

if TYPE_CHECKING:
    from backends.http import HttpClient, HttpResponse

# Longer user values are cut in messages: a message is one readable line.
_SHOWN_LENGTH = 100


def registry_base(spec: ProjectSpec, public: str) -> str | None:
    """The registry's address without a trailing ``/``: the version URL, else ``public``.

    None when the version URL is not a plain http(s) address (no query, no fragment): the
    backend then says so instead of requesting something the user did not mean.
    """
    value = (spec.version_url or "").strip()
    if not value:
        return public
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return None
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or any(c.isspace() for c in value)
    ):
        return None
    return value.rstrip("/")


def bad_registry_url(spec: ProjectSpec, service: str, public: str) -> BackendError:
    """The error of a version URL :func:`registry_base` refused."""
    return BackendError(
        f"{spec.name}: the version URL {display_url((spec.version_url or '').strip())} is not "
        f"the address of a {service}. Give an http:// or https:// address without a query, "
        f"or leave it empty to read {public}."
    )


def get_unless_throttled(
    http: HttpClient,
    url: str,
    reset_at: Callable[[HttpResponse], dt.datetime],
    **options: Any,
) -> HttpResponse:
    """GET ``url`` (``options`` as :meth:`HttpClient.get` takes them); a ``429`` is a
    :class:`RateLimited` of the registry's host until ``reset_at(the 429 answer)``: for
    registries that say when to come back in a way of their own (a header, a sentence in the
    body), which the HTTP client's usual ``Retry-After`` reading would miss."""
    response = http.get(url, accept_statuses=(200, 429), **options)
    if response.status == 429:
        raise RateLimited(reset_at(response), scope=urlsplit(url).hostname or url)
    return response


def shown(value: str) -> str:
    """A user-given value as a message quotes it: one line, cut when long."""
    text = " ".join(value.split())
    return text if len(text) <= _SHOWN_LENGTH else text[: _SHOWN_LENGTH - 3] + "..."


def checked_name(
    spec: ProjectSpec, pattern: re.Pattern[str], what: str, rule: str, *, max_length: int = 200
) -> str:
    """The project's name, stripped, if it is a ``what`` (``pattern``); else a readable error.

    A name that is not a registry name never reaches a URL: ``/`` or ``..`` cannot move the
    request elsewhere on the registry.
    """
    name = (spec.name or "").strip()
    if not name or len(name) > max_length or name in (".", "..") or not pattern.fullmatch(name):
        raise BackendError(f'"{shown(name)}" is not a valid {what}: {rule}.')
    return name


def json_object(data: Any, url: str) -> dict[str, Any]:
    """``data`` if the answer is a JSON object, else an error naming ``url``."""
    if not isinstance(data, dict):
        raise BackendError(f"{display_url(url)}: unexpected answer (not a JSON object)")
    return data


def version_string(value: object) -> str | None:
    """``value`` stripped if it can be a version (a short non-empty string), else None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > MAX_VERSION_LENGTH or any(c.isspace() for c in value):
        return None
    return value
