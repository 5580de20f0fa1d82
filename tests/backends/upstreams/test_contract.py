"""The contract every backend keeps with a hostile upstream, tested once for all of them.

For each backend of the registry, :data:`UPSTREAMS` names a project whose check asks the
upstream, the first URL that check requests, and what a person must read when the upstream
answers badly. Every request of the check then gets the same hostile answer (`responses`,
with name resolution stubbed by the autouse fixture of ``tests/backends/conftest.py``):

- 404, 5xx, an unreadable body (not the JSON, XML or page the backend expects), an empty
  body: a :class:`BackendError` whose message says so, never another exception;
- a connect timeout, a read timeout, a refused connection, a body over the size cap: the
  client's own readable wording, which the backend lets through;
- 429, with or without ``Retry-After``: :class:`RateLimited`, scoped as the backend says
  (:meth:`~backends.base.Backend.rate_limit_scope`), so the scheduler defers the right
  projects;
- 304 to the main request sent with the stored validators: :class:`NotModified`.

A new backend gets a row here; what is particular to its upstream (its JSON's shape, its
paging, its own error documents) is tested in its ``test_<name>.py``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import responses
from responses import matchers

import backends.config
from backends.base import BackendError, NotModified, ProjectSpec, RateLimited, Release
from backends.config import BackendsConfig
from backends.http import HttpClient, HttpConfig, display_url
from backends.registry import backend_names, get_backend

# The size cap of every contract check; the oversized answer is five times that.
LIMIT = 1000
ETAG = 'W/"contract-etag"'  # a weak one: sent back exactly as the upstream spelled it
LAST_MODIFIED = "Wed, 01 Jan 2025 00:00:00 GMT"
NO_PAGE = "no upstream version found"
NO_JSON = "invalid JSON answer"
RUBYGEMS = "https://rubygems.org/api/v1/versions/"
HACKAGE = "https://hackage.haskell.org/package/"


@dataclasses.dataclass(frozen=True)
class Upstream:
    """How one backend meets its upstream, and what each failure must read (regexes)."""

    spec: ProjectSpec
    #: The first request of the check (its start: a query string may follow).
    url: str
    method: str = "GET"
    not_found: str = "answered HTTP 404"
    server_error: str = "answered HTTP 503"
    #: An answer that is not what the backend expects (and its content type).
    unreadable_body: str = "<html><body><a href='x"
    unreadable_type: str = "text/plain"
    unreadable: str = NO_PAGE
    #: The message of an empty answer (None: as an unreadable one).
    empty: str | None = None
    #: Every failure but a rate limit names :attr:`url` (pages read with a regex say where).
    names_url: bool = False
    #: What every failure but a rate limit starts with (a backend that words its context).
    prefix: str = ""
    #: Why the main request is not conditional, for a backend whose is not.
    unconditional_because: str | None = None
    #: Settings the check needs (fields of :class:`BackendsConfig`, e.g. a token).
    configured: dict[str, Any] = dataclasses.field(default_factory=dict)


def spec(name: str, homepage: str, backend: str, **fields: Any) -> ProjectSpec:
    return ProjectSpec(name=name, homepage=homepage, backend=backend, **fields)


def _later(project: ProjectSpec) -> ProjectSpec:
    """A project checked before: paging backends read only their newest page."""
    return dataclasses.replace(project, stored_versions=("0.1",))


def _page(name: str, homepage: str, backend: str, url: str, body: str, **fields: Any) -> Upstream:
    """A backend that reads a page with a regex: each failure names the page."""
    project = spec(name, homepage, backend, **fields)
    return Upstream(project, url, unreadable_body=body, names_url=True)


UPSTREAMS: dict[str, Upstream] = {
    "AUR": Upstream(
        spec("yay", "https://github.com/Jguer/yay", "AUR"),
        # The request escapes the brackets of arg[] (aurweb reads both spellings).
        "https://aur.archlinux.org/rpc/?v=5&type=info&arg%5B%5D=yay",
        not_found=re.escape(
            "https://aur.archlinux.org/rpc/?v=5&type=info&arg[]=yay: no aurweb RPC interface"
        ),
        unreadable_body='{"results": [',
        unreadable=NO_JSON,
    ),
    "BitBucket": Upstream(
        _later(spec("upcxx", "https://bitbucket.org/berkeleylab/upcxx/src/master/", "BitBucket")),
        "https://api.bitbucket.org/2.0/repositories/berkeleylab/upcxx/refs/tags",
        prefix="Could not retrieve versions from Bitbucket API: ",
        not_found=r"^Could not retrieve versions from Bitbucket API: .*HTTP 404",
        server_error="Bitbucket API: .*HTTP 503",
        unreadable_body="<html>",
        unreadable="Bitbucket API: .*invalid JSON",
        empty=NO_JSON,
    ),
    "Cgit": Upstream(
        spec("Foo", "https://git.example.org/cgit/foo.git/", "Cgit"),
        "https://git.example.org/cgit/foo.git/refs/tags",
        unreadable_body="<table><tr><td><a href='x'>",
    ),
    "conda": Upstream(
        spec("numpy", "https://numpy.org", "conda"),
        "https://api.anaconda.org/package/conda-forge/numpy",
        not_found=re.escape(
            'No package "numpy" in the conda-forge channel: '
            "https://api.anaconda.org/package/conda-forge/numpy"
        ),
        unreadable_body='{"versions": [',
        unreadable=NO_JSON,
    ),
    # A tag list is in lexical order over its pages: every check reads them all.
    "Container registry (OCI)": Upstream(
        spec("app", "https://a.example", "Container registry (OCI)", version_url="ghcr.io/o/app"),
        "https://ghcr.io/v2/o/app/tags/list",
        not_found=re.escape('No image "o/app" on ghcr.io: https://ghcr.io/v2/o/app/tags/list'),
        unreadable_body='{"tags": [',
        unreadable=NO_JSON,
        unconditional_because="tags are listed in lexical order: page 1 unchanged, new tags later",
    ),
    "Copr": Upstream(
        _later(
            spec(
                "copr-frontend",
                "https://github.com/fedora-copr/copr",
                "Copr",
                version_url="@copr/copr-dev/copr-frontend",
            )
        ),
        "https://copr.fedorainfracloud.org/api_3/build/list/",
        unreadable_body="<html>",
        unreadable=NO_JSON,
    ),
    "CPAN (perl)": Upstream(
        spec("Foo-Bar", "https://metacpan.org/dist/Foo-Bar/", "CPAN (perl)"),
        "https://metacpan.org/dist/Foo-Bar/",
        not_found=re.escape("https://metacpan.org/dist/Foo-Bar/ answered HTTP 404"),
        unreadable_body="<html><a href='Foo-Bar-",
        unreadable="^Foo-Bar: no upstream version found\\.",
    ),
    "CRAN (R)": Upstream(
        spec("foo", "https://cran.r-project.org/package=foo", "CRAN (R)"),
        "https://crandb.r-pkg.org/foo/all",
        not_found=re.escape('No package "foo" on CRAN: https://crandb.r-pkg.org/foo/all'),
        unreadable_body='{"versions": {',
        unreadable=NO_JSON,
    ),
    "crates.io": Upstream(
        spec("foo", "https://crates.io/crates/foo", "crates.io"),
        "https://crates.io/api/v1/crates/foo/versions",
        not_found=re.escape('No crate "foo" on crates.io: '),
        unreadable_body="{'versions': []}",
        unreadable=NO_JSON,
    ),
    "custom": _page(
        "foo",
        "https://foo.example.org/",
        "custom",
        "https://foo.example.org/download/",
        "<html><<<>",
        version_url="https://foo.example.org/download/",
    ),
    "Debian project": _page(
        "foo",
        "https://foo.example.org/",
        "Debian project",
        "http://ftp.debian.org/debian/pool/main/f/foo/",
        "<html><body",
    ),
    "Docker Hub": Upstream(
        spec("nginx", "https://hub.docker.com/_/nginx", "Docker Hub"),
        "https://registry-1.docker.io/v2/library/nginx/tags/list",
        not_found=re.escape('No image "library/nginx" on registry-1.docker.io: https://'),
        unreadable_body="<html>",
        unreadable=NO_JSON,
        unconditional_because="tags are listed in lexical order: page 1 unchanged, new tags later",
    ),
    "Drupal6": _page(
        "admin_menu",
        "https://www.drupal.org/project/admin_menu",
        "Drupal6",
        "https://updates.drupal.org/release-history/admin_menu/6.x",
        "<html><p>oops",
    ),
    "Drupal7": _page(
        "admin_menu",
        "https://www.drupal.org/project/admin_menu",
        "Drupal7",
        "https://updates.drupal.org/release-history/admin_menu/7.x",
        "<html><p>oops",
    ),
    "folder": _page(
        "foo",
        "https://foo.example.org/",
        "folder",
        "https://download.example.org/pub/foo/",
        "<html><a href=</html>",
        version_url="https://download.example.org/pub/foo/",
    ),
    "Freshmeat": _page(
        "foo",
        "http://freecode.com/projects/foo",
        "Freshmeat",
        "http://freshmeat.net/projects/foo",
        "<a href=/projects",
    ),
    "Git (any host)": Upstream(
        spec("repo", "https://git.example.org/owner/repo.git", "Git (any host)"),
        "https://git.example.org/owner/repo.git/info/refs?service=git-upload-pack",
        not_found=r"^No Git repository at https://git\.example\.org/owner/repo\.git: .*HTTP 404",
        unreadable_body="<html><body><form action='/login'>",
        unreadable="^Not a Git repository: .* answered a web page",
        empty="^Not a Git repository: .* answered an empty page",
        names_url=True,
    ),
    # A later check asks the REST API conditionally first, then GraphQL (by POST).
    "GitHub": Upstream(
        _later(spec("bar", "https://github.com/foo/bar", "GitHub")),
        "https://api.github.com/repos/foo/bar/git/matching-refs/tags",
        not_found=r'^bar: Server responded with status "404"',
        server_error=r'^bar: Server responded with status "503": "Service Unavailable"$',
        unreadable_body="{not json",
        unreadable=NO_JSON,
        configured={"github_access_token": "contract-token"},
    ),
    "GitLab": Upstream(
        _later(spec("proj", "https://gitlab.example.org/group/sub/proj/", "GitLab")),
        "https://gitlab.example.org/api/v4/projects/group%2Fsub%2Fproj/repository/tags",
        unreadable_body="<html>",
        unreadable=NO_JSON,
    ),
    "Gitea": Upstream(
        _later(spec("repo", "https://codeberg.org/owner/repo", "Gitea")),
        "https://codeberg.org/api/v1/repos/owner/repo/tags",
        unreadable_body="<html>",
        unreadable=NO_JSON,
    ),
    # cache.json first; after a 404 or an unreadable one, the folder (which fails alike).
    "GNOME": Upstream(
        spec("foo", "https://gitlab.gnome.org/GNOME/foo", "GNOME"),
        "https://download.gnome.org/sources/foo/cache.json",
        not_found=re.escape("https://download.gnome.org/sources/foo/ answered HTTP 404"),
        unreadable_body="<a href=",
        unreadable="^foo: no upstream version found",
    ),
    "GNU project": _page(
        "foo",
        "https://www.gnu.org/software/foo/",
        "GNU project",
        "https://ftpmirror.gnu.org/gnu/foo/",
        "<a href='x",
    ),
    # An empty list sends the check to @latest, whose empty answer is not JSON.
    "Go modules": Upstream(
        spec("github.com/go-kit/kit", "https://github.com/go-kit/kit", "Go modules"),
        "https://proxy.golang.org/github.com/go-kit/kit/@v/list",
        not_found=re.escape('No Go module "github.com/go-kit/kit" on https://proxy.golang.org: '),
        unreadable=r"@v/list: unexpected answer \(no line is a version",
        empty=NO_JSON,
    ),
    "Gogs": Upstream(
        spec("repo", "https://gogs.example.org/owner/repo", "Gogs"),
        "https://gogs.example.org/owner/repo/releases",
        unreadable_body="<<<>>><i class=tag",
    ),
    "Hackage": Upstream(
        spec("foo-bar", "https://hackage.haskell.org/package/foo-bar", "Hackage"),
        "https://hackage.haskell.org/package/foo-bar",
        not_found=re.escape("https://hackage.haskell.org/package/foo-bar answered HTTP 404"),
        unreadable_body="<html><a href='foo-bar-",
        unreadable="^foo-bar: no upstream version found\\.",
    ),
    "Hex.pm": Upstream(
        spec("foo", "https://hex.pm/packages/foo", "Hex.pm"),
        "https://hex.pm/api/packages/foo",
        not_found=re.escape('No package "foo" on hex.pm: https://hex.pm/api/packages/foo'),
        unreadable_body='{"releases": [',
        unreadable=NO_JSON,
    ),
    "Homebrew": Upstream(
        spec("wget", "https://www.gnu.org/software/wget/", "Homebrew"),
        "https://formulae.brew.sh/api/formula/wget.json",
        not_found=re.escape(
            'No formula "wget" in Homebrew: https://formulae.brew.sh/api/formula/wget.json'
        ),
        unreadable_body='{"versions": {',
        unreadable=NO_JSON,
    ),
    "Homebrew Cask": Upstream(
        spec("firefox", "https://www.mozilla.org/firefox/", "Homebrew Cask"),
        "https://formulae.brew.sh/api/cask/firefox.json",
        not_found=re.escape(
            'No cask "firefox" in Homebrew: https://formulae.brew.sh/api/cask/firefox.json'
        ),
        unreadable_body='{"version": "1',
        unreadable=NO_JSON,
    ),
    "Helm": Upstream(
        spec(
            "widget",
            "https://widget.example.com/",
            "Helm",
            version_url="https://charts.example.com/stable",
        ),
        "https://charts.example.com/stable/index.yaml",
        not_found=re.escape(
            "No Helm chart repository at https://charts.example.com/stable/index.yaml (HTTP 404)"
        ),
        unreadable_body="entries: {widget: [",
        unreadable="index.yaml: invalid YAML answer",
        empty=r"index.yaml: unexpected answer \(not a Helm repository index",
        names_url=True,
    ),
    "Launchpad": _page(
        "foo",
        "https://launchpad.net/foo",
        "Launchpad",
        "https://launchpad.net/foo/+download",
        "<html><div",
    ),
    "Maven Central": Upstream(
        spec("foo", "https://acme.example/foo", "Maven Central", version_url="org.acme:foo-core"),
        "https://repo1.maven.org/maven2/org/acme/foo-core/",
        not_found=re.escape("https://repo1.maven.org/maven2/org/acme/foo-core/ answered HTTP 404"),
        unreadable_body="<html><a href='1.0",
        unreadable=re.escape(
            "No version directory found at https://repo1.maven.org/maven2/org/acme/foo-core/"
        ),
    ),
    "npmjs": Upstream(
        spec("foo", "https://www.npmjs.com/package/foo", "npmjs"),
        "https://registry.npmjs.org/foo",
        not_found=re.escape("No versions found at https://registry.npmjs.org/foo"),
        unreadable_body='{"versions": {',
        unreadable=NO_JSON,
    ),
    "NuGet": Upstream(
        spec("Foo.Bar", "https://www.nuget.org/packages/Foo.Bar", "NuGet"),
        "https://api.nuget.org/v3-flatcontainer/foo.bar/index.json",
        not_found=re.escape('No package "Foo.Bar" on nuget.org: https://api.nuget.org/'),
        unreadable_body='{"versions": [',
        unreadable=NO_JSON,
    ),
    "Open VSX": Upstream(
        _later(spec("redhat.java", "https://github.com/redhat-developer/vscode-java", "Open VSX")),
        "https://open-vsx.org/api/redhat/java/versions",
        not_found=re.escape(
            'No extension "redhat.java" on open-vsx.org: '
            "https://open-vsx.org/api/redhat/java/versions"
        ),
        unreadable_body='{"versions": {',
        unreadable=NO_JSON,
    ),
    "Packagist": Upstream(
        spec("foo", "https://acme.example/foo", "Packagist", version_url="acme"),
        "https://packagist.org/packages/acme/foo.json",
        not_found=re.escape("Package not found: https://packagist.org/packages/acme/foo.json"),
        unreadable_body='{"package": {',
        unreadable=NO_JSON,
    ),
    "pagure": Upstream(
        spec("fedora-infra/tool", "https://pagure.io/x", "pagure"),
        "https://pagure.io/api/0/fedora-infra/tool/git/tags",
        not_found="Project not found",
        unreadable_body="{",
        unreadable=NO_JSON,
    ),
    "PEAR": Upstream(
        spec("Net-SMTP", "https://pear.php.net/package/Net_SMTP", "PEAR"),
        "https://pear.php.net/rest/r/net_smtp/allreleases.xml",
        not_found="no such package on pear.php.net",
        unreadable_body="<a><r><v>1.0</v></r>",
        unreadable="invalid XML answer",
    ),
    "PECL": Upstream(
        spec("Net-SMTP", "https://pear.php.net/package/Net_SMTP", "PECL"),
        "https://pecl.php.net/rest/r/net_smtp/allreleases.xml",
        not_found="no such package on pecl.php.net",
        unreadable_body="<a><r><v>1.0</v></r>",
        unreadable="invalid XML answer",
    ),
    "pub.dev": Upstream(
        spec("foo", "https://pub.dev/packages/foo", "pub.dev"),
        "https://pub.dev/api/packages/foo",
        not_found=re.escape('No package "foo" on pub.dev: https://pub.dev/api/packages/foo'),
        unreadable_body='{"versions": [',
        unreadable=NO_JSON,
    ),
    "PyPI": Upstream(
        spec("foo", "https://pypi.org/project/foo/", "PyPI"),
        "https://pypi.org/pypi/foo/json",
        not_found=re.escape("Package not found on PyPI: https://pypi.org/pypi/foo/json"),
        unreadable_body='{"releases": {"1.0": [',
        unreadable=NO_JSON,
    ),
    # The index answers JSON or HTML by content type; an empty page lists no file.
    "PyPI simple": Upstream(
        spec("Foo_Bar", "https://example.org/foo", "PyPI simple"),
        "https://pypi.org/simple/foo-bar/",
        not_found=re.escape('has no project "Foo_Bar": https://pypi.org/simple/foo-bar/'),
        unreadable_body='{"files": [',
        unreadable_type="application/vnd.pypi.simple.v1+json",
        unreadable=NO_JSON,
        empty="No installable distribution file",
    ),
    "Rubygems": Upstream(
        spec("foo", "https://rubygems.org/gems/foo", "Rubygems"),
        f"{RUBYGEMS}foo.json",
        # The full list's 404 sends the check to latest.json, which answers 404 too.
        not_found=re.escape(
            "https://rubygems.org/api/v1/versions/foo/latest.json answered HTTP 404"
        ),
        unreadable_body='[{"number": "1.0"',
        unreadable=NO_JSON,
    ),
    "Sourceforge": _page(
        "foo",
        "https://sourceforge.net/projects/foo/",
        "Sourceforge",
        "https://sourceforge.net/projects/foo/rss?limit=200",
        "<rss><channel",
    ),
    "Sourceforge (git)": Upstream(
        spec("proj", "https://sourceforge.net/p/proj/code/ci/master/tree/", "Sourceforge (git)"),
        "https://sourceforge.net/p/proj/code/ref/master/tags/",
        unreadable_body="<a href='/p/proj/code/ci/",
    ),
    "SourceHut": Upstream(
        spec("repo", "https://git.sr.ht/~owner/repo", "SourceHut"),
        "https://git.sr.ht/~owner/repo/refs/rss.xml",
        unreadable_body="<rss><channel>",
        unreadable="invalid XML answer",
    ),
    "Stackage": Upstream(
        spec("foo", "https://www.stackage.org/package/foo", "Stackage"),
        "https://www.stackage.org/package/foo",
        not_found=re.escape("https://www.stackage.org/package/foo answered HTTP 404"),
        # A version link cut off in the middle of its markup.
        unreadable_body=f'<a href="{HACKAGE}foo"><span class="version">1.0</spa',
        unreadable="^foo: no upstream version found\\.",
    ),
    "Terraform Registry": Upstream(
        spec(
            "hashicorp/aws",
            "https://registry.terraform.io/providers/hashicorp/aws",
            "Terraform Registry",
        ),
        "https://registry.terraform.io/v1/providers/hashicorp/aws/versions",
        not_found=re.escape('No provider "hashicorp/aws" on registry.terraform.io: https://'),
        unreadable_body='{"versions": [',
        unreadable=NO_JSON,
    ),
}


# What every request of a check gets, by kind of hostility ("unreadable" is the row's own).
ANSWERS: dict[str, dict[str, Any]] = {
    "not_found": {"status": 404, "body": "<html>Not Found</html>", "content_type": "text/html"},
    "server_error": {
        "status": 503,
        "body": "<html>Service Unavailable</html>",
        "content_type": "text/html",
    },
    "empty": {"body": ""},
    "connect_timeout": {"body": requests.exceptions.ConnectTimeout()},
    "read_timeout": {"body": requests.exceptions.ReadTimeout()},
    "connection_refused": {
        "body": requests.exceptions.ConnectionError(
            ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
        )
    },
    "oversized": {"body": "x" * (LIMIT * 5)},
    "rate_limited": {"status": 429, "headers": {"Retry-After": "60"}},
    "rate_limited_bare": {"status": 429},
}
FAILURES = ("unreadable", *ANSWERS)
CONDITIONAL = [
    name
    for name in backend_names()
    if name not in UPSTREAMS or not UPSTREAMS[name].unconditional_because
]


def _upstream(name: str) -> Upstream:
    assert name in UPSTREAMS, f"Add a row for the {name} backend to UPSTREAMS"
    return UPSTREAMS[name]


def _every_request_answers(mock: responses.RequestsMock, **answer: Any) -> None:
    for method in ("GET", "POST"):
        mock.add(method, re.compile(r".*"), **answer)


@pytest.fixture
def check(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[Release]]:
    """Run a backend's check on its row's project, as the pipeline would, with the size cap
    :data:`LIMIT`, the default timeouts (10 s to connect, 30 s to read) and the row's
    settings; ``client_options`` go to the check's :class:`HttpClient`."""

    def run(name: str, **client_options: Any) -> list[Release]:
        upstream = _upstream(name)
        http = HttpConfig(max_response_bytes=LIMIT, connect_timeout=10, read_timeout=30)
        config = BackendsConfig(http=http, **upstream.configured)
        monkeypatch.setattr(backends.config, "_current", config)
        return get_backend(name).fetch(upstream.spec, HttpClient(**client_options))

    return run


def _expected(upstream: Upstream, kind: str, requested: str) -> str:
    """The regex the message of a ``kind`` failure must search; the client words timeouts,
    refused connections and oversized answers itself, naming the request's host and URL."""
    parts = urlsplit(requested)
    host, port = parts.hostname, parts.port or {"https": 443, "http": 80}[parts.scheme]
    shown = re.escape(f"({display_url(requested)})")
    by_kind = {
        "not_found": upstream.not_found,
        "server_error": upstream.server_error,
        "unreadable": upstream.unreadable,
        "empty": upstream.empty or upstream.unreadable,
        "connect_timeout": re.escape(
            f"Could not connect to {host} port {port}: the connection timed out after 10 s. "
        )
        + f".*{shown}",
        "read_timeout": re.escape(
            f"{host} accepted the connection but sent no answer within 30 s. "
        )
        + f".*{shown}",
        "connection_refused": re.escape(
            f"Could not connect to {host} port {port}: the connection was refused. "
        )
        + f".*{shown}",
        "oversized": re.escape(f"{display_url(requested)} answered more than {LIMIT} bytes"),
        "rate_limited": "^Rate limit was reached",
        "rate_limited_bare": "^Rate limit was reached",
    }
    return by_kind[kind]


def assert_readable(error: BaseException) -> None:
    """One line a person can act on: no traceback, no Python or urllib3 reprs."""
    text = str(error)
    assert text and text == text.strip() and "\n" not in text
    for junk in ("Traceback", "object at 0x", "ConnectionPool(", "Max retries", "<class "):
        assert junk not in text, text


def test_every_backend_has_a_contract_row():
    assert sorted(UPSTREAMS, key=str.lower) == backend_names()


@pytest.mark.parametrize("kind", FAILURES)
@pytest.mark.parametrize("name", backend_names())
def test_a_hostile_upstream_is_a_readable_backend_error(check, mock_http, name, kind):
    upstream = _upstream(name)
    if kind == "unreadable":
        answer = {"body": upstream.unreadable_body, "content_type": upstream.unreadable_type}
    else:
        answer = ANSWERS[kind]
    _every_request_answers(mock_http, **answer)
    started = dt.datetime.now(dt.UTC)

    with pytest.raises(BackendError) as raised:
        check(name)

    # The check asked its upstream first (a client-worded message names that request).
    requested = mock_http.calls[0].request
    assert requested.method == upstream.method
    assert requested.url.startswith(upstream.url), requested.url
    error = raised.value
    assert_readable(error)
    assert re.search(_expected(upstream, kind, requested.url), str(error)), str(error)
    if kind.startswith("rate_limited"):
        assert isinstance(error, RateLimited)
        assert error.scope == get_backend(name).rate_limit_scope(upstream.spec)
        wait = (error.reset_at - started).total_seconds()
        assert (55 <= wait <= 65) if kind == "rate_limited" else wait > 0
    else:
        assert not isinstance(error, RateLimited)
        assert str(error).startswith(upstream.prefix)
        if upstream.names_url:
            assert upstream.url in str(error)


@pytest.mark.parametrize("name", CONDITIONAL)
def test_the_main_request_is_conditional(check, mock_http, name):
    upstream = _upstream(name)
    validators = {"If-None-Match": ETAG, "If-Modified-Since": LAST_MODIFIED}
    # Only a request that sends both stored validators back gets the 304.
    _every_request_answers(mock_http, status=304, match=[matchers.header_matcher(validators)])

    with pytest.raises(NotModified):
        check(name, etag=ETAG, last_modified=LAST_MODIFIED)
    assert mock_http.calls[0].request.url.startswith(upstream.url)
