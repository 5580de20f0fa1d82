"""The Stackage backend: the "Latest on Hackage" version of a stackage.org package page."""

from __future__ import annotations

import re

import pytest
import requests

from backends.base import BackendError, NotModified, ProjectSpec, RateLimited, Release
from backends.http import HttpClient, HttpConfig
from backends.registry import get_backend
from backends.versions import is_filtered, make_version, resolve_scheme_name, sort_versions
from tests.backends.conftest import make_spec, recording_cases, replay

URL = "https://www.stackage.org/package/foo"


def spec(**fields) -> ProjectSpec:
    values = {"name": "foo", "homepage": URL, "backend": "Stackage"}
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("Stackage").fetch(project, client or HttpClient())


def _assert_expected(releases: list[Release], project: ProjectSpec, expected: dict) -> None:
    raw = [
        r.version
        for r in releases
        if not is_filtered(r.version, project.version_filter, project.version_prefix)
    ]
    scheme = resolve_scheme_name(project.version_scheme, project.ecosystem_name, project.backend)
    ordered = [
        v.raw
        for v in sort_versions(
            make_version(r, scheme=scheme, version_prefix=project.version_prefix) for r in raw
        )
    ]
    if expected["kind"] == "version":
        assert ordered[-1] == expected["value"]
        return
    found = ordered if expected.get("order") == "version_ascending" else raw
    if expected.get("compare") == "sorted" or expected.get("order") == "any":
        assert sorted(found) == sorted(expected["value"])
    else:
        assert found == expected["value"]


@pytest.mark.parametrize("case", recording_cases("stackage.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    project = make_spec(case)
    if case["expected"]["kind"] == "error":
        # stackage-2 (foobar) has no recorded answer: the connection fails.
        with pytest.raises(
            BackendError, match=re.escape("https://www.stackage.org/package/foobar")
        ):
            fetch(project)
        return
    _assert_expected(fetch(project), project, case["expected"])


def test_version_url_and_fields():
    backend = get_backend("Stackage")

    assert backend.version_url(spec()) == URL
    assert set(backend.fields) == {"name"}


def test_only_the_latest_hackage_version_counts(mock_http):
    page = (
        '<a href="https://www.stackage.org/lts-22.0/package/foo">LTS</a>: '
        '<span class="version"><a href="https://www.stackage.org/lts-22.0/package/foo">'
        "1.0.0</a></span>"
        '<td>Latest on Hackage:</td><td><a href="https://hackage.haskell.org/package/foo">\n'
        '<span class="version">1.2.3.4</span></a></td>'
        '<a href="https://hackage.haskell.org/package/foo-extra">'
        '<span class="version">9.9</span></a>'
    )
    mock_http.get(URL, body=page)

    assert [r.version for r in fetch(spec())] == ["1.2.3.4"]


def test_the_request_is_conditional(mock_http):
    mock_http.get(URL, status=304)

    with pytest.raises(NotModified):
        fetch(spec(), HttpClient(etag='"e"'))


LATEST = '<a href="https://hackage.haskell.org/package/foo"><span class="version">1.0</span></a>'


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (404, "Not Found", BackendError, f'"{URL}" answered HTTP 404'),
        (500, "", BackendError, "answered HTTP 500"),
        (200, LATEST[:80], BackendError, "foo: no upstream version found."),
        (200, "", BackendError, "no upstream version found"),
        (200, LATEST * 20, BackendError, "more than"),
        (429, "", RateLimited, "Rate limit"),
    ],
    ids=["404", "500", "malformed", "empty", "oversized", "429"],
)
def test_upstream_failures_are_readable_errors(mock_http, status, body, error, message):
    mock_http.get(URL, status=status, body=body)
    client = HttpClient(config=HttpConfig(max_response_bytes=1000))

    with pytest.raises(error) as raised:
        fetch(spec(), client)

    assert message in str(raised.value)


def test_a_timeout_is_a_readable_error(mock_http):
    mock_http.get(URL, body=requests.exceptions.ConnectTimeout())

    with pytest.raises(BackendError, match="timed out"):
        fetch(spec())
