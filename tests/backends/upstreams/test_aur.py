"""The AUR backend: the aurweb RPC info request and the version it reports.

Hand-written answers follow aurweb's RPC documentation (https://aur.archlinux.org/rpc,
doc/rpc.txt in https://gitlab.archlinux.org/archlinux/aurweb) and its code: aurweb/rpc.py
answers ``{"version": 5, "type": "multiinfo", "resultcount": N, "results": [...]}``, errors as
``{"type": "error", "error": "..."}``, and aurweb/routers/rpc.py a spent daily quota as
HTTP 429 with ``{"type": "error", "error": "Rate limit reached"}``.

The release feed's RSS follows aurweb's generator of ``/rss/modified`` (aurweb/routers/rss.py,
python-feedgen: an RSS 2.0 channel whose items are titled with the package name and link to
``/packages/<name>``); its RPC answer is the recorded info reply of ``aur.json`` (case aur-1).
"""

from __future__ import annotations

import datetime as dt

import pytest

from backends.base import BackendError, FeedEntry, ProjectSpec, RateLimited, Release
from backends.http import HttpClient
from backends.registry import get_backend
from backends.upstreams.aur import upstream_version
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    recorded_case,
    recording_cases,
    recording_error,
    replay,
)

URL = "https://aur.archlinux.org/rpc/?v=5&type=info&arg[]=yay"


def spec(**fields) -> ProjectSpec:
    values = {"name": "yay", "homepage": "https://github.com/Jguer/yay", "backend": "AUR"}
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec) -> list[Release]:
    return get_backend("AUR").fetch(project, HttpClient())


def info(*results: dict, **extra) -> dict:
    return {
        "version": 5,
        "type": "multiinfo",
        "resultcount": len(results),
        "results": list(results),
        **extra,
    }


@pytest.mark.parametrize("case", recording_cases("aur.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        assert str(recording_error(case)) == (
            "https://aur.archlinux.org/rpc/?v=5&type=info&arg[]=cower: the AUR answered an "
            "error: Incorrect by field specified."
        )
        return
    releases = fetch_recording(case)
    assert_matches_recording(case, releases)
    # LastModified: 1441804093, when the package's current PKGBUILD was pushed.
    assert releases[0].published_at == dt.datetime(2015, 9, 9, 13, 8, 13, tzinfo=dt.UTC)


def test_version_url_fields_and_ecosystem():
    backend = get_backend("AUR")

    assert backend.version_url(spec()) == URL
    assert set(backend.fields) == {"name", "version_url"}
    assert backend.default_version_scheme == "RPM"
    # The AUR's daily quota per address: projects are checked every 6 hours, not hourly.
    assert backend.check_interval == dt.timedelta(hours=6)


@pytest.mark.parametrize(
    ("version", "upstream"),
    [
        ("14-2", "14"),
        ("1:2.5-3", "2.5"),
        ("2.0.r12.gabc123-1", "2.0.r12.gabc123"),
        ("1.0", "1.0"),
        ("x:1.0-1", "x:1.0"),
    ],
)
def test_the_upstream_version_drops_epoch_and_package_release(version, upstream):
    assert upstream_version(version) == upstream


def test_a_rebuild_is_not_a_new_version(mock_http):
    """pkgrel counts rebuilds: 12.3.5-1 and 12.3.5-2 are the same upstream release."""
    mock_http.get(URL, json=info({"Name": "yay", "Version": "1:12.3.5-2"}))

    assert fetch(spec()) == [Release("12.3.5")]


def test_an_unknown_package_is_named_with_the_request(mock_http):
    mock_http.get(URL, json=info())

    with pytest.raises(BackendError) as raised:
        fetch(spec())
    assert str(raised.value) == f'No package "yay" in the AUR: {URL}'


def test_another_package_in_the_answer_is_not_taken(mock_http):
    mock_http.get(URL, json=info({"Name": "yay-bin", "Version": "12.0-1"}))

    with pytest.raises(BackendError, match='No package "yay" in the AUR'):
        fetch(spec())


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "not a JSON object"),
        ({"type": "multiinfo", "results": {"Name": "yay"}}, "no list of results"),
        (info({"Name": "yay"}), 'the package "yay" has no version'),
        (info({"Name": "yay", "Version": ["12.0-1"]}), 'the package "yay" has no version'),
        (info({"Name": "yay", "Version": "x" * 500}), 'the package "yay" has no version'),
        ({"type": "error", "error": "Incorrect request type specified."}, "Incorrect request"),
    ],
    ids=["not-an-object", "results-not-a-list", "no-version", "version-list", "huge", "error"],
)
def test_malformed_answers_are_readable_errors(mock_http, body, message):
    mock_http.get(URL, json=body)

    with pytest.raises(BackendError, match=message) as raised:
        fetch(spec())
    assert not isinstance(raised.value, RateLimited)


def test_a_bad_modification_date_is_left_out(mock_http):
    mock_http.get(URL, json=info({"Name": "yay", "Version": "12.0-1", "LastModified": "soon"}))

    assert fetch(spec()) == [Release("12.0")]


def test_the_daily_limit_is_a_rate_limit_of_the_host(mock_http):
    # aurweb/routers/rpc.py: rpc.error("Rate limit reached") with status 429.
    mock_http.get(
        URL, status=429, json={"version": 5, "type": "error", "error": "Rate limit reached"}
    )

    with pytest.raises(RateLimited) as raised:
        fetch(spec())
    assert raised.value.scope == "aur.archlinux.org"
    assert raised.value.scope == get_backend("AUR").rate_limit_scope(spec())


def test_a_rate_limit_answered_with_200_is_a_rate_limit_too(mock_http):
    mock_http.get(URL, json={"version": 5, "type": "error", "error": "Rate limit reached"})

    with pytest.raises(RateLimited) as raised:
        fetch(spec())
    assert raised.value.reset_at > dt.datetime.now(dt.UTC)


def test_another_aurweb_instance_is_read_from_the_version_url(mock_http):
    project = spec(version_url="https://aur.example.org/")
    url = "https://aur.example.org/rpc/?v=5&type=info&arg[]=yay"
    mock_http.get(url, json=info({"Name": "yay", "Version": "12.0-1"}))

    assert get_backend("AUR").version_url(project) == url
    assert fetch(project) == [Release("12.0")]
    assert get_backend("AUR").rate_limit_scope(project) == "aur.example.org"


def test_a_package_missing_on_another_instance_names_that_instance(mock_http):
    url = "https://aur.example.org/rpc/?v=5&type=info&arg[]=yay"
    mock_http.get(url, json=info())

    with pytest.raises(BackendError) as raised:
        fetch(spec(version_url="https://aur.example.org"))
    assert str(raised.value) == f'No package "yay" in that aurweb instance: {url}'


@pytest.mark.parametrize(
    "version_url", ["ftp://aur.example.org/", "https://aur.example.org/?x=1", "aur.example.org"]
)
def test_a_version_url_that_is_no_registry_address_is_refused(mock_http, version_url):
    with pytest.raises(BackendError, match="is not the address of a registry running aurweb"):
        fetch(spec(version_url=version_url))
    assert not mock_http.calls


@pytest.mark.parametrize("name", ["../../etc/passwd", "yay&type=search", "a b", "", "-x", ".."])
def test_names_that_are_no_package_names_are_refused_before_any_request(mock_http, name):
    with pytest.raises(BackendError, match="is not a valid AUR package name"):
        fetch(spec(name=name))
    assert not mock_http.calls


def test_a_plus_in_a_name_is_escaped_not_read_as_a_space(mock_http):
    url = "https://aur.archlinux.org/rpc/?v=5&type=info&arg[]=gtk%2B2"
    mock_http.get(url, json=info({"Name": "gtk+2", "Version": "2.24.33-4"}))

    assert fetch(spec(name="gtk+2")) == [Release("2.24.33")]
    assert mock_http.calls[0].request.url.endswith("gtk%2B2")


# -- the release feed ---------------------------------------------------------------------------

FEED = "https://aur.archlinux.org/rss/modified"
RPC = "https://aur.archlinux.org/rpc/"


def rss(*names: str) -> str:
    items = "".join(
        f"<item><title>{name}</title><link>https://aur.archlinux.org/packages/{name}</link>"
        f"<description>A package</description><pubDate>Thu, 04 Dec 2026 10:00:0{n} +0000"
        "</pubDate></item>"
        for n, name in enumerate(names)
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<rss xmlns:atom="http://www.w3.org/2005/Atom" version="2.0"><channel>'
        "<title>AUR Newest Packages</title><link>https://aur.archlinux.org</link>"
        "<description>The latest and greatest packages in the AUR</description>"
        f"<generator>python-feedgen</generator>{items}</channel></rss>"
    )


def rpc_url(*names: str) -> str:
    return RPC + "?v=5&type=info" + "".join(f"&arg%5B%5D={name}" for name in names)


def recorded_info() -> str:
    return recorded_case("aur.json", "aur-1")["interactions"][0]["body"]


def check_feed() -> list[FeedEntry]:
    return get_backend("AUR").check_feed(HttpClient())


def test_the_feed_names_the_modified_packages_with_their_upstream_versions(mock_http):
    mock_http.get(FEED, body=rss("cower", "removed-meanwhile"), content_type="application/rss+xml")
    mock_http.get(rpc_url("cower", "removed-meanwhile"), body=recorded_info())

    # The RPC answers nothing for a package deleted since: it is left out.
    assert check_feed() == [FeedEntry("cower", "14", "https://aur.archlinux.org/packages/cower")]
    assert get_backend("AUR").has_feed
    assert [call.request.url.split("?")[0] for call in mock_http.calls] == [FEED, RPC]


def test_the_feed_asks_the_rpc_once_for_every_name_and_gives_each_its_pkgver(mock_http):
    mock_http.get(FEED, body=rss("yay", "paru", "yay"))
    mock_http.get(
        rpc_url("yay", "paru"),
        json=info(
            {"Name": "paru", "Version": "1:2.0.4-1"},
            {"Name": "yay", "Version": "12.4.2-1"},
            {"Name": "not-asked", "Version": "1.0-1"},
        ),
    )

    assert [(entry.name, entry.version) for entry in check_feed()] == [
        ("paru", "2.0.4"),
        ("yay", "12.4.2"),
    ]
    assert len(mock_http.calls) == 2


def test_titles_that_are_no_package_names_are_never_asked_for(mock_http):
    mock_http.get(FEED, body=rss("../../etc", "a b", "-x", "x" * 300))

    assert check_feed() == []
    assert len(mock_http.calls) == 1  # no RPC request for nothing


def test_a_spent_quota_while_reading_the_feed_is_a_rate_limit(mock_http):
    mock_http.get(FEED, body=rss("yay"))
    mock_http.get(
        rpc_url("yay"),
        status=429,
        headers={"Retry-After": "3600"},
        json={"version": 5, "type": "error", "error": "Rate limit reached"},
    )

    with pytest.raises(RateLimited) as raised:
        check_feed()
    assert raised.value.scope == "aur.archlinux.org"


@pytest.mark.parametrize(
    ("feed", "answer", "message"),
    [
        ("<rss><channel><item>", None, "invalid XML answer"),
        (rss("yay"), {"type": "error", "error": "Incorrect request type specified."}, "Incorrect"),
        (rss("yay"), {"type": "multiinfo", "results": "none"}, "no list of results"),
        (rss("yay"), [], "not a JSON object"),
    ],
)
def test_a_broken_feed_or_rpc_answer_is_a_readable_error(mock_http, feed, answer, message):
    mock_http.get(FEED, body=feed)
    if answer is not None:
        mock_http.get(rpc_url("yay"), json=answer)

    with pytest.raises(BackendError) as raised:
        check_feed()
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)
