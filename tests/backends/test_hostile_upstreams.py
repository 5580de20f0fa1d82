"""Hostile upstreams on loopback: each attack ends quickly, with a clear error, in bounded memory.

The servers here misbehave on purpose: a Gitea-style API that answers 20,000 tags on every
one of 50 pages, a download page with 20,000 links, HTTP and FTP servers that send one byte
a second (in the status line, the headers, the body, the FTP greeting); and regex bombs, in a
project's regex or in what a fair regex meets on a hostile page. A check's budget
(backends/budget.py) must stop each of them: the overall deadline, the bytes, the requests
and the versions, for every request of the check together. Memory is measured from /proc:
the process's peak resident size is reset before each attack and read after it.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from backends import pipeline
from backends.base import BackendError, ProjectSpec
from backends.budget import OverBudget
from bench.hostile.servers import Hostile, TricklingFTP

# Generous bounds: what an attack may add to the process's peak resident memory.
MEMORY_BOUND_MB = 250


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def peak_growth_mb(attack: Callable[[], Any]) -> tuple[Any, float]:
    """Run ``attack``; return what it returned (or raised) and its peak memory growth in MB."""
    before = _status_kib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    try:
        outcome: Any = attack()
    except Exception as error:  # the attack's verdict, checked by the test
        outcome = error
    return outcome, (_status_kib("VmHWM") - before) / 1024


# -- the servers ------------------------------------------------------------------------------


@pytest.fixture
def hostile(settings) -> Iterator[Hostile]:
    settings.FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    server = Hostile()
    yield server
    server.close()


@pytest.fixture
def ftp(settings) -> Iterator[TricklingFTP]:
    settings.FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    server = TricklingFTP()
    yield server
    server.close()


def spec(**fields: Any) -> ProjectSpec:
    fields.setdefault("name", "tool")
    fields.setdefault("homepage", "https://tool.example.org/")
    return ProjectSpec(**fields)


# -- the attacks ------------------------------------------------------------------------------


def test_a_forge_answering_huge_pages_stops_at_the_versions_budget(hostile):
    repository = f"{hostile.url}/owner/tool"
    started = time.monotonic()

    error, growth = peak_growth_mb(
        lambda: pipeline.preview(spec(backend="Gitea", homepage=repository))
    )

    assert isinstance(error, OverBudget)
    assert "more than 10,000 versions (CHECK_MAX_VERSIONS)" in str(error)
    # The first page already lists 20,000: no second page is asked for.
    assert hostile.requests == 1
    assert time.monotonic() - started < 10
    assert growth < MEMORY_BOUND_MB, f"{growth:.0f} MB"


def test_the_total_bytes_budget_counts_every_page_together(hostile, settings):
    settings.CHECK_MAX_VERSIONS = 10_000_000  # let the bytes, not the versions, run out
    settings.CHECK_MAX_BYTES = 3 * len(hostile.tags) // 2
    repository = f"{hostile.url}/owner/tool"

    error, growth = peak_growth_mb(
        lambda: pipeline.preview(spec(backend="Gitea", homepage=repository))
    )

    assert isinstance(error, OverBudget)
    assert "from the upstream in all (CHECK_MAX_BYTES)" in str(error)
    assert hostile.requests == 2
    assert growth < MEMORY_BOUND_MB, f"{growth:.0f} MB"


def test_the_requests_budget_ends_a_check_that_pages_on_and_on(hostile, settings):
    settings.CHECK_MAX_VERSIONS = 10_000_000
    settings.CHECK_MAX_NEW_VERSIONS = 10_000_000
    settings.CHECK_MAX_PAGES = 3
    repository = f"{hostile.url}/owner/tool"

    error, _ = peak_growth_mb(lambda: pipeline.preview(spec(backend="Gitea", homepage=repository)))

    assert isinstance(error, OverBudget)
    assert "more than 3 requests (CHECK_MAX_PAGES)" in str(error)
    assert hostile.requests == 3


def test_a_download_page_with_20000_links_is_refused_whole(hostile):
    project = spec(backend="custom", version_url=f"{hostile.url}/downloads/", regex="")
    started = time.monotonic()

    error, growth = peak_growth_mb(lambda: pipeline.preview(project))

    assert isinstance(error, OverBudget)
    assert "more than 10,000 versions" in str(error)
    assert time.monotonic() - started < 10
    assert growth < MEMORY_BOUND_MB, f"{growth:.0f} MB"


def test_too_many_new_versions_at_once_are_refused(hostile, settings):
    settings.CHECK_MAX_VERSIONS = 100_000
    settings.CHECK_MAX_NEW_VERSIONS = 1_000
    project = spec(backend="custom", version_url=f"{hostile.url}/downloads/", regex="")

    with pytest.raises(OverBudget, match=r"found 20,000 new versions, more than the 1,000"):
        pipeline.preview(project)


@pytest.mark.parametrize("path", ["/trickle-body/", "/trickle-headers/"])
def test_a_trickling_http_upstream_ends_at_the_check_deadline(hostile, settings, path):
    settings.CHECK_DEADLINE = 2
    settings.HTTP_READ_TIMEOUT = 30  # each byte comes well within the read timeout
    project = spec(backend="custom", version_url=f"{hostile.url}{path}", regex="")
    started = time.monotonic()

    with pytest.raises(OverBudget, match=r"did not finish within 2 s \(CHECK_DEADLINE\)"):
        pipeline.preview(project)

    assert time.monotonic() - started < 4


def test_a_preview_gets_the_shorter_deadline(hostile, settings):
    settings.CHECK_DEADLINE = 30
    settings.PREVIEW_DEADLINE = 1
    project = spec(backend="custom", version_url=f"{hostile.url}/trickle-body/", regex="")
    started = time.monotonic()

    with pytest.raises(OverBudget, match=r"the preview did not finish within 1 s"):
        pipeline.preview(project, interactive=True)

    assert time.monotonic() - started < 3


def test_a_trickling_ftp_greeting_ends_at_the_check_deadline(ftp, settings):
    settings.CHECK_DEADLINE = 2
    settings.HTTP_READ_TIMEOUT = 30
    project = spec(backend="custom", version_url=ftp.url, regex="")
    started = time.monotonic()

    with pytest.raises(OverBudget, match=r"did not finish within 2 s"):
        pipeline.preview(project)

    assert time.monotonic() - started < 4


def test_budget_errors_are_backend_errors_a_check_records(hostile, settings):
    """A check records an over-budget preview like any failed fetch: as its error."""
    settings.CHECK_MAX_PAGES = 0
    with pytest.raises(BackendError) as raised:
        pipeline.preview(spec(backend="custom", version_url=f"{hostile.url}/downloads/"))
    assert str(raised.value).startswith("The check needed more than 0 requests")
    assert hostile.requests == 0


def test_the_loopback_servers_are_really_hostile(hostile):
    """The attacks above are real: without a budget the page is as large as it claims."""
    with socket.create_connection(("127.0.0.1", hostile.server.server_port)) as sock:
        sock.sendall(b"GET /owner/tool/api/v1/repos/o/r/tags HTTP/1.0\r\n\r\n")
        received = b""
        while chunk := sock.recv(1 << 20):
            received += chunk
    assert len(received) > len(hostile.tags) > 1_000_000


@pytest.mark.parametrize(
    "bomb", ["((a{1000}){1000}){1000}", "(?:a{65535}){65535}", "(a{1000}){1000}"]
)
def test_a_stored_regex_bomb_fails_the_check_unrun(hostile, bomb):
    """A regex stored before the rules (or written to the database by hand) is refused when
    the check would compile it, not only when it is entered."""
    project = spec(backend="custom", version_url=f"{hostile.url}/downloads/", regex=bomb)
    started = time.monotonic()

    error, growth = peak_growth_mb(lambda: pipeline.preview(project))

    assert isinstance(error, BackendError)
    assert "too large to run" in str(error)
    assert time.monotonic() - started < 2
    assert growth < 50, f"{growth:.0f} MB"


def test_a_repeated_group_over_a_hostile_page_is_refused_unrun(hostile):
    project = spec(backend="custom", version_url=f"{hostile.url}/dots/", regex=r"(\d+(?:\.\d+)*)")

    error, growth = peak_growth_mb(lambda: pipeline.preview(project))

    assert isinstance(error, BackendError)
    assert "could need about 610 MB of memory (at most 128 MB are allowed)" in str(error)
    assert growth < 100, f"{growth:.0f} MB"
