"""backends/ stands alone: no Django, no import circle, and any module can be imported first."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

REPO_ROOT = Path(__file__).resolve().parents[2]


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )


def _modules() -> list[str]:
    return sorted(grimp.build_graph("backends").modules)


def test_no_two_modules_of_backends_import_each_other_even_indirectly():
    graph = grimp.build_graph("backends")  # TYPE_CHECKING imports count too
    imports = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    done: set[str] = set()

    def walk(module: str, path: list[str]) -> None:
        if module in path:
            cycle = [*path[path.index(module) :], module]
            raise AssertionError("import circle: " + " -> ".join(cycle))
        if module in done:
            return
        for imported in sorted(imports[module]):
            walk(imported, [*path, module])
        done.add(module)

    for module in sorted(imports):
        walk(module, [])


def test_every_module_imports_without_django():
    code = (
        "import importlib, sys\n"
        "for blocked in ('django', 'rest_framework', 'django_q', 'allauth'):\n"
        "    sys.modules[blocked] = None\n"
        f"for name in {_modules()!r}:\n"
        "    importlib.import_module(name)\n"
    )
    result = _run(code)
    assert result.returncode == 0, result.stderr


def test_every_module_can_be_the_first_one_imported():
    # A circle at run time (module A needs a name of B while B is still loading A) shows
    # only when the import starts at the right module: start at each one in turn.
    code = (
        "import importlib, sys\n"
        f"for name in {_modules()!r}:\n"
        "    for loaded in [m for m in sys.modules if m.split('.')[0] == 'backends']:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module(name)\n"
    )
    result = _run(code)
    assert result.returncode == 0, result.stderr
