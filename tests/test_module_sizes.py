"""No module of the service is over 400 lines: a module that grows becomes a package (#15)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "backends", "messaging", "projects", "releasemon")
MAX_LINES = 400


def test_no_module_is_over_400_lines():
    too_long = {
        str(path.relative_to(ROOT)): lines
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert too_long == {}
