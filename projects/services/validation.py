"""Project fields from user input, validated and normalised before anything is saved."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from backends import regexes, registry, versions
from backends.versions.calendar import InvalidCalendarPattern, validate_pattern
from projects.services.credentials import split_credentials
from projects.services.errors import InvalidInput
from projects.services.fields import (
    BOOLEAN_FIELDS,
    PROJECT_FIELDS,
    TEXT_MAX_LENGTH,
    ProjectFields,
    optional_text,
)


def clean_project_fields(fields: ProjectFields) -> ProjectFields:
    """Validate and normalise project fields; raise :class:`InvalidInput` naming each bad one.

    Strings are stripped (empty means unset), the backend and version scheme take their
    stored spelling (they are looked up case-insensitively, as Anitya does), regexes and
    calendar patterns are compiled and the homepage must be an http(s) URL (whether the
    backend needs a version URL is a question for the whole project: ``build_project`` and
    ``edited_copy`` ask it). URL fields come back without credentials
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
    # Every name was checked against PROJECT_FIELDS and every value has its field's type.
    return cast(ProjectFields, cleaned)
