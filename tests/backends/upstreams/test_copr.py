"""Copr: versions of a package's succeeded builds, through the API v3.

There is no recording: the answers below follow the documented shape of
``GET /api_3/build/list/`` (``{"items": [build, ...], "meta": {...}}``).
"""

from __future__ import annotations

import datetime as dt

import pytest
from responses import matchers

from backends.base import BackendError, ProjectSpec, Release
from backends.http import HttpClient
from backends.registry import get_backend
from backends.upstreams import copr
from tests.backends.conftest import upstream_failure

API = "https://copr.fedorainfracloud.org/api_3/build/list/"
ENDED = 1714042010  # 2024-04-25T10:46:50Z


def spec(**fields) -> ProjectSpec:
    values = {
        "name": "copr-frontend",
        "homepage": "https://github.com/fedora-copr/copr",
        "backend": "Copr",
        "version_url": "@copr/copr-dev/copr-frontend",
    }
    return ProjectSpec(**{**values, **fields})


def later(**fields) -> ProjectSpec:
    return spec(stored_versions=("0.1",), **fields)


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("Copr").fetch(project, client or HttpClient())


def build(
    version: str | None, state: str = "succeeded", ended: int | None = ENDED, id_: int = 1
) -> dict:
    return {
        "chroots": ["fedora-40-x86_64", "fedora-rawhide-x86_64"],
        "ended_on": ended,
        "id": id_,
        "is_background": False,
        "ownername": "@copr",
        "project_dirname": "copr-dev",
        "projectname": "copr-dev",
        "repo_url": "https://download.copr.fedorainfracloud.org/results/@copr/copr-dev",
        "source_package": {
            "name": "copr-frontend",
            "url": "https://download.copr.fedorainfracloud.org/results/@copr/copr-dev/srpm.src.rpm",
            "version": version,
        },
        "started_on": (ended or ENDED) - 500,
        "state": state,
        "submitted_on": (ended or ENDED) - 600,
        "submitter": "packit",
    }


def listing(builds: list, offset: int = 0) -> dict:
    return {
        "items": builds,
        "meta": {"limit": 100, "offset": offset, "order": "id", "order_type": "DESC"},
    }


def query(offset: int, **extra: str):
    params = {
        "ownername": "@copr",
        "projectname": "copr-dev",
        "packagename": "copr-frontend",
        "limit": "100",
        "offset": str(offset),
        "order": "id",
        "order_type": "DESC",
        **extra,
    }
    return matchers.query_param_matcher(params)


def test_succeeded_builds_give_the_upstream_version_and_build_date(mock_http):
    builds = [
        build("1.205-1.git.5.abcdef", id_=9),
        build("1.204-2.fc40", "failed", id_=8),
        build("1.204-1", id_=7, ended=ENDED - 86400),
        build("2:1.203-3.fc39", id_=6, ended=ENDED - 2 * 86400),
        build(None, "pending", ended=None, id_=5),
    ]
    mock_http.get(API, match=[query(0)], json=listing(builds))

    assert fetch(later()) == [
        Release("1.205", published_at=dt.datetime(2024, 4, 25, 10, 46, 50, tzinfo=dt.UTC)),
        Release("1.204", published_at=dt.datetime(2024, 4, 24, 10, 46, 50, tzinfo=dt.UTC)),
        # The epoch is not part of what upstream released.
        Release("1.203", published_at=dt.datetime(2024, 4, 23, 10, 46, 50, tzinfo=dt.UTC)),
    ]


def test_rebuilds_of_a_version_count_once_from_the_first_success(mock_http):
    builds = [
        build("1.0-2.fc40", id_=3, ended=ENDED),
        build("1.0-1.fc40", id_=2, ended=ENDED - 3600),
        build("1.0-1.fc39", id_=1, ended=None),
    ]
    mock_http.get(API, json=listing(builds))

    assert fetch(later()) == [
        Release("1.0", published_at=dt.datetime(2024, 4, 25, 9, 46, 50, tzinfo=dt.UTC))
    ]


@pytest.mark.parametrize(
    ("rpm_version", "expected"),
    [
        ("1.2.3-1.fc40", "1.2.3"),
        ("2:1.2-3", "1.2"),
        ("1.0~rc1-0.1", "1.0~rc1"),
        ("20240101", "20240101"),
        ("0:5-1", "5"),
    ],
)
def test_the_release_and_epoch_are_dropped(rpm_version, expected):
    assert copr.upstream_version(rpm_version) == expected


def test_a_first_check_reads_every_page(mock_http):
    first = [build(f"2.{n}-1", id_=1000 - n) for n in range(100)]
    mock_http.get(API, match=[query(0)], json=listing(first))
    mock_http.get(API, match=[query(100)], json=listing([build("1.0-1")], offset=100))

    versions = [r.version for r in fetch(spec())]

    assert len(versions) == 101
    assert versions[-1] == "1.0"


def test_a_later_check_reads_the_newest_page_only(mock_http):
    mock_http.get(API, match=[query(0)], json=listing([build(f"2.{n}-1") for n in range(100)]))

    assert len(fetch(later())) == 100
    assert len(mock_http.calls) == 1


def test_paging_stops_at_the_cap(mock_http, monkeypatch):
    monkeypatch.setattr(copr, "MAX_PAGES", 2)
    for page in range(3):
        full = [build(f"{page}.{n}-1") for n in range(100)]
        mock_http.get(API, match=[query(page * 100)], json=listing(full, offset=page * 100))

    assert len(fetch(spec())) == 200
    assert len(mock_http.calls) == 2


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        pytest.param(
            {"status": 404, "json": {"error": "Project @copr/copr-dev does not exist."}},
            BackendError,
            r"^copr-frontend: Copr answered: Project @copr/copr-dev does not exist\.$",
            id="404",
        ),
        pytest.param({"json": {"items": "x"}}, BackendError, "no list of builds", id="wrong"),
        pytest.param({"json": [1, 2]}, BackendError, "no list of builds", id="list"),
        pytest.param(
            {"json": listing([build("1.0-1", "failed"), None, {"state": "succeeded"}])},
            BackendError,
            "copr-frontend: no succeeded build of @copr/copr-dev/copr-frontend",
            id="none-succeeded",
        ),
    ],
)
def test_unexpected_answers_are_readable_errors(mock_http, answer, error, message):
    upstream_failure(mock_http, API, answer, error, lambda: fetch(later()), match=message)


@pytest.mark.parametrize(
    ("version_url", "name", "expected"),
    [
        ("@copr/copr-dev/copr-frontend", "x", ("@copr", "copr-dev", "copr-frontend")),
        ("atim/lazygit", "lazygit", ("atim", "lazygit", "lazygit")),
        ("/atim/lazygit/", "lazygit", ("atim", "lazygit", "lazygit")),
        (
            "https://copr.fedorainfracloud.org/coprs/g/copr/copr-dev/package/copr-cli/",
            "x",
            ("@copr", "copr-dev", "copr-cli"),
        ),
        (
            "https://copr.fedorainfracloud.org/coprs/atim/lazygit/",
            "lazygit",
            ("atim", "lazygit", "lazygit"),
        ),
        ("owner/project/libstdc++", "x", ("owner", "project", "libstdc++")),
        ("atim", "x", None),
        ("a/b/c/d", "x", None),
        ("https://example.org/coprs/atim/lazygit/", "x", None),
        ("owner/pro ject", "x", None),
        ("", "x", None),
    ],
)
def test_the_version_url_conventions(version_url, name, expected):
    assert copr.parse_package(spec(version_url=version_url, name=name)) == expected


def test_the_group_owner_is_sent_as_is(mock_http):
    mock_http.get(API, match=[query(0)], json=listing([build("1.0-1")]))

    fetch(later())

    assert "ownername=%40copr" in mock_http.calls[0].request.url


def test_the_version_url_shown_is_the_package_page():
    backend = get_backend("Copr")
    assert backend.version_url(spec()) == (
        "https://copr.fedorainfracloud.org/coprs/g/copr/copr-dev/package/copr-frontend/"
    )
    assert backend.version_url(spec(version_url="atim/lazygit", name="lazygit")) == (
        "https://copr.fedorainfracloud.org/coprs/atim/lazygit/package/lazygit/"
    )


def test_a_missing_or_bad_version_url_is_a_setup_error(mock_http):
    with pytest.raises(BackendError, match="Project copr-frontend was incorrectly set up"):
        fetch(spec(version_url=None))
    assert len(mock_http.calls) == 0


def test_the_form_requires_the_copr_package():
    backend = get_backend("Copr")
    assert backend.required_version_url
    assert backend.fields["version_url"].label == "Copr owner/project/package"
    assert backend.fields["version_url"].required
