"""The fields of a project users set, and how their values are checked and normalised."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from backends import regexes, registry, versions
from backends.versions.calendar import InvalidCalendarPattern, validate_pattern
from projects.services.credentials import split_credentials
from projects.services.errors import InvalidInput

#: The fields of a project a user sets (website form, API, admin), in the form's order.
PROJECT_FIELDS: tuple[str, ...] = (
    "name",
    "homepage",
    "backend",
    "version_url",
    "version_scheme",
    "version_pattern",
    "version_prefix",
    "pre_release_filter",
    "version_filter",
    "regex",
    "insecure",
    "releases_only",
    "archived",
)
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
#: Changes saved but never announced (messages are public): only that they changed is returned.
PRIVATE_FIELDS = frozenset({"url_credentials"})
TEXT_MAX_LENGTH = 200


def optional_text(value: Any) -> str | None:
    """``value`` as stripped text; None for None and for blank text (both mean unset)."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def clean_project_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and normalise project fields; raise :class:`InvalidInput` naming each bad one.

    Strings are stripped (empty means unset), the backend and version scheme take their
    stored spelling (they are looked up case-insensitively, as Anitya does), regexes and
    calendar patterns are compiled, the homepage must be an http(s) URL, and a backend that
    needs a version URL gets one. URL fields come back without credentials
    (:func:`split_credentials`; its callers keep them).
    """
    fields = split_credentials(fields)[0]
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise InvalidInput({field: "Unknown field." for field in sorted(unknown)})
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, value in fields.items():
        if field in BOOLEAN_FIELDS:
            cleaned[field] = bool(value)
            continue
        text = optional_text(value)
        if text is not None and len(text) > TEXT_MAX_LENGTH:
            errors[field] = f"At most {TEXT_MAX_LENGTH} characters are allowed."
        cleaned[field] = text

    for required in ("name", "homepage", "backend"):
        if required in cleaned and not cleaned[required]:
            errors.setdefault(required, "This field is required.")
    if cleaned.get("homepage") and "homepage" not in errors:
        try:
            URLValidator(schemes=["http", "https"])(cleaned["homepage"])
        except ValidationError:
            errors["homepage"] = "Enter a valid http or https URL."
    if cleaned.get("backend"):
        try:
            cleaned["backend"] = registry.canonical_name(cleaned["backend"])
        except registry.UnknownBackend:
            errors["backend"] = f'No backend was found for "{cleaned["backend"]}"'
    if cleaned.get("version_scheme"):
        try:
            cleaned["version_scheme"] = versions.canonical_scheme_name(cleaned["version_scheme"])
        except versions.UnknownVersionScheme as error:
            errors["version_scheme"] = str(error)
    if cleaned.get("regex") and "regex" not in errors:
        try:
            regexes.validate_user_regex(cleaned["regex"])
        except regexes.InvalidRegex as error:
            errors["regex"] = str(error)
    if cleaned.get("version_pattern") and "version_pattern" not in errors:
        try:
            validate_pattern(cleaned["version_pattern"])
        except InvalidCalendarPattern as error:
            errors["version_pattern"] = str(error)
    if errors:
        raise InvalidInput(errors)
    return cleaned
