"""Anitya's projects and their versions, one batch of project ids at a time."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from projects import audit
from projects.anitya_import.clean import Problem, clean_project, fitted, text
from projects.anitya_import.report import Tally
from projects.anitya_import.source import AnityaSource, Row
from projects.models import VERSION_MAX_LENGTH, Project, ProjectVersion
from projects.services.fields import PROJECT_FIELDS

PROJECT_COLUMNS = {
    "id": "int",
    "name": "text",
    "homepage": "text",
    "backend": "text",
    "ecosystem_name": "text",
    "version_url": "text",
    "regex": "text",
    "version_prefix": "text",
    "version_pattern": "text",
    "insecure": "bool",
    "releases_only": "bool",
    "error_counter": "int",
    "version_scheme": "text",
    "pre_release_filter": "text",
    "archived": "bool",
    "version_filter": "text",
    "latest_version": "text",
    "logs": "text",
    "check_successful": "bool",
    "last_check": "time",
    "next_check": "time",
    "updated_on": "time",
    "created_on": "time",
}
VERSION_COLUMNS = {
    "project_id": "int",
    "version": "text",
    "created_on": "time",
    "commit_url": "text",
}
#: Our columns an import writes (besides the id).
WRITTEN = (
    *PROJECT_FIELDS,
    "ecosystem_name",
    "latest_version",
    "logs",
    "check_successful",
    "error_counter",
    "last_check",
    "next_check",
    "created_on",
    "updated_on",
    "url_credentials",
)
AGENT = "anitya-import"
CLASH = "Another project has this name in its ecosystem (or with this homepage). Renamed"
COMMIT_URL_MAX_LENGTH = 500


@dataclasses.dataclass
class ProjectBatch:
    """The ids one batch covers (every source id from ``low`` to ``high``) and their rows."""

    low: int
    high: int
    ids: list[int]
    names: dict[int, str]
    created_on: dict[int, dt.datetime]
    #: The stored ``updated_on`` of the projects an earlier import brought, before this batch.
    stamps: dict[int, dt.datetime] = dataclasses.field(default_factory=dict)
    #: The projects whose row or versions this batch changed.
    touched: set[int] = dataclasses.field(default_factory=set)

    def rows(
        self, source: AnityaSource, table: str, columns: dict[str, str], *, order: str
    ) -> list[Row]:
        """The rows of ``table`` that belong to this batch's projects (by ``project_id``)."""
        return source.rows(
            table,
            columns,
            where="project_id >= ? AND project_id <= ?",
            params=[self.low, self.high],
            order=order,
        )


def _renamed(values: dict[str, Any]) -> str:
    suffix = f" (anitya #{values['id']})"
    name: str = values["name"]
    return name[: 200 - len(suffix)] + suffix


def _resolve_clashes(cleaned: list[dict[str, Any]], problems: list[Problem]) -> None:
    """Rename a project whose name would clash, under our unique rules, with a project stored
    outside this batch or an earlier one of the batch."""
    ids = [values["id"] for values in cleaned]
    by_homepage: set[tuple[str, str]] = set()
    by_ecosystem: set[tuple[str, str]] = set()
    stored = (
        Project.objects.filter(name__in={values["name"] for values in cleaned})
        .exclude(id__in=ids)
        .values_list("name", "homepage", "ecosystem_name")
    )
    for name, homepage, ecosystem in stored:
        by_homepage.add((name, homepage))
        by_ecosystem.add((name, ecosystem))
    for values in cleaned:
        keys = (values["name"], values["homepage"]), (values["name"], values["ecosystem_name"])
        if keys[0] in by_homepage or keys[1] in by_ecosystem:
            renamed = _renamed(values)
            problems.append(
                Problem("projects", values["id"], "name", values["name"], f"{CLASH} {renamed!r}.")
            )
            values["name"] = renamed
            keys = (values["name"], values["homepage"]), (values["name"], values["ecosystem_name"])
        by_homepage.add(keys[0])
        by_ecosystem.add(keys[1])


def _comparable(value: Any) -> Any:
    return value.astimezone(dt.UTC) if isinstance(value, dt.datetime) else value


def _differs(field: str, old: Any, new: Any) -> bool:
    if field == "updated_on" and old is not None and new is not None:
        # Whole seconds: the APIs show no more, and :func:`restamp` may have moved the rest.
        seconds = [_comparable(value).replace(microsecond=0) for value in (old, new)]
        return bool(seconds[0] != seconds[1])
    return bool(_comparable(old) != _comparable(new))


def write_projects(rows: Sequence[Row], problems: list[Problem]) -> tuple[ProjectBatch, Tally]:
    """Add or update the batch's projects (ids kept). A project added, or whose settings
    changed, gets a ``project.import`` audit entry; one whose check state alone moved (Anitya
    checked it since the last import) is updated without one."""
    cleaned = []
    for row in rows:
        values, found = clean_project(row)
        cleaned.append(values)
        problems.extend(found)
    _resolve_clashes(cleaned, problems)
    ids = [values["id"] for values in cleaned]
    stored = {row["id"]: row for row in Project.objects.filter(id__in=ids).values("id", *WRITTEN)}
    tally = Tally()
    upserts: list[Project] = []
    entries = []
    for values in cleaned:
        old = stored.get(values["id"])
        if old is None:
            tally.new += 1
            before = None
            after = {field: values[field] for field in PROJECT_FIELDS}
        else:
            changed = [f for f in WRITTEN if _differs(f, old[f], values[f])]
            if not changed:
                tally.unchanged += 1
                continue
            tally.changed += 1
            settings_changed = [f for f in changed if f in PROJECT_FIELDS]
            before = {f: old[f] for f in settings_changed}
            after = {f: values[f] for f in settings_changed}
        upserts.append(Project(**values))
        if after:  # a project's check state alone (Anitya checked it) is no entry's business
            settings = {field: values[field] for field in PROJECT_FIELDS}
            entries.append((values["id"], values["name"], before, after, settings))
    if upserts:
        Project.objects.bulk_create(
            upserts, update_conflicts=True, unique_fields=["id"], update_fields=list(WRITTEN)
        )
        audit.record_imports(entries, agent=AGENT)
    batch = ProjectBatch(
        low=ids[0],
        high=ids[-1],
        ids=ids,
        names={values["id"]: values["name"] for values in cleaned},
        created_on={values["id"]: values["created_on"] for values in cleaned},
        stamps={pk: row["updated_on"] for pk, row in stored.items()},
        touched={project.pk for project in upserts},
    )
    return batch, tally


def restamp(batch: ProjectBatch) -> None:
    """Move the change stamp (``updated_on``) of each project whose row or versions this
    batch changed while Anitya's ``updated_on`` stayed (an admin deleted a version there, a
    commit link was edited): the answers and pages kept per project are found by it
    (``projects/representations``), so they would go on showing the old versions. Only the
    microseconds move; the APIs show whole seconds, so the time shown stays Anitya's."""
    before = {pk: stamp for pk, stamp in batch.stamps.items() if pk in batch.touched}
    if not before:
        return
    moved = []
    for pk, stamp in Project.objects.filter(id__in=before).values_list("id", "updated_on"):
        old = before[pk]
        if _comparable(stamp) == _comparable(old):
            nudged = old.replace(microsecond=(old.microsecond + 1) % 1_000_000)
            moved.append(Project(id=pk, updated_on=nudged))
    Project.objects.bulk_update(moved, ["updated_on"])


def _clean_versions(
    rows: Sequence[Row], batch: ProjectBatch, problems: list[Problem]
) -> dict[tuple[int, str], tuple[dt.datetime, str | None]]:
    wanted: dict[tuple[int, str], tuple[dt.datetime, str | None]] = {}
    for row in rows:
        key_id = f"{row['project_id']}/{row['version']}"
        version = text(
            row["version"], table="projects_versions", id=key_id, field="version", problems=problems
        )
        if not version or len(version) > VERSION_MAX_LENGTH:
            reason = "empty" if not version else f"longer than {VERSION_MAX_LENGTH} characters"
            problems.append(
                Problem(
                    "projects_versions",
                    key_id,
                    "version",
                    row["version"],
                    f"{reason}: not imported",
                )
            )
            continue
        key = (row["project_id"], version)
        if key in wanted:
            problems.append(
                Problem(
                    "projects_versions",
                    key_id,
                    "version",
                    row["version"],
                    "the same version as another once NUL characters are removed: imported once",
                )
            )
            continue
        commit_url = text(
            row["commit_url"],
            table="projects_versions",
            id=key_id,
            field="commit_url",
            problems=problems,
        )
        commit_url = fitted(
            commit_url,
            COMMIT_URL_MAX_LENGTH,
            table="projects_versions",
            id=key_id,
            field="commit_url",
            problems=problems,
        )
        created = row["created_on"] or batch.created_on[row["project_id"]]
        if not row["created_on"]:
            problems.append(
                Problem(
                    "projects_versions",
                    key_id,
                    "created_on",
                    None,
                    f"no retrieval time: the project's creation time {created.isoformat()} is used",
                )
            )
        wanted[key] = (created, commit_url or None)
    return wanted


def write_versions(source: AnityaSource, batch: ProjectBatch, problems: list[Problem]) -> Tally:
    """Make the batch's stored versions Anitya's: add, update (retrieval time, commit link)
    and delete, compared by (project, version)."""
    rows = batch.rows(source, "projects_versions", VERSION_COLUMNS, order="project_id, version")
    wanted = _clean_versions(rows, batch, problems)
    stored = {
        (project_id, version): (pk, created, commit_url)
        for pk, project_id, version, created, commit_url in ProjectVersion.objects.filter(
            project_id__in=batch.ids
        ).values_list("id", "project_id", "version", "created_on", "commit_url")
    }
    tally = Tally()
    added: list[ProjectVersion] = []
    changed: list[ProjectVersion] = []
    for (project_id, version), (created, commit_url) in wanted.items():
        old = stored.get((project_id, version))
        if old is None:
            tally.new += 1
            added.append(
                ProjectVersion(
                    project_id=project_id,
                    version=version,
                    created_on=created,
                    commit_url=commit_url,
                )
            )
        elif _comparable(old[1]) != _comparable(created) or old[2] != commit_url:
            tally.changed += 1
            changed.append(
                ProjectVersion(
                    id=old[0], project_id=project_id, created_on=created, commit_url=commit_url
                )
            )
        else:
            tally.unchanged += 1
    gone = [old[0] for key, old in stored.items() if key not in wanted]
    tally.removed = len(gone)
    batch.touched.update(version.project_id for version in [*added, *changed])
    batch.touched.update(project_id for (project_id, _), old in stored.items() if old[0] in gone)
    ProjectVersion.objects.filter(id__in=gone).delete()
    ProjectVersion.objects.bulk_create(added, batch_size=1000)
    ProjectVersion.objects.bulk_update(changed, ["created_on", "commit_url"], batch_size=500)
    return tally
