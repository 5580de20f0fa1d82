"""Credentials typed into a project's URL fields (``https://user:password@host/``).

The one place they are split off: the website, the APIs, the admin and the commands all save
through :func:`~projects.services.projects.build_project` and
:func:`~projects.services.projects.edited_copy`, which call :func:`split_credentials`, so a
stored URL (shown on pages, in APIs, feeds, messages and logs) never holds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backends import credentials
from projects.models import Project
from projects.services.errors import InvalidInput
from projects.services.fields import URL_FIELDS, ProjectFields

CREDENTIAL_MAX_LENGTH = 1000

#: Credentials by origin (``"https://host[:port]"``): ``{"username": .., "password": ..}``.
Credentials = dict[str, dict[str, str]]


def split_credentials(fields: ProjectFields) -> tuple[ProjectFields, Credentials]:
    """``fields`` with the userinfo taken out of every URL field, and the credentials it held
    as ``{origin: {"username": .., "password": ..}}`` (``backends/credentials.py``)."""
    cleaned = fields.copy()
    typed: Credentials = {}
    errors: dict[str, str] = {}
    for field in URL_FIELDS:
        value = fields.get(field)
        if not isinstance(value, str):
            continue
        url, found = credentials.split_userinfo(value.strip())
        cleaned[field] = url
        if found is None or not any(found):
            continue
        if max(len(part) for part in found) > CREDENTIAL_MAX_LENGTH:
            errors[field] = "The credentials in this URL are too long."
            continue
        origin = credentials.origin(url)
        if origin is not None:
            typed[origin] = {"username": found[0], "password": found[1]}
    if errors:
        raise InvalidInput(errors)
    return cleaned, typed


def merged_credentials(
    stored: Mapping[str, Any] | None,
    typed: Mapping[str, Any],
    project: Project,
    *,
    forget: bool = False,
) -> dict[str, Any] | None:
    """The credentials ``project`` keeps: the stored ones (none with ``forget``) updated by
    those just typed, for the origins its URLs still use (a URL typed again without them
    keeps them; a URL moved to another host, scheme or port drops them). None: none."""
    kept = {} if forget else dict(stored or {})
    kept.update(typed)
    used = {credentials.origin(getattr(project, field)) for field in URL_FIELDS}
    return {origin: value for origin, value in kept.items() if origin in used} or None
