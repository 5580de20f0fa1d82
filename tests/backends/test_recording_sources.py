"""Recordings taken from other projects' test fixtures are attributed in the recordings' README.

A file whose ``source`` names a repository (one source or a list of them) must have a row in
the README's table that names each of its repositories at its commit, and its licence.
"""

from __future__ import annotations

import json

import pytest

from tests.backends.conftest import RECORDINGS

README = (RECORDINGS / "README.md").read_text(encoding="utf-8")


def _sources(path) -> list[dict]:
    source = json.loads(path.read_text(encoding="utf-8")).get("source")
    found = source if isinstance(source, list) else [source]
    return [item for item in found if isinstance(item, dict) and item.get("repository")]


BORROWED = [path for path in sorted(RECORDINGS.glob("*.json")) if _sources(path)]


def _row(filename: str) -> str:
    rows = [line for line in README.splitlines() if line.startswith(f"| `{filename}` |")]
    assert len(rows) == 1, f"{filename} has {len(rows)} rows in the README's table"
    return rows[0]


def test_the_borrowed_recordings_are_the_ones_expected():
    # Guards the test itself: the source keys are read, not silently empty.
    assert {path.name for path in BORROWED} >= {"docker-hub.json", "nuget.json", "helm.json"}


@pytest.mark.parametrize("path", BORROWED, ids=lambda path: path.name)
def test_each_borrowed_recording_has_its_row_with_repository_commit_and_licence(path):
    row = _row(path.name)
    for source in _sources(path):
        assert f"{source['repository']}@{source['commit']}" in row
        licence = str(source.get("licence", "")).split(" (")[0]
        assert licence and licence in row
