"""SourceHut: tags from a repository's refs RSS feed."""

from __future__ import annotations

import datetime as dt

import pytest

from backends.base import BackendError, ProjectSpec, Release
from backends.http import HttpClient
from backends.registry import get_backend
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    recording_cases,
    recording_error,
    replay,
    upstream_failure,
)

FEED = "https://git.sr.ht/~owner/repo/refs/rss.xml"


def spec(**fields) -> ProjectSpec:
    values = {"name": "repo", "homepage": "https://git.sr.ht/~owner/repo", "backend": "SourceHut"}
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("SourceHut").fetch(project, client or HttpClient())


def item(title: str, date: str = "Sat, 06 Aug 2022 18:47:07 +0200", link: str | None = None) -> str:
    link = link or f"https://git.sr.ht/~owner/repo/refs/{title}"
    return f"<item><title>{title}</title><link>{link}</link><pubDate>{date}</pubDate></item>"


def feed(*items: str) -> str:
    return f'<rss version="2.0"><channel><title>refs</title>{"".join(items)}</channel></rss>'


@pytest.mark.parametrize("case", recording_cases("sourcehut.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        assert str(recording_error(case)).strip()
        return
    if case["expected"]["kind"] != "version":
        # The feed's own order, exactly.
        assert (case["expected"]["compare"], case["expected"]["order"]) == ("exact", "native")
    assert_matches_recording(case, fetch_recording(case))


def test_items_carry_their_date_and_page(mock_http):
    mock_http.get(
        FEED,
        body=feed(item("1.1"), item("1.0", date="garbage", link="javascript:alert(1)")),
    )

    assert fetch(spec()) == [
        Release(
            "1.1",
            "https://git.sr.ht/~owner/repo/refs/1.1",
            dt.datetime(2022, 8, 6, 16, 47, 7, tzinfo=dt.UTC),
        ),
        Release("1.0"),
    ]


def test_an_xml_bomb_is_refused(mock_http):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><rss><channel><item><title>&lol2;</title>'
        "</item></channel></rss>"
    )
    mock_http.get(FEED, body=bomb)

    with pytest.raises(BackendError, match="refused XML answer"):
        fetch(spec())


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        pytest.param({"body": feed()}, BackendError, "repo: no upstream version", id="no-items"),
        pytest.param(
            {"body": feed("<item><title> </title></item>")},
            BackendError,
            "no upstream version",
            id="blank-title",
        ),
    ],
)
def test_unexpected_answers_are_readable_errors(mock_http, answer, error, message):
    upstream_failure(mock_http, FEED, answer, error, lambda: fetch(spec()), match=message)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, FEED),
        ({"homepage": "https://git.sr.ht/~owner/repo/tree/main/"}, FEED),
        ({"homepage": "scdoc", "version_url": "owner/repo"}, FEED),
        ({"version_url": "~owner/repo"}, FEED),
        ({"version_url": "https://git.sr.ht/~owner/repo"}, FEED),
        ({"homepage": "https://github.com/owner/repo"}, ""),
        ({"version_url": "owner"}, ""),
        ({"version_url": "own er/repo"}, ""),
    ],
)
def test_the_version_url_shown_on_the_project_page(fields, expected):
    assert get_backend("SourceHut").version_url(spec(**fields)) == expected


def test_a_project_without_repository_is_a_setup_error(mock_http):
    with pytest.raises(BackendError, match="Project repo was incorrectly set up"):
        fetch(spec(homepage="https://example.org/"))
    assert len(mock_http.calls) == 0


def test_the_form_shows_the_sourcehut_field():
    assert get_backend("SourceHut").fields["version_url"].label == "SourceHut owner/project"
