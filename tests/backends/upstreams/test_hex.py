"""The Hex.pm backend: a package's releases through the Hex HTTP API, and its feed.

No recording of hex.pm exists, so the answers here are built from Hex's published API
description, https://github.com/hexpm/specifications/blob/main/apiary.apib ("Fetch a
Package": ``releases`` with ``version``, ``url``, ``inserted_at``; "Client errors": 404
``{"status": 404, "message": "not found"}``; "Rate limiting": ``X-RateLimit-Limit``,
``-Remaining``, ``-Reset`` in UNIX epoch; "List all Packages" with ``sort=updated_at``) and
from hex.pm's own rendering of a package, which adds ``latest_version`` and the
``retirements`` map (version -> reason and message):
https://github.com/hexpm/hexpm/blob/main/lib/hexpm_web/views/api/package_view.ex and
retirement_view.ex.
"""

from __future__ import annotations

import datetime as dt

import pytest

from backends.base import BackendError, FeedEntry, ProjectSpec, RateLimited, Release
from backends.http import HttpClient
from backends.registry import get_backend, resolve_scheme_name
from backends.versions import make_version, sort_versions

URL = "https://hex.pm/api/packages/phoenix"
FEED = "https://hex.pm/api/packages?sort=updated_at"


def spec(**fields) -> ProjectSpec:
    values = {"name": "phoenix", "homepage": "https://hex.pm/packages/phoenix", "backend": "Hex.pm"}
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("Hex.pm").fetch(project, client or HttpClient())


def release(version: str, inserted_at: str) -> dict:
    return {
        "version": version,
        "url": f"{URL}/releases/{version}",
        "has_docs": True,
        "inserted_at": inserted_at,
    }


# The shape of hex.pm's answer to GET /api/packages/phoenix (trimmed: no meta, downloads,
# owners or configs, which the check does not read); releases come newest first.
PHOENIX = {
    "name": "phoenix",
    "repository": "hexpm",
    "url": URL,
    "html_url": "https://hex.pm/packages/phoenix",
    "latest_version": "1.7.0-rc.0",
    "latest_stable_version": "1.6.16",
    "releases": [
        release("1.7.0-rc.0", "2022-11-07T15:56:26.000000Z"),
        release("1.6.16", "2023-02-20T17:10:37.391584Z"),
        release("1.6.15", "2022-10-26T14:58:47Z"),
        release("1.6.14", "2022-10-10T13:50:00Z"),
    ],
    "retirements": {"1.6.14": {"reason": "invalid", "message": "Use 1.6.15 instead"}},
    "inserted_at": "2014-04-23T18:58:54Z",
    "updated_at": "2023-02-20T17:10:37Z",
}


def test_releases_with_their_dates_and_the_retired_one_flagged(mock_http):
    mock_http.get(URL, json=PHOENIX)

    releases = fetch(spec())

    assert releases == [
        Release("1.7.0-rc.0", published_at=dt.datetime(2022, 11, 7, 15, 56, 26, tzinfo=dt.UTC)),
        Release("1.6.16", published_at=dt.datetime(2023, 2, 20, 17, 10, 37, 391584, tzinfo=dt.UTC)),
        Release("1.6.15", published_at=dt.datetime(2022, 10, 26, 14, 58, 47, tzinfo=dt.UTC)),
        # Retired: never stored as new, a stored one is marked withdrawn.
        Release(
            "1.6.14", published_at=dt.datetime(2022, 10, 10, 13, 50, tzinfo=dt.UTC), withdrawn=True
        ),
    ]
    assert mock_http.calls[0].request.headers["Accept"] == "application/json"


def test_the_semantic_scheme_puts_the_release_candidate_last(mock_http):
    mock_http.get(URL, json=PHOENIX)

    scheme = resolve_scheme_name(None, "hex", "Hex.pm")
    ordered = [
        v.raw
        for v in sort_versions(
            make_version(r.version, scheme=scheme) for r in fetch(spec()) if not r.withdrawn
        )
    ]

    assert scheme == "Semantic"
    assert ordered == ["1.6.15", "1.6.16", "1.7.0-rc.0"]


def test_version_url_and_fields():
    backend = get_backend("Hex.pm")

    assert backend.version_url(spec()) == URL
    assert backend.version_url(spec(version_url="https://hex.example.org/api/")) == (
        "https://hex.example.org/api/packages/phoenix"
    )
    assert backend.version_url(spec(version_url="hex.example.org")) == ""
    assert set(backend.fields) == {"name", "version_url"}
    assert backend.has_feed


def test_a_self_hosted_hex_api_is_read_instead(mock_http):
    mock_http.get("https://hex.example.org/api/packages/phoenix", json=PHOENIX)

    found = fetch(spec(version_url="https://hex.example.org/api/"), HttpClient(etag='"e"'))

    assert [r.version for r in found if not r.withdrawn] == ["1.7.0-rc.0", "1.6.16", "1.6.15"]
    assert mock_http.calls[0].request.headers["If-None-Match"] == '"e"'


def test_an_unknown_package_says_so_and_where(mock_http):
    mock_http.get(URL, status=404, json={"status": 404, "message": "not found"})

    with pytest.raises(BackendError) as raised:
        fetch(spec())

    assert str(raised.value) == f'No package "phoenix" on hex.pm: {URL}'


def test_an_unknown_package_on_a_self_hosted_api_names_it(mock_http):
    mock_http.get("https://hex.example.org/api/packages/phoenix", status=404)

    with pytest.raises(
        BackendError, match=r'^No package "phoenix" on https://hex\.example\.org/api:'
    ):
        fetch(spec(version_url="https://hex.example.org/api"))


def test_a_package_whose_every_release_is_retired_says_why(mock_http):
    package = {
        "name": "phoenix",
        "releases": [
            release("0.2.0", "2020-01-02T00:00:00Z"),
            release("0.1.0", "2020-01-01T00:00:00Z"),
        ],
        "retirements": {
            "0.1.0": {"reason": "invalid", "message": "broken"},
            "0.2.0": {"reason": "renamed", "message": "Package has been renamed to\nphx"},
        },
    }
    mock_http.get(URL, json=package)

    with pytest.raises(BackendError) as raised:
        fetch(spec())

    assert str(raised.value) == (
        "phoenix: every release on hex.pm is retired (renamed: Package has been renamed to phx)."
    )


@pytest.mark.parametrize(
    "releases", [[], [{"version": None}, "1.0.0"]], ids=["no-release", "only-junk"]
)
def test_a_package_without_readable_releases_has_no_version(mock_http, releases):
    # Nothing is retired here, so the check must not say that everything is.
    mock_http.get(URL, json={"name": "phoenix", "releases": releases, "retirements": {}})

    assert fetch(spec()) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[]", "not a JSON object"),
        ('{"status": 400, "message": "bad request"}', "(Hex answered: bad request)"),
        ('{"releases": {"1.0.0": {}}}', "(no list of releases)"),
    ],
    ids=["not-an-object", "error-document", "releases-not-a-list"],
)
def test_malformed_answers_are_readable_errors(mock_http, body, message):
    mock_http.get(URL, body=body, content_type="application/json")

    with pytest.raises(BackendError) as raised:
        fetch(spec())

    assert message in str(raised.value)
    assert URL in str(raised.value)


def test_junk_releases_and_retirements_are_skipped(mock_http):
    package = {
        "releases": [
            {"version": "2.0.0", "inserted_at": "not a date"},
            {"version": 3},
            "1.5.0",
            None,
            {"inserted_at": "2020-01-01T00:00:00Z"},
            {"version": "1.0.0"},
        ],
        "retirements": ["2.0.0"],
    }
    mock_http.get(URL, json=package)

    assert fetch(spec()) == [Release("2.0.0"), Release("1.0.0")]


def test_hex_rate_limit_ends_the_check_until_its_reset_time(mock_http):
    reset = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
    headers = {
        "X-RateLimit-Limit": "100",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(int(reset.timestamp())),
    }
    mock_http.get(URL, status=429, headers=headers, json={"status": 429, "message": "rate limit"})
    now = dt.datetime.now(dt.UTC)

    with pytest.raises(RateLimited) as raised:
        fetch(spec())

    # Far resets are capped at a day, so the scheduler defers hex.pm's projects until then.
    assert raised.value.scope == "hex.pm"
    assert now + dt.timedelta(hours=23) < raised.value.reset_at <= reset
    assert get_backend("Hex.pm").rate_limit_scope(spec()) == "hex.pm"


def test_the_answer_that_spends_the_last_request_is_still_used(mock_http):
    # Unlike GitHub's, Hex's last allowed answer is complete: keep it; the next request
    # gets the 429 that defers the others.
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1893499200"}
    mock_http.get(URL, json=PHOENIX, headers=headers)

    assert len(fetch(spec())) == 4


@pytest.mark.parametrize(
    "name",
    ["../users/me", "phoenix/releases", "phoenix?x=1", "..", "1phoenix", "", "phœnix"],
    ids=["dot-dot", "slash", "query", "only-dots", "digit-first", "empty", "not-ascii"],
)
def test_a_name_that_is_not_a_hex_name_never_reaches_a_url(mock_http, name):
    with pytest.raises(BackendError, match="is not a valid Hex package name"):
        fetch(spec(name=name))

    assert not mock_http.calls


def test_an_api_address_that_is_not_http_is_refused_unread(mock_http):
    with pytest.raises(BackendError, match="is not the address of a Hex API"):
        fetch(spec(version_url="ftp://hex.example.org/api"))

    assert not mock_http.calls


def test_feed_lists_the_packages_updated_last_with_their_latest_version(mock_http):
    packages = [
        {
            "name": "phoenix",
            "latest_version": "1.7.0",
            "html_url": "https://hex.pm/packages/phoenix",
        },
        # Before `latest_version`, the answer listed the releases, newest first.
        {"name": "plug", "releases": [{"version": "1.14.0"}, {"version": "1.13.6"}]},
        {"name": "no_release", "releases": []},
        {"name": "../evil", "latest_version": "1.0.0"},
        {"latest_version": "1.0.0"},
        "junk",
    ]
    mock_http.get(FEED, json=packages)

    entries = get_backend("Hex.pm").check_feed(HttpClient())

    assert entries == [
        FeedEntry("phoenix", "1.7.0", "https://hex.pm/packages/phoenix"),
        FeedEntry("plug", "1.14.0", "https://hex.pm/packages/plug"),
    ]


@pytest.mark.parametrize(
    ("status", "body"), [(200, '{"packages": []}'), (200, "<html>"), (502, "")], ids=str
)
def test_feed_failure_is_a_backend_error(mock_http, status, body):
    mock_http.get(FEED, status=status, body=body)

    with pytest.raises(BackendError):
        get_backend("Hex.pm").check_feed(HttpClient())
