"""Cgit: versions from the snapshot archives of the refs/tags page, else the tag names."""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import ParserRejectedMarkup

from backends.base import BackendError, ProjectSpec, Release
from backends.http import HttpClient
from backends.registry import get_backend
from backends.upstreams import cgit
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    make_spec,
    recorded_case,
    recording_cases,
    recording_error,
    replay,
    upstream_failure,
)

BASE = "https://git.example.org/cgit/foo.git"
TAGS = BASE + "/refs/tags"


def spec(**fields) -> ProjectSpec:
    values = {"name": "Foo", "homepage": BASE + "/", "backend": "Cgit"}
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("Cgit").fetch(project, client or HttpClient())


def row(tag: str, *archives: str, title: str = "2020-03-13 17:50:24 -0600") -> str:
    links = "".join(f"<a href='/cgit/foo.git/snapshot/{a}'>{a}</a>&nbsp;" for a in archives)
    return (
        f"<tr><td><a href='/cgit/foo.git/tag/?h={tag}'>{tag}</a></td><td>{links}</td>"
        f"<td>Someone</td><td colspan='2'><span class='age-years' title='{title}'>2 years</span>"
        "</td></tr>"
    )


def page(*rows: str) -> str:
    header = "<tr class='nohover'><th class='left'>Tag</th><th>Download</th></tr>"
    return f"<html><div class='content'><table class='list nowrap'>{header}{''.join(rows)}</table>"


@pytest.mark.parametrize("case", recording_cases("cgit.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    expected = case["expected"]
    if expected["kind"] == "error":
        assert str(recording_error(case)).strip()
        return
    if expected["kind"] != "version":
        assert (expected["compare"], expected["order"]) == ("exact", "version_ascending")
    assert_matches_recording(case, fetch_recording(case))


def test_the_recorded_page_gives_dates_and_commit_links(mock_http):
    case = recorded_case("cgit.json", "cgit-4")
    replay(mock_http, case)

    newest = fetch(make_spec(case))[0]

    assert newest == Release(
        "60.7.0",
        "https://git.savannah.gnu.org/cgit/gnuzilla.git/commit/?id=v60.7.0",
        dt.datetime(2019, 5, 29, 21, 12, 36, tzinfo=dt.UTC),
    )


def test_archives_give_the_version_without_the_project_name_once(mock_http):
    mock_http.get(
        TAGS,
        body=page(
            row("v1.2", "foo-1.2.tar.xz", "foo-1.2.zip", "foo-1.2.tar.asc"),
            row("release_1_1", "foo-1.1.tar.gz"),
            row("other", "bar-0.9.tbz2"),
        ),
    )

    releases = fetch(spec())

    assert [r.version for r in releases] == ["1.2", "1.1", "bar-0.9"]
    assert releases[0].commit_url == BASE + "/commit/?id=v1.2"
    assert releases[0].published_at == dt.datetime(2020, 3, 13, 23, 50, 24, tzinfo=dt.UTC)


def test_without_snapshots_the_tag_names_are_the_versions(mock_http):
    # Anitya found nothing on instances with snapshots disabled.
    mock_http.get(TAGS, body=page(row("v2.0"), row("v1.0", title="not a date")))

    assert fetch(spec()) == [
        Release(
            "v2.0", BASE + "/commit/?id=v2.0", dt.datetime(2020, 3, 13, 23, 50, 24, tzinfo=dt.UTC)
        ),
        Release("v1.0", BASE + "/commit/?id=v1.0"),
    ]


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        pytest.param(
            {"body": page()}, BackendError, "Foo: no upstream version found", id="no-tags"
        ),
    ],
)
def test_unexpected_answers_are_readable_errors(mock_http, answer, error, message):
    upstream_failure(mock_http, TAGS, answer, error, lambda: fetch(spec()), match=message)


def test_the_version_url_shown_on_the_project_page():
    backend = get_backend("Cgit")
    assert backend.version_url(spec()) == TAGS
    assert backend.version_url(spec(version_url="https://git.zx2c4.com/cgit")) == (
        "https://git.zx2c4.com/cgit/refs/tags"
    )


def test_the_form_shows_the_cgit_field():
    assert get_backend("Cgit").fields["version_url"].label == "Cgit project url"


def test_a_page_the_parser_rejects_is_a_backend_error(mock_http, monkeypatch):
    def reject(*args, **kwargs):
        raise ParserRejectedMarkup("bad markup")

    monkeypatch.setattr(cgit, "BeautifulSoup", reject)
    mock_http.get(TAGS, body="<html>")

    with pytest.raises(BackendError, match="the page could not be parsed"):
        fetch(spec())
