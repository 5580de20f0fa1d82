"""The Open VSX backend: an extension's versions, page by page, and the registry's release feed.

No answer of open-vsx.org was recorded, so the answers here are built from the registry's
OpenAPI description (https://open-vsx.org/swagger-ui, generated from eclipse/openvsx
server/src/main/java/org/eclipse/openvsx/RegistryAPI.java):

- ``GET /api/{namespace}/{extension}/versions?size=&offset=`` answers the ``Versions`` schema
  (json/VersionsJson.java): ``offset``, ``totalSize`` and ``versions``, a map of version to
  metadata URL, newest first (LocalRegistryService.getVersions, sorted by SemVer);
- an unknown extension is a 404 with ``{"error": "Extension not found: <id>"}`` (ResultJson);
- a 429 carries ``X-Rate-Limit-Retry-After-Seconds`` and ``X-Rate-Limit-Remaining``;
- ``GET /api/-/search?sortBy=timestamp&sortOrder=desc&size=`` answers the ``SearchResult``
  schema (json/SearchResultJson.java, json/SearchEntryJson.java).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from backends import pipeline
from backends.base import BackendError, FeedEntry, ProjectSpec, RateLimited, Release
from backends.budget import OverBudget
from backends.ecosystems import ecosystem_for_backend
from backends.http import HttpClient
from backends.registry import get_backend, resolve_scheme_name
from backends.versions import make_version, sort_versions

URL = "https://open-vsx.org/api/redhat/java/versions"
FEED = "https://open-vsx.org/api/-/search?sortBy=timestamp&sortOrder=desc&size=100"


def spec(**fields) -> ProjectSpec:
    values = {
        "name": "redhat.java",
        "homepage": "https://github.com/redhat-developer/vscode-java",
        "backend": "Open VSX",
    }
    return ProjectSpec(**{**values, **fields})


def later(**fields) -> ProjectSpec:
    """A project checked before: only the newest page is read."""
    return spec(stored_versions=("1.0.0",), **fields)


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("Open VSX").fetch(project, client or HttpClient())


def page(versions: list[str], total: int, offset: int = 0) -> dict:
    """One ``Versions`` answer, as RegistryAPI.getVersions builds it."""
    base = "https://open-vsx.org/api/redhat/java/"
    return {
        "offset": offset,
        "totalSize": total,
        "versions": {version: base + version for version in versions},
    }


def numbered(first: int, count: int) -> list[str]:
    """``count`` versions, newest first, from ``1.<first>.0`` down."""
    return [f"1.{minor}.0" for minor in range(first, first - count, -1)]


def test_versions_are_found_newest_first(mock_http):
    mock_http.get(f"{URL}?size=100&offset=0", json=page(["1.32.0", "1.31.0", "0.9.1"], 3))

    releases = fetch(spec())

    assert [release.version for release in releases] == ["1.32.0", "1.31.0", "0.9.1"]
    scheme = resolve_scheme_name(None, "open-vsx", "Open VSX")
    ordered = sort_versions(make_version(r.version, scheme=scheme) for r in releases)
    assert scheme == "Semantic"
    assert [version.raw for version in ordered] == ["0.9.1", "1.31.0", "1.32.0"]


def test_version_url_fields_and_ecosystem():
    backend = get_backend("Open VSX")

    assert backend.version_url(spec()) == URL
    assert backend.version_url(spec(name="redhat/java")) == URL
    assert set(backend.fields) == {"name", "version_url"}
    assert ecosystem_for_backend("Open VSX").name == "open-vsx"


def test_a_first_check_reads_every_page_and_only_the_first_is_conditional(mock_http):
    mock_http.get(f"{URL}?size=100&offset=0", json=page(numbered(150, 100), 150))
    mock_http.get(f"{URL}?size=100&offset=100", json=page(numbered(50, 50), 150, offset=100))

    releases = fetch(spec(), HttpClient(etag='"e"'))

    assert len(releases) == 150
    assert releases[0].version == "1.150.0" and releases[-1].version == "1.1.0"
    assert mock_http.calls[0].request.headers["If-None-Match"] == '"e"'
    assert "If-None-Match" not in mock_http.calls[1].request.headers


def test_a_later_check_reads_the_newest_page_only(mock_http):
    mock_http.get(f"{URL}?size=100&offset=0", json=page(numbered(150, 100), 150))

    releases = fetch(later())

    assert len(releases) == 100
    assert len(mock_http.calls) == 1


def test_a_server_that_ignores_the_offset_does_not_keep_the_check_going(mock_http):
    # The same first page whatever the offset, and a total that promises more.
    mock_http.get(URL, json=page(numbered(150, 100), 5000))

    assert len(fetch(spec())) == 100
    assert len(mock_http.calls) == 2


def test_an_unknown_extension_is_named_with_the_request(mock_http):
    mock_http.get(
        f"{URL}?size=100&offset=0",
        status=404,
        json={"error": "Extension not found: redhat.java"},
    )

    with pytest.raises(BackendError) as raised:
        fetch(spec())
    assert str(raised.value) == f'No extension "redhat.java" on open-vsx.org: {URL}'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "not a JSON object"),
        ({"versions": ["1.0.0"], "totalSize": 1}, "no map of versions"),
        ({"totalSize": 0}, "no map of versions"),
        ({"versions": {}, "totalSize": 0}, 'lists no version of "redhat.java"'),
        ({"error": "The parameter 'size' must not be negative."}, "Open VSX answered an error"),
    ],
    ids=["not-an-object", "versions-list", "no-versions", "empty", "error-document"],
)
def test_malformed_answers_are_readable_errors(mock_http, body, message):
    mock_http.get(f"{URL}?size=100&offset=0", json=body)

    with pytest.raises(BackendError, match=message):
        fetch(spec())


def test_a_rate_limit_waits_as_long_as_open_vsx_says(mock_http):
    mock_http.get(
        f"{URL}?size=100&offset=0",
        status=429,
        headers={"X-Rate-Limit-Retry-After-Seconds": "30", "X-Rate-Limit-Remaining": "0"},
    )
    started = dt.datetime.now(dt.UTC)

    with pytest.raises(RateLimited) as raised:
        fetch(spec())

    assert raised.value.scope == "open-vsx.org" == get_backend("Open VSX").rate_limit_scope(spec())
    assert 25 <= (raised.value.reset_at - started).total_seconds() <= 35


def test_a_rate_limit_on_a_later_page_ends_the_check(mock_http):
    mock_http.get(f"{URL}?size=100&offset=0", json=page(numbered(150, 100), 150))
    mock_http.get(f"{URL}?size=100&offset=100", status=429)

    with pytest.raises(RateLimited):
        fetch(spec())


def test_a_self_hosted_registry_is_read_from_the_version_url(mock_http):
    project = spec(version_url="https://openvsx.example.org/")
    url = "https://openvsx.example.org/api/redhat/java/versions"
    mock_http.get(f"{url}?size=100&offset=0", status=404, json={"error": "Extension not found"})

    assert get_backend("Open VSX").version_url(project) == url
    with pytest.raises(BackendError) as raised:
        fetch(project)
    assert str(raised.value) == f'No extension "redhat.java" on that Open VSX registry: {url}'


@pytest.mark.parametrize("version_url", ["javascript:alert(1)", "https://x.example.org/?a=b"])
def test_a_version_url_that_is_no_registry_address_is_refused(mock_http, version_url):
    with pytest.raises(BackendError, match="is not the address of a registry running Open VSX"):
        fetch(spec(version_url=version_url))
    assert not mock_http.calls


@pytest.mark.parametrize(
    "name", ["redhat", "redhat/../admin", "redhat/java/versions", "redhat...", "../..", "a b.c", ""]
)
def test_names_that_are_no_extension_ids_are_refused_before_any_request(mock_http, name):
    with pytest.raises(BackendError, match="is not an Open VSX extension ID"):
        fetch(spec(name=name))
    assert not mock_http.calls


def test_the_feed_lists_the_extensions_published_last(mock_http):
    mock_http.get(
        FEED,
        json={
            "offset": 0,
            "totalSize": 4,
            "extensions": [
                {"namespace": "redhat", "name": "java", "version": "1.32.0"},
                {"namespace": "rust-lang", "name": "rust-analyzer", "version": "0.3.2029"},
                {"namespace": "redhat", "name": "java", "version": "1.32.0"},
                {"namespace": "junk"},
                "junk",
            ],
        },
    )

    assert get_backend("Open VSX").check_feed(HttpClient()) == [
        FeedEntry("redhat.java", "1.32.0", "https://open-vsx.org/extension/redhat/java"),
        FeedEntry(
            "rust-lang.rust-analyzer",
            "0.3.2029",
            "https://open-vsx.org/extension/rust-lang/rust-analyzer",
        ),
    ]


@pytest.mark.parametrize(
    ("status", "body"),
    [(200, '{"offset": 0}'), (200, "[]"), (502, ""), (429, "")],
    ids=["no-extensions", "not-an-object", "bad-gateway", "rate-limited"],
)
def test_a_feed_failure_is_a_backend_error(mock_http, status, body):
    mock_http.get(FEED, status=status, body=body)

    with pytest.raises(BackendError):
        get_backend("Open VSX").check_feed(HttpClient())


class EndlessRegistry:
    """An Open VSX on 127.0.0.1 whose every page is full of new versions, and never the last."""

    def __init__(self) -> None:
        self.requests = 0
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                registry.requests += 1
                offset = int(parse_qs(urlsplit(self.path).query).get("offset", ["0"])[0])
                versions = {f"{offset + n}.0.0": "x" for n in range(100)}
                body = json.dumps({"offset": offset, "totalSize": 10**9, "versions": versions})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endless(settings) -> Iterator[EndlessRegistry]:
    settings.FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    server = EndlessRegistry()
    yield server
    server.close()


def test_a_registry_that_pages_forever_stops_at_the_versions_budget(endless, settings):
    settings.CHECK_MAX_VERSIONS = 250

    with pytest.raises(OverBudget, match="more than 250 versions"):
        pipeline.preview(spec(version_url=endless.url))
    # 300 versions after three pages: the fourth is not asked for.
    assert endless.requests == 3


def test_a_registry_that_pages_forever_stops_at_the_page_cap(endless, settings):
    # Budgets wider than the backend's own cap: the cap alone ends the check.
    settings.CHECK_MAX_PAGES = 100
    settings.CHECK_MAX_VERSIONS = settings.CHECK_MAX_NEW_VERSIONS = 100_000

    preview = pipeline.preview(spec(version_url=endless.url))

    assert endless.requests == 50
    assert len(preview.versions) == 5000
