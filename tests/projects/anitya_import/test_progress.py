"""The import's progress: done/total, percentage, elapsed and ETA on stderr (redrawn in place
on a terminal, a line per batch elsewhere); the summary on stdout."""

from __future__ import annotations

import io
import re

import pytest

from projects.anitya_import.progress import Progress, duration
from tests.projects.anitya_import.catalogue import fill
from tests.projects.anitya_import.test_import import run_import


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_lines_mode_gives_done_total_percent_elapsed_and_eta_per_batch():
    out: list[str] = []
    clock = Clock()
    progress = Progress(out.append, tty=False, clock=clock)
    progress.start("projects", 4000)
    clock.now += 30
    progress.advance(1000, "ids 1-1000: projects +1000")
    clock.now += 30
    progress.advance(1000, "ids 1001-2000: projects +1000")
    progress.end()
    assert out == [
        "projects 1,000/4,000 (25.0%), 0:30 elapsed, ETA 1:30: ids 1-1000: projects +1000\n",
        "projects 2,000/4,000 (50.0%), 1:00 elapsed, ETA 1:00: ids 1001-2000: projects +1000\n",
    ]


def test_terminal_mode_redraws_one_line_in_place_and_ends_it():
    out: list[str] = []
    clock = Clock()
    progress = Progress(out.append, tty=True, width=200, clock=clock)
    progress.start("users", 2000)
    clock.now += 3600
    progress.advance(1000, "not shown on a terminal")
    clock.now += 3600
    progress.advance(1000)
    progress.say("projects no longer in Anitya: 1 removed")
    bar = "[##########..........]"
    assert out[0] == f"\rusers {bar} 1,000/2,000 (50.0%), 1:00:00 elapsed, ETA 1:00:00"
    assert out[1].startswith("\rusers [####################] 2,000/2,000 (100.0%)")
    assert out[1].rstrip().endswith("ETA 0:00")  # padded over the longer line before
    assert out[2:] == ["\n", "projects no longer in Anitya: 1 removed\n"]
    assert not any("not shown" in part for part in out)


def test_terminal_mode_fits_the_width_and_clears_a_longer_line():
    out: list[str] = []
    progress = Progress(out.append, tty=True, width=40, clock=Clock())
    progress.start("projects", 10**9)
    progress.advance(10**8)
    progress.start("flags", 1)  # a new kind ends the line before
    progress.advance(1)
    assert all(len(part.lstrip("\r")) <= 39 for part in out if part != "\n")
    assert out[1] == "\n"


def test_rows_added_on_anitya_during_the_import_never_pass_100_percent():
    out: list[str] = []
    progress = Progress(out.append, tty=False, clock=Clock())
    progress.start("projects", 1)
    progress.advance(3)
    assert "3/3 (100.0%)" in out[0]


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0, "0:00"), (59.6, "1:00"), (3599, "59:59"), (3600 * 25, "25:00:00")]
)
def test_durations(seconds, shown):
    assert duration(seconds) == shown


@pytest.mark.django_db(transaction=True)
def test_the_command_prints_a_line_per_batch_to_a_file_and_the_summary_to_stdout(
    anitya_db, tmp_path
):
    fill(anitya_db)
    err = io.StringIO()
    out, _ = run_import(anitya_db, tmp_path, "--batch-size", "5", stderr=err)
    lines = err.getvalue().splitlines()
    assert "\r" not in err.getvalue()
    projects = [line for line in lines if line.startswith("projects ")]
    total = anitya_db.connection.execute("SELECT count(*) FROM projects").fetchone()[0]
    assert len(projects) == -(-total // 5)
    pattern = r"projects (\d+)/(\d+) \((\d+\.\d)%\), \d+:\d\d elapsed, ETA \d+:\d\d: ids \d+-\d+: "
    done = [int(re.match(pattern, line).group(1)) for line in projects]
    assert done == sorted(done) and done[-1] == total
    assert projects[-1].split(" ", 2)[1] == f"{total}/{total}"
    assert "(100.0%)" in projects[-1]
    assert any(line.startswith("users 3/3 (100.0%)") for line in lines)
    assert "Imported" not in err.getvalue()
    assert out.startswith("Imported: users +3 ") and out.count("\n") == 1


@pytest.mark.django_db(transaction=True)
def test_the_command_redraws_in_place_on_a_terminal(anitya_db, tmp_path):
    fill(anitya_db)
    err = Terminal()
    out, _ = run_import(anitya_db, tmp_path, "--batch-size", "5", stderr=err)
    text = err.getvalue()
    # One line per kind (users, tokens, identities, distros, projects), redrawn with \r.
    assert text.count("\n") == 5
    projects = text.split("\n")[-2]
    assert projects.count("\r") >= 3
    assert re.search(r"\rprojects \[#{20}\] (\d+)/\1 \(100\.0%\), \d+:\d\d elapsed", projects)
    assert "\x1b[" not in text  # not in the error colour
    assert out.startswith("Imported: ")
