"""The helpers the upstream modules share: where their former copies differed."""

from __future__ import annotations

import datetime as dt

import pytest

from backends.upstreams._common import (
    commit_link,
    parse_iso_datetime,
    parse_rfc2822_datetime,
    web_url,
)

NOON = dt.datetime(2023, 1, 22, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-01-22T13:00:00+01:00", NOON),
        ("2023-01-22T12:00:00Z", NOON),
        ("2023-01-22T12:00:00", NOON),  # naive is UTC
        (" 2023-01-22T12:00:00Z\n", NOON),
        ("0001-01-01T00:00:00+14:00", None),  # before year 1 in UTC: no date, no crash
        ("2023-01-22T12:00:00." + "0" * 60 + "Z", None),  # longer than any real date
        ("yesterday", None),
        ("", None),
        (None, None),
        (1674388800, None),
    ],
)
def test_iso_dates(value, expected):
    assert parse_iso_datetime(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Sun, 22 Jan 2023 13:00:00 +0100", NOON),
        ("Sun, 22 Jan 2023 12:00:00 UT", NOON),
        (" Sun, 22 Jan 2023 12:00:00 GMT ", NOON),
        ("Sun, 32 Jan 2023 12:00:00 GMT", None),
        ("Sun, 22 Jan 2023 12:00:00 GMT" + " " * 60 + "x", None),
        ("not a date", None),
        ("", None),
        (None, None),
    ],
)
def test_rss_dates(value, expected):
    assert parse_rfc2822_datetime(value) == expected


@pytest.mark.parametrize(
    ("value", "prefixes", "expected"),
    [
        ("https://example.org/c/1", ("https://", "http://"), "https://example.org/c/1"),
        ("http://example.org/c/1", ("https://", "http://"), "http://example.org/c/1"),
        ("javascript:alert(1)", ("https://", "http://"), None),
        ("https://example.org/a b", ("https://", "http://"), None),
        ("https://example.org/" + "x" * 481, ("https://", "http://"), None),
        ("https://elsewhere.org/x", "https://bitbucket.org/", None),
        (None, ("https://", "http://"), None),
    ],
)
def test_web_urls(value, prefixes, expected):
    assert web_url(value, prefixes) == expected


@pytest.mark.parametrize(
    ("commit", "expected"),
    [
        ("abc123", "https://example.org/commit/abc123"),
        ("a" * 64, "https://example.org/commit/" + "a" * 64),
        ("a" * 65, None),
        ("../x", None),
        ("", None),
        (123, None),
    ],
)
def test_commit_links(commit, expected):
    assert commit_link("https://example.org/commit/", commit) == expected
