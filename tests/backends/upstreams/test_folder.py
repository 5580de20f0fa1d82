"""The folder backend: archives in a download folder, else its version subfolders."""

from __future__ import annotations

import pytest

from backends.base import BackendError, ProjectSpec
from backends.http import HttpClient, HttpResponse
from backends.registry import get_backend
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    recording_cases,
    replay,
)

URL = "https://download.example.org/pub/foo/"


def spec(**fields) -> ProjectSpec:
    values = {"name": "foo", "homepage": "https://foo.example.org/", "backend": "folder"}
    values["version_url"] = URL
    return ProjectSpec(**{**values, **fields})


def fetch(spec: ProjectSpec, client: HttpClient | None = None) -> list[str]:
    return [
        release.version for release in get_backend("folder").fetch(spec, client or HttpClient())
    ]


def index(*names: str) -> str:
    rows = "".join(f'<tr><td><a href="{name}">{name}</a></td></tr>\n' for name in names)
    return (
        "<html><head><title>Index of /pub/foo</title></head><body><table>\n"
        '<tr><th><a href="?C=N;O=D">Name</a></th></tr>\n'
        '<tr><td><a href="/pub/">Parent Directory</a></td></tr>\n'
        f"{rows}</table></body></html>"
    )


@pytest.mark.parametrize("case", recording_cases("folder.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] != "version":
        assert case["expected"]["compare"] == "sorted"
    assert_matches_recording(case, fetch_recording(case))


def test_version_folders_are_the_versions_when_there_is_no_archive(mock_http):
    mock_http.get(URL, body=index("1.0/", "1.2.3/", "docs/", "2.0-rc1/"))

    assert fetch(spec()) == ["1.0", "1.2.3", "2.0-rc1"]


def test_archives_win_over_folders_and_the_project_regex_is_ignored(mock_http):
    mock_http.get(URL, body=index("0.9/", "foo-1.0.tar.gz", "foo-1.1.tar.xz", "bar-9.0.tar.gz"))

    # A regex on a folder project is ignored (as in Anitya): the default one finds archives.
    assert fetch(spec(regex=r"bar-(\d+)")) == ["1.0", "1.1"]


def test_links_are_read_by_a_parser_not_by_the_markup_spelling(mock_http):
    page = (
        "<a href='1.0/'>single quotes</a>"
        "<a class=x href=1.1/>unquoted</a>"
        '<a title="t" href="/files/1.2/">sourceforge style</a>'
        '<a href="https://elsewhere.example.org/9.9/">an absolute link</a>'
    )
    mock_http.get(URL, body=page)

    assert fetch(spec()) == ["1.0", "1.1", "1.2"]


def test_a_folder_name_with_a_space_is_not_a_version(mock_http):
    mock_http.get(URL, body=index("1.0/", "2.0 beta/"))

    with pytest.raises(BackendError, match="invalid upstream version"):
        fetch(spec())


def test_an_ftp_listing_gives_its_directories(monkeypatch):
    ftp_listing = (
        "drwxr-xr-x    2 ftp      ftp          4096 Jan 01  2020 1.0\n"
        "drwxr-xr-x    2 ftp      ftp          4096 Jan 01  2021 1.1\n"
        "-rw-r--r--    1 ftp      ftp           120 Jan 01  2021 README\n"
    )
    client = HttpClient()

    def ftp_get(url, *, listing=False):  # the client's FTP retrieval, without a server
        return HttpResponse(url=url, status=200, reason="OK", content=ftp_listing.encode())

    monkeypatch.setattr(client, "_ftp_get", ftp_get)

    assert fetch(spec(version_url="ftp://ftp.example.org/pub/foo/"), client) == ["1.0", "1.1"]


def test_a_glob_in_the_url_reads_the_newest_matching_folder(mock_http):
    mock_http.get("https://download.example.org/pub/", body=index("foo-1/", "foo-2/", "bar/"))
    mock_http.get("https://download.example.org/pub/foo-2/", body=index("foo-2.1.tar.gz"))

    assert fetch(spec(version_url="https://download.example.org/pub/foo-*/")) == ["2.1"]


def test_the_version_url_is_required_and_nothing_is_fetched(mock_http):
    with pytest.raises(BackendError, match="needs a version URL"):
        fetch(spec(version_url=None))
    assert len(mock_http.calls) == 0


def test_the_form_asks_for_the_url_and_marks_it_required():
    backend = get_backend("folder")

    assert backend.required_version_url
    assert backend.fields["version_url"].required
    assert "insecure" in backend.fields
    assert "regex" not in backend.fields
    assert backend.version_url(spec()) == URL
