"""``manage.py export_anitya_json``: projects, versions and mappings in Anitya's API v2 shapes.

Three JSON Lines files (one JSON document a line, UTF-8), written a batch of projects at a
time so nothing is held whole, in project id order:

- ``projects.jsonl``: each project as ``GET /api/v2/projects/`` lists it;
- ``versions.jsonl``: ``{"project_id": id}`` plus ``GET /api/v2/versions/?project_id=id``'s
  answer for it (the answer itself does not name the project);
- ``packages.jsonl``: each mapping as ``GET /api/v2/packages/`` lists it.

Built by the representations the API answers with, so the files say what the API says.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from projects import representations
from projects.models import Package, Project

FILES = ("projects", "versions", "packages")
BATCH = 500


def _id_batches(size: int) -> Iterator[list[int]]:
    last = 0
    while True:
        ids = list(
            Project.objects.filter(id__gt=last).order_by("id").values_list("id", flat=True)[:size]
        )
        if not ids:
            return
        last = ids[-1]
        yield ids


def export(folder: Path, *, batch_size: int = BATCH) -> dict[str, int]:
    """Write the three files into ``folder`` (created if missing); how many lines each got."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = dict.fromkeys(FILES, 0)
    handles = {name: (folder / f"{name}.jsonl").open("w", encoding="utf-8") for name in FILES}
    try:
        for ids in _id_batches(batch_size):
            rows = representations.load_rows(ids)
            stored = representations.load_versions(ids)
            mappings: dict[int, list[tuple[str, str]]] = defaultdict(list)
            for project_id, distro, name in (
                Package.objects.filter(project_id__in=ids)
                .order_by("id")
                .values_list("project_id", "distro__name", "package_name")
            ):
                mappings[project_id].append((distro, name))
            for project_id in ids:
                row = rows.get(project_id)
                if row is None:  # deleted while exporting
                    continue
                shown = representations.shown_versions(row, stored.get(project_id, []))
                lines = {
                    "projects": [representations.project_json(row, shown, extended=True)],
                    "versions": [
                        {"project_id": project_id, **representations.versions_json(row, shown)}
                    ],
                    "packages": [
                        representations.package_json(distro, name, row, shown)
                        for distro, name in mappings[project_id]
                    ],
                }
                for kind, documents in lines.items():
                    for document in documents:
                        handles[kind].write(representations.dumps(document) + "\n")
                        counts[kind] += 1
    finally:
        for handle in handles.values():
            handle.close()
    return counts
