"""The AUR backend: the aurweb RPC info request and the version it reports.

Hand-written answers follow aurweb's RPC documentation (https://aur.archlinux.org/rpc,
doc/rpc.txt in https://gitlab.archlinux.org/archlinux/aurweb) and its code: aurweb/rpc.py
answers ``{"version": 5, "type": "multiinfo", "resultcount": N, "results": [...]}``, errors as
``{"type": "error", "error": "..."}``, and aurweb/routers/rpc.py a spent daily quota as
HTTP 429 with ``{"type": "error", "error": "Rate limit reached"}``.
"""

from __future__ import annotations

import datetime as dt

import pytest

from backends.base import BackendError, ProjectSpec, RateLimited, Release
from backends.http import HttpClient
from backends.registry import get_backend
from backends.upstreams.aur import upstream_version
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
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
