"""The Drupal6 and Drupal7 backends: drupal.org release histories."""

from __future__ import annotations

import datetime as dt

import pytest

from backends.base import BackendError, ProjectSpec
from backends.http import HttpClient
from backends.registry import get_backend
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    recording_cases,
    recording_error,
    replay,
)

URL7 = "https://updates.drupal.org/release-history/admin_menu/7.x"
HISTORY = """<?xml version="1.0" encoding="utf-8"?>
<project xmlns:dc="http://purl.org/dc/elements/1.1/">
<short_name>admin_menu</short_name>
<releases>
 <release><version>7.x-3.0-rc5</version><date>1419029280</date></release>
 <release><version>7.x-3.x-dev</version><date>not a date</date></release>
 <release><version>6.x-1.0</version><date>1200000000</date></release>
 <release><version>7.x-</version></release>
 <release><date>1419029280</date></release>
</releases>
</project>"""


def spec(backend: str = "Drupal7", **fields) -> ProjectSpec:
    values = {"name": "admin_menu", "homepage": "https://www.drupal.org/project/admin_menu"}
    return ProjectSpec(**{**values, "backend": backend, **fields})


def fetch(spec: ProjectSpec, client: HttpClient | None = None) -> list[str]:
    backend = get_backend(spec.backend)
    return [release.version for release in backend.fetch(spec, client or HttpClient())]


@pytest.mark.parametrize(
    "case", [*recording_cases("drupal6.json"), *recording_cases("drupal7.json")]
)
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        # drupal.org answers 200 with an <error> document: its text is what users need.
        error = recording_error(case)
        assert "No release history was found for the requested project (foo)" in str(error)
        return
    assert case["expected"]["kind"] == "version"
    assert_matches_recording(case, fetch_recording(case))


@pytest.mark.parametrize(
    ("backend", "name", "url"),
    [
        ("Drupal7", "admin_menu", URL7),
        ("Drupal6", "wysiwyg", "https://updates.drupal.org/release-history/wysiwyg/6.x"),
        ("Drupal7", "Drupal7: admin_menu", URL7),
        ("Drupal7", "drupal7:admin_menu", URL7),
        ("Drupal7", "admin-menu", URL7),
        # Anitya kept the prefix when the name also had a "-" (pitfall 23): fixed.
        ("Drupal7", "Drupal7: admin-menu", URL7),
        ("Drupal6", "Drupal6: admin-menu", URL7.replace("7.x", "6.x")),
    ],
)
def test_the_module_name_drops_the_prefix_and_uses_underscores(backend, name, url):
    assert get_backend(backend).version_url(spec(backend, name=name)) == url


def test_only_releases_of_the_core_line_count_and_they_are_dated(mock_http):
    mock_http.get(URL7, body=HISTORY, content_type="text/xml")

    releases = get_backend("Drupal7").fetch(spec(), HttpClient())

    assert [r.version for r in releases] == ["3.0-rc5", "3.x-dev"]
    assert releases[0].published_at == dt.datetime(2014, 12, 19, 22, 48, tzinfo=dt.UTC)
    assert releases[1].published_at is None


def test_xml_of_an_unexpected_shape_is_read_with_the_regex(mock_http):
    body = (
        '<project xmlns="urn:example"><releases><release><version>7.x-2.0</version>'
        "</release></releases></project>"
    )
    mock_http.get(URL7, body=body, content_type="text/xml")

    assert fetch(spec()) == ["2.0"]


def test_a_history_that_does_not_parse_is_read_with_the_regex(mock_http):
    truncated = HISTORY[: HISTORY.index("<release><version>6.x")]
    mock_http.get(URL7, body=truncated, content_type="text/xml")

    assert fetch(spec()) == ["3.0-rc5", "3.x-dev"]


def test_xml_entities_are_refused_not_expanded(mock_http):
    # An expanding parser would find "9.9" here (and a billion-laughs bomb would blow up).
    entities = (
        '<?xml version="1.0"?><!DOCTYPE project [<!ENTITY v "7.x-9.9">]>'
        "<project><releases><release><version>&v;</version></release></releases></project>"
    )
    mock_http.get(URL7, body=entities, content_type="text/xml")

    with pytest.raises(BackendError, match="no upstream version found"):
        fetch(spec())


def test_a_history_without_releases_of_this_core_is_an_error(mock_http):
    body = "<project><releases><release><version>8.x-1.0</version></release></releases></project>"
    mock_http.get(URL7, body=body)

    with pytest.raises(BackendError) as raised:
        fetch(spec())
    assert str(raised.value).startswith(
        f"admin_menu: no upstream version found. The page {URL7} was read, but the regular "
        "expression "
    )


def test_the_form_explains_the_name_prefix():
    for name in ("Drupal6", "Drupal7"):
        backend = get_backend(name)
        assert f"{name}: " in backend.more_info
        assert f"{name}: " in backend.fields["name"].help_text
