"""The PyPI simple backend: any index speaking the simple repository API (PEP 503 / PEP 691)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re

import pytest

from backends.base import BackendError, ProjectSpec, Release
from backends.http import HttpClient
from backends.registry import get_backend
from backends.upstreams.pypi_simple import normalize_name, version_from_filename
from tests.backends.conftest import upstream_failure

PYPI = "https://pypi.org/simple/foo-bar/"
PRIVATE = "https://pypi.example.com/simple/foo-bar/"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"


def spec(**fields) -> ProjectSpec:
    values = {"name": "Foo_Bar", "homepage": "https://example.org/foo", "backend": "PyPI simple"}
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("PyPI simple").fetch(project, client or HttpClient())


def versions(project: ProjectSpec, client: HttpClient | None = None) -> list[str]:
    """The installable versions (those the index withdrew left out)."""
    return [release.version for release in fetch(project, client) if not release.withdrawn]


def withdrawn(project: ProjectSpec) -> list[str]:
    return [release.version for release in fetch(project) if release.withdrawn]


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_version_url_is_the_normalised_project_page_under_the_root():
    backend = get_backend("PyPI simple")

    assert backend.version_url(spec()) == PYPI
    assert backend.version_url(spec(name="zope.Interface")) == (
        "https://pypi.org/simple/zope-interface/"
    )
    root = "https://devpi.example.org/root/pypi/+simple"
    assert backend.version_url(spec(version_url=root)) == f"{root}/foo-bar/"
    assert backend.version_url(spec(version_url=root + "/")) == f"{root}/foo-bar/"
    # A project page entered as the version URL is used as is.
    assert backend.version_url(spec(version_url=f"{root}/Foo.Bar")) == f"{root}/Foo.Bar/"
    assert backend.fields["version_url"].label == "Simple index URL"
    assert normalize_name("Foo__Bar.-baz") == "foo-bar-baz"


@pytest.mark.parametrize(
    ("filename", "version"),
    [
        ("foo_bar-1.0.tar.gz", "1.0"),
        ("Foo-Bar-2.0.zip", "2.0"),
        ("foo_bar-1.0-RC1.tar.gz", "1.0rc1"),
        ("foo_bar-3.1-py3-none-any.whl", "3.1"),
        ("foo_bar-3.2-1-cp312-cp312-manylinux_2_17_x86_64.whl", "3.2"),
        ("foo-bar-0.9.tar.bz2", "0.9"),
        ("foo-bar-0.8.tgz", "0.8"),
        ("foo_bar-1.0-py2.7.egg", None),
        ("foo_bar-1.0.win32.exe", None),
        ("foo_bar-not.a.version.tar.gz", None),
        ("other-1.0-rc1.tar.gz", None),
        ("garbage.whl", None),
        ("README", None),
    ],
)
def test_versions_come_from_distribution_file_names(filename, version):
    assert version_from_filename(filename, "foo-bar") == version


PYPI_JSON = {
    "meta": {"api-version": "1.1"},
    "name": "foo-bar",
    "files": [
        {
            "filename": "foo_bar-1.0.tar.gz",
            "url": "https://files.example/foo_bar-1.0.tar.gz",
            "hashes": {"sha256": "00"},
            "upload-time": "2023-01-02T03:04:05.678Z",
        },
        {
            "filename": "foo_bar-1.0-py3-none-any.whl",
            "url": "https://files.example/foo_bar-1.0-py3-none-any.whl",
            "hashes": {},
            "upload-time": "2023-01-01T00:00:00Z",
        },
        {"filename": "foo_bar-1.1.tar.gz", "url": "u", "hashes": {}, "yanked": "broken build"},
        {"filename": "foo_bar-1.2rc1.tar.gz", "url": "u", "hashes": {}, "yanked": False},
        {"filename": "foo_bar-1.3.tar.gz", "url": "u", "hashes": {}, "yanked": True},
        {"filename": "foo_bar-1.3-py3-none-any.whl", "url": "u", "hashes": {}, "yanked": ""},
        {"filename": 42, "url": "u"},
        "junk",
    ],
    "versions": ["1.0", "1.1", "1.2rc1", "1.3"],
}


def test_pypi_json_answer(mock_http):
    mock_http.get(PYPI, body=json.dumps(PYPI_JSON), content_type=JSON_TYPE)

    found = {r.version: (r.published_at, r.withdrawn) for r in fetch(spec())}

    # 1.1 is yanked (a reason string); 1.3 keeps one non-yanked file (an empty reason).
    assert found == {
        "1.0": (dt.datetime(2023, 1, 1, tzinfo=dt.UTC), False),
        "1.1": (None, True),
        "1.2rc1": (None, False),
        "1.3": (None, False),
    }
    accept = mock_http.calls[0].request.headers["Accept"]
    assert accept.startswith("application/vnd.pypi.simple.v1+json, ")
    assert "application/vnd.pypi.simple.v1+html;q=0.2" in accept
    assert "Authorization" not in mock_http.calls[0].request.headers


DEVPI_HTML = """<!DOCTYPE html>
<html><head><title>foo-bar: links for foo-bar</title></head><body>
<h1>root/pypi: links for foo-bar</h1>
<a href="../../+f/5a1/0b2c3d4e5f607/foo_bar-2.0.tar.gz#sha256=5a10b2c3"
   data-requires-python="&gt;=3.8">foo_bar-2.0.tar.gz</a><br>
<a href="../../+f/6b2/foo_bar-2.0-py3-none-any.whl#sha256=6b2">foo_bar-2.0-py3-none-any.whl</a><br>
<a href="../../+f/7c3/Foo-Bar-1.9.1.zip#sha256=7c3">Foo-Bar-1.9.1.zip</a><br>
<a href="../../+f/8d4/foo_bar-2.1b1-py3-none-any.whl#sha256=8d4" data-yanked=""
   >foo_bar-2.1b1-py3-none-any.whl</a><br>
<a href="../../+f/9e5/foo_bar-1.0-py2.7.egg">foo_bar-1.0-py2.7.egg</a><br>
<a href="../../+f/0f6/foo-bar-0.5.tar.bz2"></a><br>
</body></html>"""


def test_devpi_like_html_page(mock_http):
    root = "https://devpi.example.org/root/pypi/+simple/"
    mock_http.get(root + "foo-bar/", body=DEVPI_HTML, content_type="text/html")

    # The yanked wheel is the only file of 2.1b1; the anchor without text is named by its URL.
    assert versions(spec(version_url=root)) == ["2.0", "1.9.1", "0.5"]
    assert withdrawn(spec(version_url=root)) == ["2.1b1"]


PYPISERVER_HTML = """<html><head><title>Links for foo-bar</title></head><body>
<h1>Links for foo-bar</h1>
<a href="/packages/foo_bar-0.1.0.tar.gz#sha256=abc">foo_bar-0.1.0.tar.gz</a><br>
<a href="/packages/foo_bar-0.2.0.post1-py3-none-any.whl#sha256=def"
   >foo_bar-0.2.0.post1-py3-none-any.whl</a><br>
<a href="/packages/foo_bar-0.3.0.tar.gz#sha256=123" data-yanked="superseded"
   >foo_bar-0.3.0.tar.gz</a><br>
</body></html>"""


def test_pypiserver_html_page(mock_http):
    root = "https://pypiserver.example.org/simple/"
    mock_http.get(
        root + "foo-bar/", body=PYPISERVER_HTML, content_type="application/vnd.pypi.simple.v1+html"
    )

    assert versions(spec(version_url=root)) == ["0.1.0", "0.2.0.post1"]
    assert withdrawn(spec(version_url=root)) == ["0.3.0"]


def test_a_page_without_any_installable_file_is_an_error(mock_http):
    mock_http.get(PYPI, body="<html><body><h1>Links</h1><a>README</a></body></html>")

    with pytest.raises(
        BackendError, match=re.escape(f"No installable distribution file found at {PYPI}")
    ):
        fetch(spec())


CREDENTIALS = {
    "pypi.example.com": {"username": "bot", "password": "s3cret"},
    "https://pypi.example.com/simple/foo-bar/": {"username": "narrow", "password": "p"},
    "https://other.example.com/team/simple/": {"username": "team", "password": "t"},
}


def test_credentials_go_to_their_index_only(mock_http, settings):
    settings.PYPI_SIMPLE_CREDENTIALS = CREDENTIALS
    page = '<a href="x">foo_bar-1.0.tar.gz</a>'
    mock_http.get(PRIVATE, body=page)
    mock_http.get("https://pypi.example.com/other/simple/baz/", body=page)
    mock_http.get("https://other.example.com/team/simple/foo-bar/", body=page)
    mock_http.get("https://other.example.com/simple/foo-bar/", body=page)
    mock_http.get(PYPI, body=page)

    fetch(spec(version_url="https://pypi.example.com/simple/"))
    fetch(spec(name="baz", version_url="https://pypi.example.com/other/simple/"))
    fetch(spec(version_url="https://other.example.com/team/simple/"))
    fetch(spec(version_url="https://other.example.com/simple/"))
    fetch(spec())

    sent = [call.request.headers.get("Authorization") for call in mock_http.calls]
    # The longest matching key wins; a root URL key does not cover the rest of its host.
    assert sent == [basic("narrow", "p"), basic("bot", "s3cret"), basic("team", "t"), None, None]


def test_credentials_are_not_sent_to_another_host_after_a_redirect(mock_http, settings):
    settings.PYPI_SIMPLE_CREDENTIALS = CREDENTIALS
    elsewhere = "https://mirror.example.net/simple/foo-bar/"
    mock_http.get(PRIVATE, status=302, headers={"Location": elsewhere})
    mock_http.get(elsewhere, body='<a href="x">foo_bar-1.0.tar.gz</a>')

    assert versions(spec(version_url="https://pypi.example.com/simple/")) == ["1.0"]

    assert mock_http.calls[0].request.headers["Authorization"] == basic("narrow", "p")
    assert "Authorization" not in mock_http.calls[1].request.headers


def test_credentials_are_not_sent_in_clear_after_a_downgrade(mock_http, settings):
    settings.PYPI_SIMPLE_CREDENTIALS = CREDENTIALS
    clear = "http://pypi.example.com/simple/foo-bar/"
    mock_http.get(PRIVATE, status=301, headers={"Location": clear})
    mock_http.get(clear, body='<a href="x">foo_bar-1.0.tar.gz</a>')

    fetch(spec(version_url="https://pypi.example.com/simple/"))

    assert "Authorization" not in mock_http.calls[1].request.headers


def test_refused_credentials_say_so_without_showing_them(mock_http, settings):
    settings.PYPI_SIMPLE_CREDENTIALS = CREDENTIALS
    mock_http.get(PRIVATE, status=401)

    with pytest.raises(BackendError) as raised:
        fetch(spec(version_url="https://pypi.example.com/simple/"))

    assert "refused access" in str(raised.value)
    assert "PYPI_SIMPLE_CREDENTIALS" in str(raised.value)
    assert "narrow" not in str(raised.value)


@pytest.mark.parametrize("configured", [None, [], {"pypi.org": "not a dict"}, {"pypi.org": {}}])
def test_malformed_credentials_settings_send_nothing(mock_http, settings, configured):
    settings.PYPI_SIMPLE_CREDENTIALS = configured
    mock_http.get(PYPI, body='<a href="x">foo_bar-1.0.tar.gz</a>')

    assert versions(spec()) == ["1.0"]
    assert "Authorization" not in mock_http.calls[0].request.headers


@pytest.mark.parametrize(
    ("status", "body", "content_type", "error", "message"),
    [
        (200, '{"files": "none"}', JSON_TYPE, BackendError, "no list of files"),
        (200, "", "text/html", BackendError, "No installable distribution file"),
    ],
    ids=["json-without-files", "empty-html-page"],
)
def test_unexpected_answers_are_readable_errors(
    mock_http, status, body, content_type, error, message
):
    answer = {"status": status, "body": body, "content_type": content_type}
    failure = upstream_failure(mock_http, PYPI, answer, error, lambda: fetch(spec()))
    assert message in str(failure)
