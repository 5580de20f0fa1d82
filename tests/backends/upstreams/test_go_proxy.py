"""The Go modules backend: a Go module proxy's version list, ``@latest``, and the Go index.

The recorded answer is real (tests/fixtures/upstream-recordings/go-modules.json). The other
answers follow the GOPROXY protocol as documented at https://go.dev/ref/mod#goproxy-protocol
(``@v/list`` is plain text, one version per line, no pseudo-versions; ``@latest`` and
``.info`` are ``{"Version", "Time"}``; 404 and 410 mean "not on this proxy", with a
text/plain reason) and the index at https://index.golang.org (one JSON record
``{"Path", "Version", "Timestamp"}`` per line, oldest first, ``since`` and ``limit``).
The proxy does not page its list, so there is no paging to test.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from responses import matchers

from backends.base import BackendError, FeedEntry, ProjectSpec, RateLimited, Release
from backends.http import HttpClient
from backends.registry import get_backend, resolve_scheme_name
from backends.upstreams.go_proxy import FEED_URL, escape_path, module_path
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    pipeline_versions,
    recording_cases,
    replay,
)

PROXY = "https://proxy.golang.org"
LIST = f"{PROXY}/github.com/go-kit/kit/@v/list"
LATEST = f"{PROXY}/github.com/go-kit/kit/@latest"


def spec(**fields) -> ProjectSpec:
    values = {
        "name": "github.com/go-kit/kit",
        "homepage": "https://github.com/go-kit/kit",
        "backend": "Go modules",
    }
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec | None = None) -> list[Release]:
    return get_backend("Go modules").fetch(project or spec(), HttpClient())


def versions(project: ProjectSpec | None = None) -> list[str]:
    return [release.version for release in fetch(project)]


@pytest.mark.parametrize("case", recording_cases("go-modules.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)

    releases = fetch_recording(case)

    assert_matches_recording(case, releases)
    raw, ordered = pipeline_versions(case, releases)
    # The proxy lists in no order; the Semantic scheme puts v0.10.0 above v0.9.0.
    assert raw[:3] == ["v0.7.0", "v0.3.0", "v0.8.0"]
    assert ordered[-1] == "v0.10.0"


def test_semantic_versions_in_the_go_ecosystem():
    backend = get_backend("Go modules")

    assert backend.default_version_scheme == "Semantic"
    assert resolve_scheme_name(None, "go", "Go modules") == "Semantic"
    assert set(backend.fields) == {"name", "version_url"}


@pytest.mark.parametrize(
    ("name", "version_url", "expected"),
    [
        ("github.com/go-kit/kit", None, LIST),
        # Upper case is escaped as the proxy requires.
        (
            "github.com/BurntSushi/toml",
            "",
            f"{PROXY}/github.com/!burnt!sushi/toml/@v/list",
        ),
        # A major version from v2 on is a module of its own.
        ("github.com/jackc/pgx/v5", None, f"{PROXY}/github.com/jackc/pgx/v5/@v/list"),
        ("gopkg.in/yaml.v3", None, f"{PROXY}/gopkg.in/yaml.v3/@v/list"),
        # A self-hosted proxy, with a path and a trailing slash, or a GOPROXY list.
        (
            " github.com/go-kit/kit/ ",
            "https://athens.example.com/go/",
            "https://athens.example.com/go/github.com/go-kit/kit/@v/list",
        ),
        (
            "github.com/go-kit/kit",
            "https://goproxy.example.com,direct",
            "https://goproxy.example.com/github.com/go-kit/kit/@v/list",
        ),
        ("github.com/go-kit/kit", "ftp://goproxy.example.com", ""),
        ("github.com/go-kit/kit", "direct", ""),
        ("../../etc/passwd", None, ""),
    ],
)
def test_version_url(name, version_url, expected):
    assert get_backend("Go modules").version_url(spec(name=name, version_url=version_url)) == (
        expected
    )


def test_a_self_hosted_proxy_is_asked_instead(mock_http):
    mock_http.get("https://athens.example.com/github.com/go-kit/kit/@v/list", body="v1.0.0\n")

    assert versions(spec(version_url="https://athens.example.com")) == ["v1.0.0"]


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "github.com/go-kit/../../admin",
        "github.com/go-kit/kit?x=1",
        "github.com/go-kit/kit#frag",
        "github.com//kit",
        "github.com/go kit/kit",
        "github.com/go-kit/kit%2F..",
        "GitHub.com/go-kit/kit",
        "localhost/kit",
        "github.com/.hidden/kit",
        "github.com/kit./x",
        "github.com/gö-kit/kit",
        "",
        "a.b/" + "x" * 400,
    ],
)
def test_names_that_are_not_module_paths_are_refused_before_any_request(mock_http, name):
    with pytest.raises(BackendError, match="is not a Go module path") as raised:
        fetch(spec(name=name))

    assert "\n" not in str(raised.value)
    assert not mock_http.calls


def test_an_unusable_proxy_url_is_a_setup_error(mock_http):
    with pytest.raises(BackendError, match="Go module proxy URL must be an http or https"):
        fetch(spec(version_url="file:///etc/"))
    assert not mock_http.calls


def test_module_paths_and_their_escaping():
    assert module_path(" golang.org/x/text/ ") == "golang.org/x/text"
    assert module_path("example.com/a_b~c-d.e/v2") == "example.com/a_b~c-d.e/v2"
    assert escape_path("github.com/Azure/AzureSDK") == "github.com/!azure/!azure!s!d!k"


def test_pseudo_versions_are_ignored_and_incompatible_versions_kept(mock_http):
    listed = "\n".join(
        [
            "v1.2.0",
            "v0.0.0-20191109021931-daa7c04131f5",
            "v1.2.1-0.20200101000000-abcdefabcdef",
            "v1.3.0-pre.0.20200101000000-abcdefabcdef",
            "v2.0.0+incompatible",
            "v1.3.0-rc.1",
            "v1.2.0",
        ]
    )
    mock_http.get(LIST, body=listed)

    releases = fetch()

    assert [r.version for r in releases] == ["v1.2.0", "v2.0.0+incompatible", "v1.3.0-rc.1"]
    _raw, ordered = pipeline_versions({"project": {"backend": "Go modules"}}, releases)
    assert ordered == ["v1.2.0", "v1.3.0-rc.1", "v2.0.0+incompatible"]


def test_a_time_column_is_read_and_junk_lines_are_skipped(mock_http):
    mock_http.get(
        LIST,
        body="v1.0.0 2021-03-04T05:06:07Z\nfoobar\nv1.1.0 not-a-time\n\n  v1.2.0\n<html>\n",
    )

    assert fetch() == [
        Release("v1.0.0", published_at=dt.datetime(2021, 3, 4, 5, 6, 7, tzinfo=dt.UTC)),
        Release("v1.1.0"),
        Release("v1.2.0"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        "<!doctype html><html><body>Welcome to our proxy</body></html>",
        '{"versions": ["v1.0.0"]}',
        "1.0.0\n2.0.0\n",
        "v" + "1" * 500 + ".0.0\n",
    ],
    ids=["html", "json", "no-v", "too-long"],
)
def test_an_answer_that_is_no_version_list_is_a_readable_error(mock_http, body):
    mock_http.get(LIST, body=body)

    with pytest.raises(BackendError, match=re.escape(f"{LIST}: unexpected answer")):
        fetch()


@pytest.mark.parametrize("status", [404, 410])
def test_not_found_says_which_module_and_why(mock_http, status):
    reason = (
        "not found: github.com/go-kit/kitt@latest: unrecognized import path "
        '"github.com/go-kit/kitt": 404 Not Found'
    )
    mock_http.get(LIST, status=status, body=reason + "\nmore detail\n", content_type="text/plain")

    with pytest.raises(BackendError) as raised:
        fetch()

    assert str(raised.value) == (
        f'No Go module "github.com/go-kit/kit" on {PROXY}: {LIST} answered HTTP {status}. '
        f"The proxy says: {reason}"
    )


def test_a_hostile_not_found_reason_is_clipped_to_one_printable_line(mock_http):
    mock_http.get(LIST, status=404, body="bad\x1b[31m\x00" + "x" * 5000, content_type="text/plain")

    with pytest.raises(BackendError) as raised:
        fetch()

    text = str(raised.value)
    assert "\x1b" not in text and "\x00" not in text
    assert text.endswith("...") and len(text) < 400


def test_an_empty_list_falls_back_to_latest(mock_http):
    mock_http.get(LIST, body="")
    mock_http.get(LATEST, json={"Version": "v0.5.0", "Time": "2017-06-08T17:28:36Z"})

    assert fetch() == [
        Release("v0.5.0", published_at=dt.datetime(2017, 6, 8, 17, 28, 36, tzinfo=dt.UTC))
    ]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            {"json": {"Version": "v0.0.0-20191109021931-daa7c04131f5", "Time": "x"}},
            "lists no tagged version .* Its latest is v0.0.0-20191109021931-daa7c04131f5",
        ),
        ({"status": 404, "body": "not found"}, "lists no tagged version"),
        ({"status": 410, "body": "gone"}, "lists no tagged version"),
        ({"json": {"Version": 7}}, "unexpected answer \\(no Version\\)"),
        ({"json": ["v1.0.0"]}, "unexpected answer \\(no Version\\)"),
        ({"json": {"Version": "latest\nforged line"}}, "Version is not a version"),
        ({"body": "{"}, "invalid JSON answer"),
    ],
    ids=["pseudo", "404", "410", "not-a-string", "not-an-object", "junk", "not-json"],
)
def test_no_tagged_version_is_a_readable_error(mock_http, answer, message):
    mock_http.get(LIST, body="v0.0.0-20191109021931-daa7c04131f5\n")
    mock_http.get(LATEST, **answer)

    with pytest.raises(BackendError, match=message) as raised:
        fetch()

    assert "\n" not in str(raised.value)


def test_rate_limiting_defers_the_proxy_host(mock_http):
    url = "https://goproxy.example.com/github.com/go-kit/kit/@v/list"
    mock_http.get(url, status=429, headers={"Retry-After": "120"})
    project = spec(version_url="https://goproxy.example.com")

    with pytest.raises(RateLimited) as raised:
        fetch(project)

    assert raised.value.scope == "goproxy.example.com"
    assert get_backend("Go modules").rate_limit_scope(project) == "goproxy.example.com"


def test_the_feed_lists_recent_tagged_versions_of_the_go_index(mock_http):
    records = [
        '{"Path":"golang.org/x/text","Version":"v0.3.0","Timestamp":"2019-04-10T19:08:52Z"}',
        '{"Path":"github.com/a/b","Version":"v0.0.0-20190410190852-abcdefabcdef",'
        '"Timestamp":"2019-04-10T19:08:53Z"}',
        '{"Path":"github.com/BurntSushi/toml","Version":"v1.4.0","Timestamp":"x"}',
        '{"Path":"golang.org/x/text","Version":"v0.3.0","Timestamp":"2019-04-10T19:08:54Z"}',
        '{"Path":"../../etc","Version":"v1.0.0"}',
        '{"Path":"github.com/c/d","Version":7}',
        "[1, 2]",
        "not json",
    ]
    mock_http.get(
        FEED_URL,
        body="\n".join(records) + "\n",
        match=[matchers.query_param_matcher({"limit": "2000"}, strict_match=False)],
    )

    entries = get_backend("Go modules").check_feed(HttpClient())

    assert entries == [
        FeedEntry("golang.org/x/text", "v0.3.0", "https://pkg.go.dev/golang.org/x/text"),
        FeedEntry(
            "github.com/BurntSushi/toml", "v1.4.0", "https://pkg.go.dev/github.com/BurntSushi/toml"
        ),
    ]
    since = dt.datetime.strptime(
        mock_http.calls[0].request.params["since"], "%Y-%m-%dT%H:%M:%SZ"
    ).replace(tzinfo=dt.UTC)
    ago = dt.datetime.now(dt.UTC) - since
    assert dt.timedelta(minutes=10) <= ago <= dt.timedelta(minutes=20)


def test_a_quiet_feed_is_empty(mock_http):
    mock_http.get(FEED_URL, body="")

    assert get_backend("Go modules").check_feed(HttpClient()) == []


@pytest.mark.parametrize(("status", "body"), [(200, "<html>oops</html>"), (502, "")], ids=str)
def test_an_unreadable_feed_is_a_backend_error(mock_http, status, body):
    mock_http.get(FEED_URL, status=status, body=body)

    with pytest.raises(BackendError):
        get_backend("Go modules").check_feed(HttpClient())
