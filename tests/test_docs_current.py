"""The backend count the README and the backend guide quote is the registry's."""

import re
from pathlib import Path

import pytest

from backends.registry import BACKENDS

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("document", "pattern"),
    [
        ("README.md", r"(\d+) kinds of upstream in all"),
        ("README.md", r"^(\d+) backends, each a small module"),
        ("docs/adding-a-backend.md", r"there are (\d+); the README lists them"),
    ],
)
def test_the_documents_quote_the_number_of_backends(document, pattern):
    match = re.search(pattern, (ROOT / document).read_text(), re.MULTILINE)
    assert match is not None, f"{document} no longer says how many backends there are"
    assert int(match.group(1)) == len(BACKENDS)


def test_the_readme_names_every_backend():
    upstreams = (ROOT / "README.md").read_text().split("## Upstreams", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in BACKENDS if name not in upstreams]
    assert missing == []
