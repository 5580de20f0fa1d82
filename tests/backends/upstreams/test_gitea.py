"""Gitea/Forgejo: tags or releases (by tag name), pagination, Anitya's URL rule."""

from __future__ import annotations

import datetime as dt

import pytest
from responses import matchers

from backends.base import BackendError, ProjectSpec, Release
from backends.http import HttpClient
from backends.registry import get_backend, resolve_scheme_name
from backends.upstreams import gitea
from backends.versions import make_version
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    make_spec,
    pipeline_versions,
    recorded_case,
    recording_cases,
    recording_error,
    replay,
    upstream_failure,
)

TAGS = "https://codeberg.org/api/v1/repos/owner/repo/tags"
RELEASES = "https://codeberg.org/api/v1/repos/owner/repo/releases"


def spec(**fields) -> ProjectSpec:
    values = {"name": "repo", "homepage": "https://codeberg.org/owner/repo", "backend": "Gitea"}
    return ProjectSpec(**{**values, **fields})


def later(**fields) -> ProjectSpec:
    return spec(stored_versions=("0.1",), **fields)


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("Gitea").fetch(project, client or HttpClient())


def tag(name: str, sha: str = "abc123") -> dict:
    return {"name": name, "commit": {"sha": sha, "created": "2023-01-22T19:13:24+01:00"}}


def page_matcher(number: int):
    return matchers.query_param_matcher({"limit": "50", "page": str(number)})


@pytest.mark.parametrize("case", recording_cases("gitea.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    expected = case["expected"]
    if expected["kind"] == "error":
        assert str(recording_error(case)).strip()
        return
    releases = fetch_recording(case)
    if expected["kind"] == "version":
        assert_matches_recording(case, releases)
        return
    assert (expected["compare"], expected["order"]) == ("exact", "version_ascending")
    raw, _ordered = pipeline_versions(case, releases)
    assert sorted(raw) == sorted(expected["value"])
    # v1.18.0-rc1, -rc1-1 and -rc1-2 compare equal under RPM: the recording keeps them in
    # the upstream's order, backends.versions orders equal versions by raw string. Up to
    # those ties, the recorded order is ours.
    project = make_spec(case)
    scheme = resolve_scheme_name(project.version_scheme, project.ecosystem_name, project.backend)
    keys = [make_version(r, scheme=scheme).sort_key for r in expected["value"]]
    assert keys == sorted(keys)


def test_the_recorded_tags_link_their_commits_and_dates(mock_http):
    case = recorded_case("gitea.json", "gitea-1")
    replay(mock_http, case)

    newest = fetch(make_spec(case))[0]

    assert newest == Release(
        "1.0",
        "https://codeberg.org/freedroid/freedroid-src/commit/e6147bb9fd996f9d3a614209c8d5f39bedc1c6a4",
        dt.datetime(2023, 1, 22, 18, 13, 24, tzinfo=dt.UTC),
    )


def test_releases_are_versioned_by_tag_name_not_title(mock_http):
    # Anitya used the free-text title (pitfall 23); the tag name is the version.
    releases = [
        {
            "tag_name": "v1.20.0",
            "name": "Forgejo 1.20: the summer release",
            "published_at": "2023-07-01T10:00:00Z",
            "draft": False,
        },
        {"tag_name": "", "name": "No tag"},
        {"tag_name": "v1.21.0-draft", "name": "Draft", "draft": True},
        {"name": "v9.9.9"},
    ]
    mock_http.get(RELEASES, json=releases)

    assert fetch(later(releases_only=True)) == [
        Release("v1.20.0", published_at=dt.datetime(2023, 7, 1, 10, tzinfo=dt.UTC))
    ]


def test_a_first_check_reads_every_full_page(mock_http):
    first = [tag(f"2.{n}") for n in range(50)]
    mock_http.get(TAGS, match=[page_matcher(1)], json=first)
    mock_http.get(TAGS, match=[page_matcher(2)], json=[tag("1.0")])

    versions = [r.version for r in fetch(spec())]

    assert versions == [f"2.{n}" for n in range(50)] + ["1.0"]
    assert len(mock_http.calls) == 2


def test_a_later_check_reads_the_first_page_only(mock_http):
    mock_http.get(TAGS, json=[tag(f"2.{n}") for n in range(50)])

    assert len(fetch(later())) == 50
    assert len(mock_http.calls) == 1


def test_an_upstream_ignoring_the_page_parameter_does_not_loop(mock_http):
    mock_http.get(TAGS, json=[tag(f"2.{n}") for n in range(50)])

    assert len(fetch(spec())) == 50
    assert len(mock_http.calls) == 2


def test_paging_stops_at_the_cap(mock_http, monkeypatch):
    monkeypatch.setattr(gitea, "MAX_PAGES", 2)
    for number in range(1, 4):
        full = [tag(f"{number}.{n}") for n in range(50)]
        mock_http.get(TAGS, match=[page_matcher(number)], json=full)

    assert len(fetch(spec())) == 100


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        pytest.param({"json": {"a": 1}}, BackendError, "not a list", id="object"),
        pytest.param({"json": []}, BackendError, "repo: No upstream version found", id="empty"),
        pytest.param(
            {"json": [None, {"name": 1}, {"commit": []}]},
            BackendError,
            "No upstream version found",
            id="junk-items",
        ),
    ],
)
def test_unexpected_answers_are_readable_errors(mock_http, answer, error, message):
    upstream_failure(mock_http, TAGS, answer, error, lambda: fetch(later()), match=message)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, TAGS),
        ({"releases_only": True}, RELEASES),
        ({"homepage": "https://codeberg.org/owner/repo.git/"}, TAGS),
        ({"homepage": "x", "version_url": "https://codeberg.org/owner/repo/"}, TAGS),
        # Anitya's rule: exactly host + owner + repository.
        ({"homepage": "https://gitea.com/project_with_malformed_url"}, ""),
        ({"homepage": "https://codeberg.org/owner/repo/src/branch/main"}, ""),
        ({"homepage": "codeberg.org/owner/repo/x"}, ""),
    ],
)
def test_the_version_url_shown_on_the_project_page(fields, expected):
    assert get_backend("Gitea").version_url(spec(**fields)) == expected


def test_a_malformed_url_is_a_setup_error(mock_http):
    with pytest.raises(BackendError, match="Project repo was incorrectly set up"):
        fetch(spec(homepage="https://gitea.com/project_with_malformed_url"))
    assert len(mock_http.calls) == 0


def test_the_form_shows_the_gitea_fields():
    fields = get_backend("Gitea").fields
    assert fields["version_url"].label == "Gitea/Forgejo project url"
    assert fields["releases_only"].label == "Check releases instead of tags"


# Codeberg's answers as recorded (gitea.json: the tags of freedroid/freedroid-src and the
# releases of forgejo/forgejo), newest first as Forgejo lists them; every one is a version.
CODEBERG_TAGS = [
    *("1.0", "1.0rc3", "1.0rc2", "1.0rc1", "0.16.1", "0.16", "0.16rc3", "0.16rc2", "0.16rc1"),
    *("0.15.1", "0.15", "0.15rc2", "0.15rc1", "0.14.1", "0.14", "0.14rc3", "0.14rc1", "0.13"),
    *("0.13rc2", "0.13rc1", "0.12", "0.12rc1", "0.11", "0.11rc1", "0.10.4+"),
]
FORGEJO_RELEASES = [
    *("v1.20.4-0", "v1.20.3-0", "v1.20.2-0", "v1.20.1-0", "v1.19.4-0", "v1.19.3-0"),
    *("v1.19.2-0", "v1.19.1-0", "v1.19.0-3", "v1.19.0-2", "v1.18.5-0", "v1.18.3-2"),
    *("v1.18.3-1", "v1.18.3-0", "v1.18.2-1", "v1.18.2-0", "v1.18.1-0", "v1.18.0-1"),
    *("v1.18.0-0", "v1.18.0-rc1-2", "v1.18.0-rc1-1", "v1.18.0-rc1", "v1.18.0-rc0"),
]


@pytest.mark.parametrize(
    ("case_id", "expected"),
    [("gitea-1", CODEBERG_TAGS), ("gitea-5", FORGEJO_RELEASES)],
    ids=["codeberg-tags", "codeberg-forgejo-releases"],
)
def test_codeberg_lists_every_tag_and_release_in_its_order(mock_http, case_id, expected):
    case = recorded_case("gitea.json", case_id)
    replay(mock_http, case)

    releases = fetch(make_spec(case))

    assert [release.version for release in releases] == expected
    assert len(mock_http.calls) == 1  # one short page: the whole list


def test_the_help_names_forgejo_codeberg_and_self_hosted_servers():
    help_text = get_backend("Gitea").fields["version_url"].help_text
    assert "Forgejo" in help_text
    assert "Codeberg" in help_text
    assert "self-hosted" in help_text
    assert "https://codeberg.org/forgejo/forgejo" in get_backend("Gitea").examples
