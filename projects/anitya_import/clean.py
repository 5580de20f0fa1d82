"""Anitya's rows through our validation rules, in the nearest safe form when they fail.

Every project row goes through :func:`projects.services.validation.clean_project_fields`
(the rules the website, the API and the admin apply, the safe-regex rules of
``backends/regexes`` among them). A field they refuse is never a reason to leave the row out:
it is mended (the offending value cleared, text cut to its column, NUL characters removed) and
a :class:`Problem` says what was done, for the CSV report. A project whose backend or regex
cannot be carried as is cannot be checked as Anitya checked it, so it is also archived, with a
note in its logs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, cast
from urllib.parse import urlsplit

from backends import ecosystems
from projects.models import VERSION_MAX_LENGTH, Project
from projects.services.credentials import merged_credentials, split_credentials
from projects.services.errors import InvalidInput
from projects.services.fields import (
    BOOLEAN_FIELDS,
    PROJECT_FIELDS,
    TEXT_MAX_LENGTH,
    URL_FIELDS,
    ProjectFields,
)
from projects.services.validation import clean_project_fields

#: Fields whose refusal leaves a project that would not be checked as Anitya checked it.
ARCHIVING_FIELDS = frozenset({"backend", "regex", "homepage"})
REPORTED_VALUE_LENGTH = 120
#: A project without any timestamp (our columns need one): the same on every run.
UNKNOWN_TIME = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclasses.dataclass(frozen=True)
class Problem:
    """One value that could not be carried as it was, and what became of it."""

    table: str
    id: Any
    field: str
    value: Any
    reason: str

    def as_row(self) -> list[str]:
        text = "" if self.value is None else str(self.value)
        if len(text) > REPORTED_VALUE_LENGTH:
            text = text[:REPORTED_VALUE_LENGTH] + "…"
        return [self.table, str(self.id), self.field, text.replace("\x00", "\\0"), self.reason]


def text(value: Any, *, table: str, id: Any, field: str, problems: list[Problem]) -> Any:
    """``value`` without NUL characters (PostgreSQL text cannot hold them)."""
    if isinstance(value, str) and "\x00" in value:
        problems.append(Problem(table, id, field, value, "NUL characters removed"))
        return value.replace("\x00", "")
    return value


def fitted(
    value: str | None,
    limit: int,
    *,
    table: str,
    id: Any,
    field: str,
    problems: list[Problem],
    cut: bool = False,
) -> str | None:
    """``value`` if it fits in ``limit`` characters; else cut (``cut``) or cleared."""
    if value is None or len(value) <= limit:
        return value
    action = f"cut to {limit} characters" if cut else "cleared"
    problems.append(Problem(table, id, field, value, f"longer than {limit} characters: {action}"))
    return value[:limit] if cut else None


def clean_project(row: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """The values of our ``Project`` for Anitya's project ``row``, and what had to change."""
    problems: list[Problem] = []
    pid = row["id"]

    def note(field: str, value: Any, reason: str, action: str) -> None:
        reason = reason if reason.endswith(".") else reason + "."
        problems.append(Problem("projects", pid, field, value, f"{reason} {action}"))

    raw = {
        key: text(value, table="projects", id=pid, field=key, problems=problems)
        for key, value in row.items()
    }
    fields: dict[str, Any] = {name: raw.get(name) for name in PROJECT_FIELDS}
    for flag in ("insecure", "releases_only", "archived"):
        fields[flag] = bool(fields[flag])
    if not fields["backend"]:
        note("backend", fields["backend"], "No backend.", "Replaced by 'custom'.")
        fields["backend"] = "custom"
    if not fields["name"]:
        note("name", fields["name"], "No name.", f"Replaced by 'anitya-{pid}'.")
    fields["name"] = fitted(
        fields["name"] or f"anitya-{pid}",
        TEXT_MAX_LENGTH,
        table="projects",
        id=pid,
        field="name",
        problems=problems,
        cut=True,
    )
    kept_homepage: str | None = None
    archive = False
    cleaned: dict[str, Any] | None = None
    typed: dict[str, Any] = {}
    for _ in range(len(PROJECT_FIELDS) + 1):  # each round mends at least one field
        try:
            split, typed = split_credentials(cast(ProjectFields, fields))
            cleaned = cast(dict[str, Any], clean_project_fields(split))
            break
        except InvalidInput as error:
            for field, reason in error.errors.items():
                value = fields.get(field)
                if field == "name":
                    fields["name"] = str(value or "")[:TEXT_MAX_LENGTH].strip() or f"anitya-{pid}"
                    note(field, value, reason, f"Replaced by {fields['name']!r}.")
                elif field == "homepage":
                    # Kept as Anitya had it (it is the project's identity), but not checked.
                    kept_homepage = str(value or "")[:TEXT_MAX_LENGTH]
                    fields["homepage"] = "https://example.invalid/"
                    archive = True
                    note(field, value, reason, "Kept as is; the project is archived.")
                elif field == "backend":
                    fields["backend"] = "custom"
                    archive = True
                    note(field, value, reason, "Replaced by 'custom'; the project is archived.")
                else:
                    fields[field] = None
                    archive = archive or field in ARCHIVING_FIELDS
                    tail = "; the project is archived." if field in ARCHIVING_FIELDS else "."
                    note(field, value, reason, f"Cleared{tail}")
    if cleaned is None:  # cannot happen: every round clears what it was told about
        raise RuntimeError(f"project {pid}: fields could not be mended")
    values: dict[str, Any] = dict(cleaned)
    if kept_homepage is not None:
        values["homepage"] = kept_homepage
    _note_normalised(raw, values, problems)
    values["ecosystem_name"] = ecosystems.derive_ecosystem_name(
        values["backend"], values["homepage"]
    )
    if raw.get("ecosystem_name") != values["ecosystem_name"]:
        note(
            "ecosystem_name",
            raw.get("ecosystem_name"),
            "Anitya's ecosystem is not the one releasemon derives (the package index of the "
            "backend, else the homepage)",
            f"Derived as {values['ecosystem_name']!r}.",
        )
    latest = fitted(
        raw.get("latest_version"),
        VERSION_MAX_LENGTH,
        table="projects",
        id=pid,
        field="latest_version",
        problems=problems,
    )
    logs = raw.get("logs")
    if archive and not values["archived"]:
        values["archived"] = True
        reasons = "; ".join(f"{p.field}: {p.reason}" for p in problems)
        logs = f"Archived on import from Anitya: {reasons}" + (f"\n{logs}" if logs else "")
    created = raw.get("created_on") or raw.get("updated_on") or raw.get("last_check")
    if created is None:
        note("created_on", None, "No creation time.", "The Unix epoch is used.")
        created = UNKNOWN_TIME
    elif not raw.get("created_on"):
        note("created_on", None, "No creation time.", f"{created.isoformat()} is used.")
    for field, meaning in (("updated_on", "No update time"), ("next_check", "No next check")):
        if not raw.get(field):
            note(field, None, meaning, f"The creation time {created.isoformat()} is used.")
    values.update(
        id=pid,
        latest_version=latest,
        logs=logs,
        check_successful=raw.get("check_successful"),
        error_counter=raw.get("error_counter") or 0,
        last_check=raw.get("last_check"),
        next_check=raw.get("next_check") or created,
        created_on=created,
        updated_on=raw.get("updated_on") or created,
    )
    urls = Project(homepage=values["homepage"], version_url=values.get("version_url"))
    values["url_credentials"] = merged_credentials(None, typed, urls)
    return values, problems


def _note_normalised(raw: dict[str, Any], values: dict[str, Any], problems: list[Problem]) -> None:
    """Report the fields our rules store in another form than Anitya's, where nothing else
    was reported for them: spaces around a value, another spelling of a backend or version
    scheme, credentials in a URL (the value reported is the URL without them). An empty
    value stored as unset is the same thing on both sides and is not reported."""
    reported = {problem.field for problem in problems}
    for field in PROJECT_FIELDS:
        before, after = raw.get(field), values.get(field)
        if field in reported or field in BOOLEAN_FIELDS or before == after:
            continue
        if after is None and not str(before or "").strip():
            continue
        if field in URL_FIELDS and "@" in urlsplit(str(before).strip()).netloc:
            reason = (
                "The URL holds a user name and password. They are stored apart, sent only to "
                "its host and never shown; the URL is stored without them."
            )
            problems.append(Problem("projects", raw["id"], field, after, reason))
            continue
        problems.append(
            Problem("projects", raw["id"], field, before, f"Stored as {after!r} (our rules).")
        )
