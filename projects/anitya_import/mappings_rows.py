"""Anitya's distributions, mappings (``packages``) and flags.

Distributions are few and read once: Anitya's names are unique as typed, ours ignoring case,
so a second Anitya distribution differing only by case is merged into the first (reported) and
its mappings follow. Mappings and flags keep Anitya's ids and are read per batch of projects.
"""

from __future__ import annotations

from typing import Any

from django.db.models.functions import Lower

from accounts.models import User
from projects.anitya_import.clean import Problem, fitted, text
from projects.anitya_import.projects_rows import ProjectBatch
from projects.anitya_import.report import Tally
from projects.anitya_import.source import AnityaSource
from projects.models import Distro, Flag, Package

PACKAGE_COLUMNS = {"id": "int", "distro_name": "text", "project_id": "int", "package_name": "text"}
FLAG_COLUMNS = {
    "id": "int",
    "project_id": "int",
    "reason": "text",
    "user": "text",
    "state": "text",
    "created_on": "time",
    "updated_on": "time",
}
NAME_MAX_LENGTH = 200


def write_distros(
    source: AnityaSource, problems: list[Problem], *, size: int
) -> tuple[dict[str, int], Tally]:
    """Our distribution id for each Anitya name, ignoring case (created where missing)."""
    tally = Tally()
    ids: dict[str, int] = {}
    spelled: dict[str, str] = {}
    stored = {name.lower(): (pk, name) for pk, name in Distro.objects.values_list("id", "name")}
    for batch in source.batches("distros", {"name": "text"}, key="name", size=size):
        for row in batch:
            raw = row["name"]
            name = text(raw, table="distros", id=raw, field="name", problems=problems)
            name = fitted(
                name,
                NAME_MAX_LENGTH,
                table="distros",
                id=raw,
                field="name",
                problems=problems,
                cut=True,
            )
            if not name:
                problems.append(
                    Problem("distros", raw, "name", raw, "empty: not imported (nor its mappings)")
                )
                continue
            key = name.lower()
            if key in spelled:
                problems.append(
                    Problem(
                        "distros",
                        raw,
                        "name",
                        raw,
                        f"differs only by case from {spelled[key]!r}: merged",
                    )
                )
                continue
            spelled[key] = name
            if key not in stored:
                tally.new += 1
                distro = Distro(name=name)
                distro.save()
                ids[key] = distro.pk or 0
            else:
                pk, current = stored[key]
                ids[key] = pk
                if current != name:
                    tally.changed += 1
                    Distro.objects.filter(pk=pk).update(name=name)
                else:
                    tally.unchanged += 1
    return ids, tally


def write_mappings(
    source: AnityaSource,
    batch: ProjectBatch,
    distros: dict[str, int],
    problems: list[Problem],
) -> Tally:
    """Make the batch's mappings Anitya's, by id: add, update, delete."""
    rows = batch.rows(source, "packages", PACKAGE_COLUMNS, order="id")
    wanted: dict[int, tuple[int, int, str]] = {}
    seen: set[tuple[int, str]] = set()
    for row in rows:
        pid = row["id"]
        name = text(
            row["package_name"], table="packages", id=pid, field="package_name", problems=problems
        )
        distro = distros.get(str(row["distro_name"] or "").replace("\x00", "").lower())
        reason = ""
        if not name or len(name) > NAME_MAX_LENGTH:
            reason = f"empty or longer than {NAME_MAX_LENGTH} characters: mapping not imported"
        elif distro is None:
            reason = f"unknown distribution {row['distro_name']!r}: mapping not imported"
        elif (distro, name) in seen:
            reason = "the same package in a distribution merged by case: mapping not imported"
        if reason or distro is None or not name:
            problems.append(Problem("packages", pid, "package_name", row["package_name"], reason))
            continue
        seen.add((distro, name))
        wanted[pid] = (distro, row["project_id"], name)
    stored = {
        pk: (distro, project, name)
        for pk, distro, project, name in Package.objects.filter(
            project_id__in=batch.ids
        ).values_list("id", "distro_id", "project_id", "package_name")
    }
    gone = [pk for pk in stored if pk not in wanted]
    taken = {
        (distro, name): pk
        for pk, distro, name in Package.objects.filter(
            package_name__in={n for _, _, n in wanted.values()}
        )
        .exclude(id__in=[*wanted, *gone])
        .values_list("id", "distro_id", "package_name")
    }
    stale = _stale_holders(source, taken, distros)
    taken = {key: pk for key, pk in taken.items() if pk not in stale}
    tally = Tally(removed=len(gone) + len(stale))
    gone.extend(stale)
    upserts = []
    for pk, (distro, project, name) in wanted.items():
        if (distro, name) in taken:
            problems.append(
                Problem(
                    "packages",
                    pk,
                    "package_name",
                    name,
                    f"already mapped by mapping {taken[(distro, name)]}: not imported",
                )
            )
            continue
        if not tally.count(stored.get(pk), (distro, project, name)):
            continue
        upserts.append(Package(id=pk, distro_id=distro, project_id=project, package_name=name))
    Package.objects.filter(id__in=gone).delete()
    Package.objects.bulk_create(
        upserts,
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["distro", "project", "package_name"],
    )
    return tally


def _stale_holders(
    source: AnityaSource, taken: dict[tuple[int, str], int], distros: dict[str, int]
) -> set[int]:
    """Of the mappings holding a package this batch maps, those Anitya no longer has as they
    are here: deleted there, or moved to another package. A mapping that moved from a project
    of a later batch to one of this batch would otherwise wait for a second run."""
    if not taken:
        return set()
    holders = sorted(taken.values())
    marks = ", ".join("?" for _ in holders)
    now = {
        row["id"]: (
            distros.get(str(row["distro_name"] or "").replace("\x00", "").lower()),
            str(row["package_name"] or "").replace("\x00", ""),
        )
        for row in source.rows(
            "packages", PACKAGE_COLUMNS, where=f"id IN ({marks})", params=holders, order="id"
        )
    }
    return {pk for key, pk in taken.items() if now.get(pk) != key}


def _authors(names: set[str]) -> dict[str, Any]:
    """Our user id for each flag author Anitya names (an email; a username if unique)."""
    lowered = {name.lower() for name in names}
    found: dict[str, Any] = {
        email.lower(): pk
        for pk, email in User.objects.annotate(low=Lower("email"))
        .filter(low__in=lowered)
        .values_list("id", "email")
    }
    rest = names - {name for name in names if name.lower() in found}
    by_username: dict[str, list[Any]] = {}
    for pk, username in User.objects.filter(username__in=rest).values_list("id", "username"):
        by_username.setdefault(username, []).append(pk)
    found.update({name.lower(): pks[0] for name, pks in by_username.items() if len(pks) == 1})
    return found


def write_flags(source: AnityaSource, batch: ProjectBatch, problems: list[Problem]) -> Tally:
    """Make the batch's flags Anitya's, by id, with their authors and states."""
    rows = batch.rows(source, "projects_flags", FLAG_COLUMNS, order="id")
    authors = _authors({row["user"] for row in rows if row["user"]})
    wanted: dict[int, dict[str, Any]] = {}
    for row in rows:
        pk = row["id"]
        state = row["state"] if row["state"] in Flag.State.values else Flag.State.OPEN
        if state != row["state"]:
            problems.append(
                Problem("projects_flags", pk, "state", row["state"], "unknown state: open")
            )
        author = authors.get((row["user"] or "").lower())
        if author is None:
            problems.append(
                Problem(
                    "projects_flags",
                    pk,
                    "user",
                    row["user"],
                    "no such user here: the flag has no author",
                )
            )
        reason = (
            text(row["reason"], table="projects_flags", id=pk, field="reason", problems=problems)
            or ""
        )
        created = row["created_on"] or row["updated_on"] or batch.created_on[row["project_id"]]
        if not row["created_on"]:
            problems.append(
                Problem(
                    "projects_flags",
                    pk,
                    "created_on",
                    None,
                    f"no creation time: {created.isoformat()} is used",
                )
            )
        wanted[pk] = {
            "project_id": row["project_id"],
            "author_id": author,
            "reason": reason,
            "state": state,
            "created_on": created,
            "updated_on": row["updated_on"] or created,
        }
    fields = ["project_id", "author_id", "reason", "state", "created_on", "updated_on"]
    stored = {
        row["id"]: row
        for row in Flag.objects.filter(project_id__in=batch.ids).values("id", *fields)
    }
    gone = [pk for pk in stored if pk not in wanted]
    tally = Tally(removed=len(gone))
    upserts = []
    for pk, values in wanted.items():
        old = stored.get(pk)
        kept = None if old is None else {f: old[f] for f in fields}
        if not tally.count(kept, {f: values[f] for f in fields}):
            continue
        upserts.append(Flag(id=pk, **values))
    Flag.objects.filter(id__in=gone).delete()
    Flag.objects.bulk_create(
        upserts,
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["project", "author", "reason", "state", "created_on", "updated_on"],
    )
    return tally
