"""Credentials split off project URLs (issue #13): the pure helpers, and how the HTTP client
and FTP login use them: to their exact origin only, never after a redirect to another host or
a downgrade, and never over an operator's or a backend's own authentication."""

from __future__ import annotations

import base64

import pytest

from backends import http
from backends.base import ProjectSpec
from backends.credentials import origin, redact, split_userinfo
from backends.http import HttpClient
from backends.pipeline import preview
from tests.backends.test_http import FakeFTP


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# -- the helpers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Host.Example.org/simple/", "https://host.example.org"),
        ("https://host.example.org:443/simple/", "https://host.example.org"),
        ("https://host.example.org:8443/", "https://host.example.org:8443"),
        ("http://host.example.org:80/", "http://host.example.org"),
        ("HTTP://user:pw@host.example.org/", "http://host.example.org"),
        ("ftp://ftp.example.org:21/pub/", "ftp://ftp.example.org"),
        ("ftps://ftp.example.org/pub/", "ftps://ftp.example.org"),
        ("http://[::1]:8080/", "http://[::1]:8080"),
        ("owner/repo", None),
        ("", None),
        (None, None),
        ("https://host.example.org:99999/", None),
    ],
)
def test_origin(url, expected):
    assert origin(url) == expected


@pytest.mark.parametrize(
    ("url", "clean", "found"),
    [
        (
            "https://user:s3cret@host.example.org/simple/",
            "https://host.example.org/simple/",
            ("user", "s3cret"),
        ),
        ("ftp://user:pw@ftp.example.org/pub/", "ftp://ftp.example.org/pub/", ("user", "pw")),
        ("https://TOKEN@gitlab.example.org/x", "https://gitlab.example.org/x", ("TOKEN", "")),
        (
            "https://us%40er:p%3Aw%40d@host.example.org:8443/a?b=c@d#e",
            "https://host.example.org:8443/a?b=c@d#e",
            ("us@er", "p:w@d"),
        ),
        ("https://user:p@ss@host.example.org/", "https://host.example.org/", ("user", "p@ss")),
        ("https://host.example.org/a@b", "https://host.example.org/a@b", None),
        ("git@github.com:owner/repo", "git@github.com:owner/repo", None),
        ("owner/repo", "owner/repo", None),
        (None, None, None),
    ],
)
def test_split_userinfo(url, clean, found):
    assert split_userinfo(url) == (clean, found)


def test_redact_removes_the_userinfo_of_every_url_in_a_text():
    text = 'Could not call "https://user:s3cret@host/simple/" nor ftp://a:b@c/d, only https://e/f@g'
    assert redact(text) == 'Could not call "https://host/simple/" nor ftp://c/d, only https://e/f@g'


def test_a_spec_never_shows_its_credentials():
    spec = ProjectSpec(
        name="tool",
        homepage="https://host.example.org/",
        backend="custom",
        credentials={"https://host.example.org": ("user", "s3cret")},
    )
    assert "s3cret" not in repr(spec)
    assert spec == ProjectSpec(name="tool", homepage="https://host.example.org/", backend="custom")
    hash(spec)  # still hashable


# -- HTTP -------------------------------------------------------------------------------------

PRIVATE = {"https://index.example.org": ("user", "s3cret")}


def test_stored_credentials_go_to_their_exact_origin_only(mock_http):
    for url in (
        "https://index.example.org/simple/tool/",
        "http://index.example.org/simple/tool/",
        "https://index.example.org:8443/simple/tool/",
        "https://other.example.org/simple/tool/",
    ):
        mock_http.get(url, body="ok")
    client = HttpClient(credentials=PRIVATE)
    client.get("https://index.example.org/simple/tool/")
    client.get("http://index.example.org/simple/tool/")  # in clear: no
    client.get("https://index.example.org:8443/simple/tool/")  # another port: no
    client.get("https://other.example.org/simple/tool/")
    sent = [call.request.headers.get("Authorization") for call in mock_http.calls]
    assert sent == [basic("user", "s3cret"), None, None, None]


def test_non_latin1_credentials_are_sent_as_utf8(mock_http):
    mock_http.get("https://index.example.org/", body="ok")
    HttpClient(credentials={"https://index.example.org": ("josé", "пароль")}).get(
        "https://index.example.org/"
    )
    expected = "Basic " + base64.b64encode("josé:пароль".encode()).decode()
    assert mock_http.calls[0].request.headers["Authorization"] == expected


@pytest.mark.parametrize(
    "target",
    [
        "https://cdn.example.net/simple/tool/",  # another host
        "http://index.example.org/simple/tool/",  # a downgrade
        "https://index.example.org:8443/simple/tool/",  # another port
    ],
)
def test_stored_credentials_are_not_sent_on_after_a_redirect(mock_http, target):
    mock_http.get(
        "https://index.example.org/simple/tool/", status=302, headers={"Location": target}
    )
    mock_http.get(target, body="ok")
    HttpClient(credentials=PRIVATE).get("https://index.example.org/simple/tool/")
    assert mock_http.calls[0].request.headers["Authorization"] == basic("user", "s3cret")
    assert "Authorization" not in mock_http.calls[1].request.headers


def test_a_redirect_within_the_origin_keeps_them(mock_http):
    mock_http.get("https://index.example.org/a", status=301, headers={"Location": "/b"})
    mock_http.get("https://index.example.org/b", body="ok")
    HttpClient(credentials=PRIVATE).get("https://index.example.org/a")
    assert mock_http.calls[1].request.headers["Authorization"] == basic("user", "s3cret")


def test_a_backends_own_authentication_wins(mock_http):
    mock_http.get("https://index.example.org/a", body="ok")
    client = HttpClient(credentials=PRIVATE)
    client.get("https://index.example.org/a", auth=("operator", "x"))
    client.get("https://index.example.org/a", headers={"Authorization": "token abc"})
    sent = [call.request.headers["Authorization"] for call in mock_http.calls]
    assert sent == [basic("operator", "x"), "token abc"]


def test_errors_name_the_clean_url(mock_http):
    mock_http.get("https://index.example.org/simple/tool/", status=404)
    with pytest.raises(http.HTTPStatusError) as raised:
        HttpClient(credentials=PRIVATE).get("https://index.example.org/simple/tool/")
    assert "s3cret" not in str(raised.value)
    assert "https://index.example.org/simple/tool/" in str(raised.value)


def test_the_pipeline_passes_the_specs_credentials(mock_http):
    mock_http.get("https://index.example.org/simple/tool/", body='<a href="x">tool-1.0.tar.gz</a>')
    spec = ProjectSpec(
        name="tool",
        homepage="https://index.example.org/",
        backend="PyPI simple",
        version_url="https://index.example.org/simple/",
        credentials=PRIVATE,
    )
    assert [found.raw for found in preview(spec).versions] == ["1.0"]
    assert mock_http.calls[0].request.headers["Authorization"] == basic("user", "s3cret")


def test_operator_settings_win_over_stored_credentials(mock_http, settings):
    settings.PYPI_SIMPLE_CREDENTIALS = {
        "index.example.org": {"username": "operator", "password": "o"}
    }
    mock_http.get("https://index.example.org/simple/tool/", body='<a href="x">tool-1.0.tar.gz</a>')
    spec = ProjectSpec(
        name="tool",
        homepage="https://index.example.org/",
        backend="PyPI simple",
        version_url="https://index.example.org/simple/",
        credentials=PRIVATE,
    )
    preview(spec)
    assert mock_http.calls[0].request.headers["Authorization"] == basic("operator", "o")


# -- FTP --------------------------------------------------------------------------------------


class RecordingFTP(FakeFTP):
    def login(self, user="", passwd=""):
        self.user, self.passwd = user, passwd


@pytest.fixture
def ftp(monkeypatch) -> type[RecordingFTP]:
    FakeFTP.instances = []  # where FakeFTP.__init__ records them
    RecordingFTP.listings = {"/gnu/foo/": "-rw-r--r--    1 ftp ftp  15 Jan 01  2021 README\r\n"}
    RecordingFTP.files = {"/gnu/foo/README": b"foo 1.10 is out"}
    monkeypatch.setattr(http.ftp.ftplib, "FTP", RecordingFTP)
    return RecordingFTP


def test_ftp_logs_in_with_the_stored_credentials_of_its_origin(ftp):
    client = HttpClient(credentials={"ftp://ftp.example.org": ("bob", "pw")})
    assert client.get_text("ftp://ftp.example.org/gnu/foo/README") == "foo 1.10 is out"
    client.get_text("ftp://mirror.example.org/gnu/foo/README")
    logins = [(instance.user, instance.passwd) for instance in FakeFTP.instances]
    assert logins == [("bob", "pw"), ("", "")]  # another host: anonymous


def test_ftp_errors_never_name_the_credentials(ftp):
    client = HttpClient(credentials={"ftp://ftp.example.org": ("bob", "pw-s3cret")})
    with pytest.raises(http.FetchError) as raised:
        client.get("ftp://ftp.example.org/missing/")
    assert "s3cret" not in str(raised.value)
