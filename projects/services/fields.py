"""The fields of a project users set: their names, types and kinds.

How their values are checked is :mod:`projects.services.validation`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypedDict


class ProjectFields(TypedDict, total=False):
    """The fields of a project a user sets (website form, API, admin), in the form's order.

    Services take them as keyword arguments (``**fields: Unpack[ProjectFields]``), so mypy
    checks each name and type, and a caller's dict of them can still be passed as ``**dict``.
    Blank text means unset; :func:`clean_project_fields` normalises and validates the values.
    """

    name: str
    homepage: str
    backend: str
    version_url: str | None
    version_scheme: str | None
    version_pattern: str | None
    version_prefix: str | None
    pre_release_filter: str | None
    version_filter: str | None
    regex: str | None
    insecure: bool
    releases_only: bool
    archived: bool


#: What an edit changed: ``{field: (old, new)}``.
FieldChanges = dict[str, tuple[Any, Any]]

#: The names of :class:`ProjectFields`, in the form's order.
PROJECT_FIELDS: tuple[str, ...] = tuple(ProjectFields.__annotations__)
#: The fields a project form or API request sets (archiving is an administrator's action).
EDITABLE_FIELDS: tuple[str, ...] = tuple(field for field in PROJECT_FIELDS if field != "archived")
BOOLEAN_FIELDS = frozenset({"insecure", "releases_only", "archived"})
#: Changing one of these changes what the upstream is asked, so the conditional-request
#: validators of the last answer no longer apply and the project is checked again soon.
FETCH_FIELDS = frozenset(
    {
        "name",
        "homepage",
        "backend",
        "version_url",
        "regex",
        "insecure",
        "releases_only",
        "url_credentials",
    }
)


#: Changing one of these may change how the stored versions are read, hidden or ordered (the
#: scheme follows the backend and the homepage's ecosystem), so an edit of one of them works
#: out the latest version again at once (:func:`projects.services.project_edit`), as the
#: edit's preview shows it; Anitya waits for the next check.
SHOWN_VERSION_FIELDS = frozenset(
    {
        "version_prefix",
        "version_filter",
        "pre_release_filter",
        "version_scheme",
        "version_pattern",
        "regex",
        "backend",
        "homepage",
    }
)


def asks_upstream_anew(changes: Mapping[str, object]) -> bool:
    """Whether ``changes`` change what the upstream is asked (:data:`FETCH_FIELDS`)."""
    return not FETCH_FIELDS.isdisjoint(changes)


#: The project fields that hold URLs: credentials typed into them are split off when saved.
URL_FIELDS: tuple[Literal["homepage", "version_url"], ...] = ("homepage", "version_url")
#: Changes saved but never announced (messages are public): only that they changed is returned.
PRIVATE_FIELDS = frozenset({"url_credentials"})
TEXT_MAX_LENGTH = 200


def optional_text(value: Any) -> str | None:
    """``value`` as stripped text; None for None and for blank text (both mean unset)."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None
