"""Container images: the "Tags to keep" a project names (its ``regex``), kept although they
look like no version, through the rules of every user regex.

The tag lists follow the OCI distribution spec's "Listing Tags"
(https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-tags).
"""

from __future__ import annotations

import time

import pytest

from backends import pipeline
from backends.base import BackendError, ProjectSpec
from backends.http import HttpClient
from backends.registry import get_backend
from backends.upstreams.oci import is_version_tag

HUB = "https://registry-1.docker.io/v2/library/nginx/tags/list"
GHCR = "https://ghcr.io/v2/owner/app/tags/list"
TAGS = ["1.25.3", "1.25.3-alpine", "1.25.3-amd64", "latest", "edge", "stable", "3f2a9c1"]


def hub(regex: str | None = None, **fields) -> ProjectSpec:
    values = {"name": "nginx", "homepage": "https://nginx.org", "backend": "Docker Hub"}
    return ProjectSpec(**{**values, **fields}, regex=regex)


def oci(regex: str | None = None, **fields) -> ProjectSpec:
    values = {"name": "app", "homepage": "https://example.org/app"}
    return ProjectSpec(
        **{**values, **fields},
        backend="Container registry (OCI)",
        version_url="ghcr.io/owner/app",
        regex=regex,
    )


def fetch(project: ProjectSpec) -> list[str]:
    releases = get_backend(project.backend).fetch(project, HttpClient())
    return [release.version for release in releases]


def test_without_tags_to_keep_the_default_filter_leaves_non_versions_out(mock_http):
    mock_http.get(HUB, json={"tags": TAGS})

    assert fetch(hub()) == ["1.25.3", "1.25.3-alpine"]


@pytest.mark.parametrize(
    ("regex", "kept"),
    [
        ("edge|stable", ["edge", "stable"]),
        (r"[\d.]+-amd64", ["1.25.3-amd64"]),
        ("(?i)LATEST", ["latest"]),
        # Whole tags only: "edg" names no tag, nor does "table" name "stable".
        ("edg", []),
        ("table", []),
    ],
)
def test_the_tags_a_project_keeps_join_the_versions_in_the_registry_order(mock_http, regex, kept):
    mock_http.get(HUB, json={"tags": TAGS})

    found = fetch(hub(regex))

    assert found == [tag for tag in TAGS if tag in {"1.25.3", "1.25.3-alpine", *kept}]


def test_any_registry_keeps_them_too_and_the_name_placeholder_is_the_project_name(mock_http):
    mock_http.get(GHCR, json={"tags": ["2.0.0", "app-nightly", "other-nightly", "latest"]})

    assert fetch(oci("%(name)s-nightly")) == ["2.0.0", "app-nightly"]


def test_kept_tags_are_versions_to_the_pipeline_and_the_version_filter_still_applies(mock_http):
    mock_http.get(HUB, json={"tags": TAGS})

    preview = pipeline.preview(hub("edge|stable|latest", version_filter="stable;alpine"))

    assert sorted(found.raw for found in preview.versions) == ["1.25.3", "edge", "latest"]


def test_a_registry_with_only_tags_that_are_no_version_says_the_tags_to_keep_named_none(
    mock_http,
):
    mock_http.get(HUB, json={"tags": ["latest", "edge"]})

    with pytest.raises(BackendError) as raised:
        fetch(hub("nightly"))

    assert "lists 2 tags, none a version" in str(raised.value)
    assert "and none the tags to keep" in str(raised.value)
    # Without a pattern the message does not speak of one.
    with pytest.raises(BackendError) as raised:
        fetch(hub())
    assert "tags to keep" not in str(raised.value)


@pytest.mark.parametrize(
    ("regex", "reason"),
    [
        ("(unclosed", "Invalid regular expression"),
        ("((a{1000}){1000}){1000}", "too large to run"),
        ("x" * 600, "at most 512 are allowed"),
    ],
)
def test_a_stored_pattern_that_breaks_the_rules_fails_the_check_readably(mock_http, regex, reason):
    """Patterns are validated when entered; one stored before (or written to the database by
    hand) fails the check with the rule it breaks, not a crash, and is never compiled whole."""
    mock_http.get(HUB, json={"tags": TAGS})
    started = time.monotonic()

    with pytest.raises(BackendError) as raised:
        fetch(hub(regex))

    message = str(raised.value)
    assert message.startswith("nginx: the project's tags to keep cannot be used: ")
    assert reason in message
    assert time.monotonic() - started < 2


def test_a_pattern_that_backtracks_stops_at_one_time_limit_for_all_the_tags(mock_http, settings):
    settings.REGEX_TIMEOUT = 0.3
    # Each tag alone takes (a|aa)+b a few hundredths of a second to refuse; together, seconds.
    tags = [f"{'a' * 24}-{chr(97 + n // 26)}{chr(97 + n % 26)}" for n in range(60)]
    assert not any(is_version_tag(tag) for tag in tags)  # so the pattern is run on each
    mock_http.get(HUB, json={"tags": ["1.0.0", *tags]})
    started = time.monotonic()

    with pytest.raises(BackendError) as raised:
        fetch(hub("(a|aa)+b"))

    assert "tags to keep could not be run over the 60 tags that look like no version" in str(
        raised.value
    )
    assert "it took too long" in str(raised.value)
    assert time.monotonic() - started < 2


def test_the_field_is_offered_with_its_help_on_both_backends():
    for name in ("Docker Hub", "Container registry (OCI)"):
        help_ = get_backend(name).fields["regex"]
        assert help_.label == "Tags to keep"
        assert not help_.required
        assert "must match the whole tag" in help_.help_text
