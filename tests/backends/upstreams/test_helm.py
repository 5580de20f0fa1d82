"""The Helm backend: a chart repository's index.yaml, read safely, and charts in OCI registries.

The recorded index is real (tests/fixtures/upstream-recordings/helm.json). Hand-written
indexes follow the index file format documented at
https://helm.sh/docs/topics/chart_repository/#the-index-file (``apiVersion``, ``entries``:
chart name -> list of ``{version, created, ...}``, ``generated``); OCI answers follow the
distribution spec's tag list (https://github.com/opencontainers/distribution-spec/blob/main/spec.md,
"Listing Tags") and Helm's tag spelling of ``+`` as ``_`` (https://helm.sh/docs/topics/registries/).
A chart repository does not page its index; the OCI tag list's paging is the OCI helper's.
"""

from __future__ import annotations

import datetime as dt
import time
import tracemalloc

import pytest

from backends.base import BackendError, ProjectSpec, RateLimited, Release
from backends.http import HttpClient
from backends.registry import get_backend, resolve_scheme_name
from backends.upstreams import _yaml_stream
from backends.upstreams._yaml_stream import YamlEvents
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    recording_cases,
    replay,
)

REPO = "https://charts.example.com/stable"
INDEX = f"{REPO}/index.yaml"


def spec(**fields) -> ProjectSpec:
    values = {
        "name": "widget",
        "homepage": "https://widget.example.com/",
        "backend": "Helm",
        "version_url": REPO,
    }
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec | None = None) -> list[Release]:
    return get_backend("Helm").fetch(project or spec(), HttpClient())


def versions(project: ProjectSpec | None = None) -> list[str]:
    return [release.version for release in fetch(project)]


def index(charts: str) -> str:
    return f"apiVersion: v1\nentries:\n{charts}generated: 2024-01-01T00:00:00Z\n"


WIDGET = index(
    "  gadget:\n"
    "  - version: 9.9.9\n"
    "  widget:\n"
    "  - apiVersion: v2\n"
    "    created: 2024-03-01T10:00:00.123456789Z\n"
    "    name: widget\n"
    "    urls: [https://charts.example.com/stable/widget-1.10.tgz]\n"
    "    version: 1.10\n"
    "  - created: not a date\n"
    "    version: '1.9.0-rc.1+build.5'\n"
)


@pytest.mark.parametrize("case", recording_cases("helm.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)

    releases = fetch_recording(case)

    assert_matches_recording(case, releases)
    # Every version but one has its `created` time in the recording (UTC, nanoseconds cut).
    dated = [release for release in releases if release.published_at is not None]
    assert len(dated) >= len(releases) - 1
    assert all(release.published_at.tzinfo == dt.UTC for release in dated)


def test_semantic_versions_and_no_ecosystem():
    backend = get_backend("Helm")

    assert backend.default_version_scheme == "Semantic"
    assert resolve_scheme_name(None, "https://widget.example.com/", "Helm") == "Semantic"
    assert backend.required_version_url
    assert set(backend.fields) == {"name", "version_url"}


@pytest.mark.parametrize(
    ("version_url", "name", "expected"),
    [
        (REPO, "widget", INDEX),
        (REPO + "/", "widget", INDEX),
        (INDEX, "widget", INDEX),
        ("http://127.0.0.1:8879/charts", "widget", "http://127.0.0.1:8879/charts/index.yaml"),
        (
            "oci://registry-1.docker.io/bitnamicharts/nginx",
            "nginx",
            "https://registry-1.docker.io/v2/bitnamicharts/nginx/tags/list",
        ),
        # The namespace the chart was pushed to: the chart's name is added.
        (
            "oci://ghcr.io/owner/charts",
            "Widget",
            "https://ghcr.io/v2/owner/charts/widget/tags/list",
        ),
        ("oci://ghcr.io/owner/charts", "../../x", ""),
        ("ftp://charts.example.com/stable", "widget", ""),
        ("https://charts.example.com/stable?token=x", "widget", ""),
        ("", "widget", ""),
    ],
)
def test_version_url(version_url, name, expected):
    assert get_backend("Helm").version_url(spec(version_url=version_url, name=name)) == expected


def test_the_chart_picks_its_entry_and_keeps_versions_as_written(mock_http):
    mock_http.get(INDEX, body=WIDGET, content_type="application/x-yaml")

    assert fetch() == [
        Release(
            "1.10",
            published_at=dt.datetime(2024, 3, 1, 10, 0, 0, 123456, tzinfo=dt.UTC),
        ),
        Release("1.9.0-rc.1+build.5"),
    ]


def test_a_self_hosted_repository_under_a_path(mock_http):
    url = "https://artifacts.example.org/artifactory/api/helm/helm-local/index.yaml"
    mock_http.get(url, body=WIDGET)

    assert versions(spec(version_url=url.removesuffix("/index.yaml"))) == [
        "1.10",
        "1.9.0-rc.1+build.5",
    ]


def test_a_project_name_in_another_case_finds_the_chart(mock_http):
    mock_http.get(INDEX, body=WIDGET)

    assert versions(spec(name=" Widget ")) == ["1.10", "1.9.0-rc.1+build.5"]


def test_a_missing_chart_says_so(mock_http):
    mock_http.get(INDEX, body=WIDGET)

    with pytest.raises(BackendError) as raised:
        fetch(spec(name="../../etc/passwd"))

    assert str(raised.value) == (
        f'The Helm chart repository {INDEX} has no chart "../../etc/passwd" (it lists 2 charts). '
        "Check the chart name, as in helm install <repo>/<chart>."
    )


def test_a_missing_repository_says_so(mock_http):
    mock_http.get(INDEX, status=404, body="<html>Not Found</html>")

    with pytest.raises(
        BackendError, match=r"^No Helm chart repository at .*index.yaml \(HTTP 404\)"
    ):
        fetch()


@pytest.mark.parametrize(
    ("version_url", "name", "message"),
    [
        ("ftp://charts.example.com/", "widget", "must be an http or https address"),
        ("", "widget", "must be an http or https address"),
        ("oci://ghcr.io/owner/charts", "../../admin", "OCI reference must look like"),
        ("oci://ghcr.io/owner/charts", "Wid get", "OCI reference must look like"),
        (REPO, "wid\nget", "is not a Helm chart name"),
        (REPO, "wid\x00get", "is not a Helm chart name"),
        (REPO, "x" * 300, "is not a Helm chart name"),
    ],
)
def test_bad_setups_are_refused_before_any_request(mock_http, version_url, name, message):
    with pytest.raises(BackendError, match=message):
        fetch(spec(version_url=version_url, name=name))
    assert not mock_http.calls


def test_odd_entries_are_skipped(mock_http):
    mock_http.get(
        INDEX,
        body=index(
            "  widget:\n"
            "  - just a string\n"
            "  - [a, list]\n"
            "  - {name: widget}\n"
            "  - {version: [1, 2]}\n"
            "  - {version: ''}\n"
            "  - {? [complex, key] : x, version: 2.0.0}\n"
            "  - version: !!python/object/apply:os.system ['echo pwned']\n"
            "  - version: !!python/name:os.system 3.0.0\n"
            f"  - version: {'9' * 300}\n"
        ),
    )

    # Tags are never constructed: the tagged scalar is read as the text it is.
    assert versions() == ["2.0.0", "3.0.0"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "not a Helm repository index"),
        ("just a string", "not a Helm repository index"),
        ("- a\n- b\n", "not a Helm repository index"),
        ("apiVersion: v1\n", "not a Helm repository index"),
        ("apiVersion: v1\nentries: null\n", "not a Helm repository index"),
        ("apiVersion: v1\nentries: [widget]\n", "not a Helm repository index"),
        ("entries:\n  widget: 1.0.0\n", 'chart "widget" has no list of versions'),
        ("entries:\n  gadget: [\n  widget:\n  - version: 1.0\n", "invalid YAML answer"),
        ("entries: {widget: [{version: 1.0}\n", "invalid YAML answer: .*\\(line 2, column 1\\)"),
        ("<html><body>Welcome</body></html>\x01\x02", "invalid YAML answer"),
        ('{"entries": {"widget": "nope"}}', 'chart "widget" has no list of versions'),
    ],
    ids=[
        "empty",
        "scalar",
        "list",
        "no-entries",
        "null-entries",
        "entries-list",
        "chart-not-a-list",
        "syntax",
        "unclosed",
        "control-characters",
        "json",
    ],
)
def test_malformed_indexes_are_readable_errors(mock_http, body, message):
    mock_http.get(INDEX, body=body.encode())

    with pytest.raises(BackendError, match=message) as raised:
        fetch()

    text = str(raised.value)
    assert "\n" not in text and INDEX in text


def test_an_index_in_latin_1_is_an_error_not_a_crash(mock_http):
    mock_http.get(INDEX, body="entries:\n  widget:\n  - version: caf\xe9\n".encode("latin-1"))

    with pytest.raises(BackendError, match="invalid YAML answer"):
        fetch()


def _bounded(action) -> tuple[BackendError, float, int]:
    """Run ``action``, which must fail; return the error, the seconds and the peak bytes."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(BackendError) as raised:
            action()
        return raised.value, time.monotonic() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_alias_bomb_is_refused_at_once(mock_http):
    # "Billion laughs": nine levels of ten aliases each expand to 10**9 strings when loaded.
    lines = ['a0: &a0 "lol"']
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    bomb = "\n".join(lines) + "\nentries:\n  widget:\n  - version: *a9\n"
    mock_http.get(INDEX, body=bomb)

    error, seconds, peak = _bounded(fetch)

    assert str(error) == (
        f"{INDEX}: refused YAML answer: it uses YAML anchors and aliases (&name, *name), which "
        "can expand without bound and which this answer never needs."
    )
    assert seconds < 2 and peak < 5_000_000


def test_an_alias_inside_the_chart_entry_is_refused_too(mock_http):
    mock_http.get(INDEX, body=index("  widget:\n  - &v {version: 1.0.0}\n  - *v\n"))

    with pytest.raises(BackendError, match="anchors and aliases"):
        fetch()


OURS = "refused YAML answer: it nests more than 32 levels deep."
# libyaml's scanner stops at 1,000 levels of flow nesting by itself, before any event.
LIBYAML = "invalid YAML answer: exceeded maximum nesting depth"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("entries:\n  widget: " + "[" * 100 + "]" * 100 + "\n", OURS),
        ("entries:\n  widget: " + "[" * 200_000 + "]" * 200_000 + "\n", LIBYAML),
        ("entries:\n" + "".join("  " * depth + f"k{depth}:\n" for depth in range(1, 60)), OURS),
        ("entries:\n  widget:\n" + "".join("  " * d + "- \n" for d in range(1, 200)), OURS),
    ],
    ids=["flow", "flow-huge", "block-mappings", "block-sequences"],
)
def test_a_deep_document_is_refused(mock_http, body, message):
    mock_http.get(INDEX, body=body)

    error, seconds, peak = _bounded(fetch)

    assert message in str(error)
    assert seconds < 2 and peak < 5_000_000


def test_a_document_with_too_many_nodes_is_refused(mock_http, monkeypatch):
    monkeypatch.setattr(_yaml_stream, "MAX_EVENTS", 10_000)
    many = "".join(f"  chart{i}:\n  - version: 1.0.{i}\n" for i in range(5_000))
    mock_http.get(INDEX, body=index(many + "  widget:\n  - version: 1.0.0\n"))

    error, seconds, _peak = _bounded(fetch)

    assert str(error) == f"{INDEX}: refused YAML answer: it has more than 10,000 nodes."
    assert seconds < 5


def test_a_large_index_is_read_in_bounded_memory(mock_http):
    """Only the wanted chart's versions are kept, not the whole document."""
    others = "".join(
        f"  chart{i}:\n"
        + "".join(
            f"  - version: 1.0.{j}\n    description: {'words ' * 20}\n    urls: [https://x/{j}]\n"
            for j in range(10)
        )
        for i in range(600)
    )
    body = index(others + "  widget:\n  - version: 2.0.0\n")
    mock_http.get(INDEX, body=body)
    tracemalloc.start()
    try:
        assert versions() == ["2.0.0"]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    # The body and its copies, but no tree of the document's ~50,000 nodes.
    assert len(body) > 1_000_000 and peak < 4 * len(body)


def test_the_deadline_is_looked_at_while_reading(monkeypatch):
    looked = []

    def tick():
        looked.append(1)
        if len(looked) == 2:
            raise BackendError("The upstream is too slow")

    body = ("- x\n" * 20_000).encode()
    with YamlEvents(body, INDEX, tick=tick) as events, pytest.raises(BackendError, match="slow"):
        while True:
            events.next()
    assert len(looked) == 2


def test_rate_limiting_defers_the_repository_host(mock_http):
    mock_http.get(INDEX, status=429, headers={"Retry-After": "30"})

    with pytest.raises(RateLimited) as raised:
        fetch()

    assert raised.value.scope == "charts.example.com"
    assert get_backend("Helm").rate_limit_scope(spec()) == "charts.example.com"


# A chart's tags in an OCI registry: versions (build metadata spelled with "_"), and tags that
# are none (latest, a cosign signature).
OCI_CHART_TAGS = ["1.0.0", "1.1.0_build.7", "latest", "sha256-0123abcd.sig", "2.0.0-rc.1"]


def test_an_oci_chart_lists_its_tags_as_versions(mock_http):
    mock_http.get(
        "https://ghcr.io/v2/owner/charts/widget/tags/list",
        json={"name": "owner/charts/widget", "tags": OCI_CHART_TAGS},
    )

    assert versions(spec(version_url="oci://ghcr.io/owner/charts")) == [
        "1.0.0",
        "1.1.0+build.7",
        "2.0.0-rc.1",
    ]


def test_a_missing_oci_chart_says_so(mock_http):
    url = "https://registry-1.docker.io/v2/bitnamicharts/widget/tags/list"
    mock_http.get(url, status=404, json={"errors": [{"code": "NAME_UNKNOWN"}]})

    with pytest.raises(BackendError, match="bitnamicharts/widget"):
        fetch(spec(version_url="oci://registry-1.docker.io/bitnamicharts"))


def test_an_oci_chart_without_version_tags_says_so(mock_http):
    url = "https://ghcr.io/v2/owner/charts/widget/tags/list"
    mock_http.get(url, json={"name": "owner/charts/widget", "tags": ["latest"]})

    with pytest.raises(BackendError) as raised:
        fetch(spec(version_url="oci://ghcr.io/owner/charts/widget"))

    assert str(raised.value) == (
        "widget: no upstream version found. ghcr.io lists 1 tag(s) for owner/charts/widget, "
        f"none a chart version. ({url})"
    )
