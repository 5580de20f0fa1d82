"""Every ``# type: ignore`` in the shipped code names its error code and says why.

mypy runs in bin/test; an ignore without a code hides every other error on its line, and one
without a reason leaves the next reader to guess whether it may go.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("releasemon", "projects", "accounts", "messaging", "backends")
IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[^\]]*\])?(?P<rest>.*)$")
REASON = re.compile(r"#\s*\w")


def _ignores() -> list[tuple[str, int, str, str]]:
    found = []
    for package in SHIPPED:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            lines = path.read_text(encoding="utf-8").splitlines()
            for number, line in enumerate(lines, start=1):
                if IGNORE.search(line):
                    # The comment above a run of ignores explains them all.
                    above_at = number - 2
                    while above_at >= 0 and IGNORE.search(lines[above_at]):
                        above_at -= 1
                    above = lines[above_at] if above_at >= 0 else ""
                    name = f"{path.relative_to(ROOT)}:{number}"
                    found.append((name, number, line, above))
    return found


def test_every_ignore_names_its_error_code():
    bare = [name for name, _, line, _ in _ignores() if not IGNORE.search(line)["codes"]]
    assert bare == []


def test_every_ignore_says_why_on_its_line_or_the_comment_above():
    unexplained = [
        name
        for name, _, line, above in _ignores()
        if not REASON.search(IGNORE.search(line)["rest"]) and not above.strip().startswith("#")
    ]
    assert unexplained == []


def test_the_check_sees_the_ignores_there_are():
    # Guards the two tests above against a pattern that matches nothing.
    assert len(_ignores()) > 10
