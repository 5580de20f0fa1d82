"""The recorded release histories of tests/fixtures/streams/ (CPython, Node.js, PostgreSQL,
pip), read as the streams and timeline code takes them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from backends.versions import make_version
from backends.versions.streams import DatedVersion

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "streams"


def recorded_history(name: str) -> list[DatedVersion]:
    """Every version of the history ``name`` with its release day, in the file's scheme."""
    data = json.loads((FIXTURES / f"{name}.json").read_text())
    return [
        DatedVersion(
            make_version(raw, scheme=data["scheme"]),
            datetime.fromisoformat(day).replace(tzinfo=UTC),
        )
        for raw, day in data["versions"]
    ]
