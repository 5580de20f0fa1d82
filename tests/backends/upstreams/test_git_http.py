"""Git (any host): tags from the smart or dumb HTTP reference list, whatever the answer.

The recordings (``git-any-host.json``) are real answers of git's own server program, ``git
http-backend``, for repositories made by the commands in the file's ``source``. The
hand-built answers follow the Git documentation:

- gitprotocol-http(5), "Discovering References" (smart and dumb replies, the 403 rule, the
  ``^[0-9a-f]{4}#`` check): https://git-scm.com/docs/gitprotocol-http
- gitprotocol-pack(5), "Reference Discovery" (first ref with capabilities after a NUL, peeled
  ``^{}`` refs right after their tag, ``version 1``, ``shallow`` lines, ``capabilities^{}`` of
  an empty repository): https://git-scm.com/docs/gitprotocol-pack
- gitprotocol-common(5), "pkt-line Format" (4 hex digits of length, flush-pkt ``0000``, at most
  65520 bytes): https://git-scm.com/docs/gitprotocol-common
"""

from __future__ import annotations

import re
import time

import pytest

from backends.base import BackendError, ProjectSpec, RateLimited, Release
from backends.budget import Budget, Limits, OverBudget
from backends.config import HttpConfig
from backends.http import HttpClient
from backends.registry import get_backend, resolve_scheme_name
from backends.upstreams import git_http
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    pipeline_versions,
    recorded_case,
    recording_cases,
    recording_error,
    replay,
)

BACKEND = "Git (any host)"
REPOSITORY = "https://git.example.org/owner/repo.git"
URL = f"{REPOSITORY}/info/refs?service=git-upload-pack"
SMART = "application/x-git-upload-pack-advertisement"
OID = "95dcfa3633004da0049d3d0fa03f80589cbcaf31"
OID_2 = "2cb58b79488a98d2721cea644875a8dd0026b115"

# The smart server reply of gitprotocol-http(5), byte for byte.
DOCUMENTED_SMART_REPLY = (
    b"001e# service=git-upload-pack\n"
    b"0000"
    b"004895dcfa3633004da0049d3d0fa03f80589cbcaf31 refs/heads/maint\0multi_ack\n"
    b"003fd049f6c27a2244e12041955e262a404c7faba355 refs/heads/master\n"
    b"003c2cb58b79488a98d2721cea644875a8dd0026b115 refs/tags/v1.0\n"
    b"003fa3c2e2402b99163d1d59756e5f207ae21cccba4c refs/tags/v1.0^{}\n"
    b"0000"
)
# Its dumb server reply (the document's grammar: obj-id HTAB refname LF).
DOCUMENTED_DUMB_REPLY = (
    b"95dcfa3633004da0049d3d0fa03f80589cbcaf31\trefs/heads/maint\n"
    b"d049f6c27a2244e12041955e262a404c7faba355\trefs/heads/master\n"
    b"2cb58b79488a98d2721cea644875a8dd0026b115\trefs/tags/v1.0\n"
    b"a3c2e2402b99163d1d59756e5f207ae21cccba4c\trefs/tags/v1.0^{}\n"
)


def pkt(data: bytes | str) -> bytes:
    """One pkt-line: 4 hex digits of total length, then the data."""
    payload = data.encode() if isinstance(data, str) else data
    return b"%04x" % (len(payload) + 4) + payload


def advertisement(*refs: bytes | str, header: bytes | None = None) -> bytes:
    """A smart reply listing ``refs`` ("<name>" or b"<oid> <name>"), capabilities on the first."""
    lines = []
    for number, ref in enumerate(refs):
        line = ref if isinstance(ref, bytes) else f"{OID} {ref}".encode()
        if number == 0:
            line += b"\0multi_ack side-band-64k ofs-delta agent=git/2.39.5"
        lines.append(pkt(line + b"\n"))
    service = pkt("# service=git-upload-pack\n") + b"0000" if header is None else header
    return service + b"".join(lines) + b"0000"


def spec(**fields) -> ProjectSpec:
    values = {"name": "repo", "homepage": REPOSITORY, "backend": BACKEND}
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec | None = None, client: HttpClient | None = None) -> list[str]:
    releases = get_backend(BACKEND).fetch(project or spec(), client or HttpClient())
    assert all(release == Release(release.version) for release in releases)
    return [release.version for release in releases]


def answer(mock_http, body: bytes, content_type: str = SMART, status: int = 200, **kw) -> None:
    mock_http.get(URL, body=body, content_type=content_type, status=status, **kw)


# -- recorded answers -------------------------------------------------------------------------


@pytest.mark.parametrize("case", recording_cases("git-any-host.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        message = str(recording_error(case))
        if case["id"] == "not-found":
            assert message.startswith(
                "No Git repository at https://git.example.org/nothere.git: "
                "https://git.example.org/nothere.git/info/refs?service=git-upload-pack "
                "answered HTTP 404."
            )
        else:
            assert message == (
                "empty: no upstream version found. The Git repository "
                "https://git.example.org/empty.git has no tags "
                "(https://git.example.org/empty.git/info/refs?service=git-upload-pack was read)."
            )
        return
    assert_matches_recording(case, fetch_recording(case))


def test_recorded_tags_come_in_version_order_after_the_pipeline(mock_http):
    case = recorded_case("git-any-host.json", "smart-sha1")
    replay(mock_http, case)

    _raw, ordered = pipeline_versions(case, fetch_recording(case))

    assert ordered == ["v1.0.0", "v1.1.0", "v1.10.0", "v2.0.0-rc1"]
    assert resolve_scheme_name(None, None, BACKEND) == "RPM"


# -- the documented replies -----------------------------------------------------------------


def test_the_documented_smart_reply_gives_its_tag_once(mock_http):
    answer(mock_http, DOCUMENTED_SMART_REPLY)

    assert fetch() == ["v1.0"]
    assert mock_http.calls[0].request.url == URL
    assert "Git-Protocol" not in mock_http.calls[0].request.headers  # protocol v0


def test_the_documented_dumb_reply_is_read_too(mock_http):
    answer(mock_http, DOCUMENTED_DUMB_REPLY, content_type="text/plain; charset=utf-8")

    assert fetch() == ["v1.0"]


def test_a_pkt_line_answer_with_a_wrong_content_type_is_still_read(mock_http):
    answer(mock_http, DOCUMENTED_SMART_REPLY, content_type="text/plain")

    assert fetch() == ["v1.0"]


def test_the_listing_order_is_by_name_and_the_pipeline_sorts_versions(mock_http):
    # C-locale order, as the server lists them: 1.10 before 1.9.
    refs = ["HEAD", "refs/heads/main", "refs/tags/v1.10", "refs/tags/v1.10^{}", "refs/tags/v1.9"]
    answer(mock_http, advertisement(*refs))
    project = spec()

    releases = get_backend(BACKEND).fetch(project, HttpClient())

    assert [r.version for r in releases] == ["v1.10", "v1.9"]
    case = {"backend": BACKEND, "project": {"name": "repo", "homepage": REPOSITORY}}
    assert pipeline_versions(case, releases)[1] == ["v1.9", "v1.10"]


def test_shallow_lines_and_branches_are_not_versions(mock_http):
    body = advertisement(
        "refs/heads/release-2.0", "refs/pull/1/head", "refs/tags/2.0", f"shallow {OID_2}"
    )
    answer(mock_http, body)

    assert fetch() == ["2.0"]


def test_an_empty_repository_has_no_version(mock_http):
    zero = "0" * 40
    answer(mock_http, advertisement(f"{zero} capabilities^{{}}".encode()))

    with pytest.raises(BackendError, match=r"^repo: no upstream version found.* has no tags"):
        fetch()


# -- hostile answers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            pkt("# service=git-upload-pack\n") + b"0000" + b"00zz",
            "length at byte 34 is not 4 hex digits",
            id="non-hex",
        ),
        pytest.param(
            pkt("# service=git-upload-pack\n") + b"0000" + b"0003x",
            "invalid length 3",
            id="below-4",
        ),
        pytest.param(
            pkt("# service=git-upload-pack\n") + b"0000" + b"ffff" + b"a" * 100,
            "invalid length 65535",
            id="over-65520",
        ),
        pytest.param(
            pkt("# service=git-upload-pack\n") + b"0000" + b"0100" + f"{OID} refs/tags/v1".encode(),
            "at byte 34 claims 256 bytes, but only 57 are left (cut off?)",
            id="beyond-the-body",
        ),
        pytest.param(
            advertisement("refs/tags/v1")[:-4], "ends without the flush-pkt", id="no-final-flush"
        ),
        pytest.param(
            pkt("# service=git-upload-pack\n") + pkt(f"{OID} refs/tags/v1\n"),
            "ends before its list of references",
            id="no-header-flush",
        ),
        pytest.param(
            pkt("# service=git-receive-pack\n") + b"0000" + b"0000",
            'first pkt-line is not "# service=git-upload-pack"',
            id="wrong-service",
        ),
        pytest.param(
            advertisement(header=pkt("# service=git-upload-pack\n") + b"0000" + pkt("version 2\n")),
            "protocol version the check did not ask for",
            id="protocol-v2",
        ),
        pytest.param(
            advertisement(b"not-an-object-id refs/tags/v1"),
            "line 1 of the list is not",
            id="bad-id",
        ),
        pytest.param(advertisement(b"0004"), "line 1 of the list is not", id="empty-pkt-as-ref"),
        pytest.param(b"<html>", 'it does not start with the "# service=', id="labelled-smart"),
    ],
)
def test_a_malformed_advertisement_is_a_readable_error(mock_http, body, message):
    answer(mock_http, body)

    with pytest.raises(BackendError) as raised:
        fetch()

    text = str(raised.value)
    assert text.startswith(f"{URL} answered a malformed Git reference advertisement: ")
    assert message in text
    assert "\n" not in text


@pytest.mark.parametrize(
    ("body", "content_type", "what"),
    [
        pytest.param(
            b"<!DOCTYPE html><html><form action='/users/sign_in'>",
            "text/html; charset=utf-8",
            "a web page (a login page?)",
            id="login-page",
        ),
        pytest.param(b"  <html>", "application/octet-stream", "a web page", id="html-unlabelled"),
        pytest.param(
            b"Welcome!\nThis is not a repository.\n",
            "text/plain",
            'text whose line 1 is not "<object id> TAB <ref name>"',
            id="plain-text",
        ),
        pytest.param(
            DOCUMENTED_DUMB_REPLY + b"oops\n", "text/plain", "line 5 is not", id="dumb-then-junk"
        ),
        pytest.param(b"\n\n", "text/plain", "an empty page", id="blank"),
    ],
)
def test_an_answer_that_is_not_git_says_so(mock_http, body, content_type, what):
    answer(mock_http, body, content_type=content_type)

    with pytest.raises(BackendError) as raised:
        fetch()

    assert str(raised.value).startswith(f"Not a Git repository: {URL} answered ")
    assert what in str(raised.value)
    assert "git clone" in str(raised.value)


def test_ref_names_that_cannot_be_versions_are_left_out(mock_http):
    refs = [
        b"refs/tags/caf\xc3\xa9-1.0",  # UTF-8: kept
        b"refs/tags/v\xff\xfe1.0",  # not UTF-8
        b"refs/tags/v1\x1b[31m",  # a control character
        b"refs/tags/" + b"9" * 300,  # longer than any version
        b"refs/tags/",  # no name at all
        b"refs/tags/v2.0",
    ]
    answer(mock_http, advertisement(*(f"{OID} ".encode() + ref for ref in refs)))

    assert fetch() == ["café-1.0", "v2.0"]


def test_a_huge_number_of_tags_is_stopped_by_the_version_budget(mock_http, monkeypatch):
    refs = [f"refs/tags/v{n}" for n in range(30)]
    answer(mock_http, advertisement(*refs))
    limits = Limits(max_versions=20)
    monkeypatch.setattr(HttpClient, "__init__", _client_with(limits))

    with pytest.raises(OverBudget, match="more than 20 versions"):
        fetch()


def test_branches_do_not_count_against_the_version_budget(mock_http, monkeypatch):
    refs = [f"refs/pull/{n}/head" for n in range(50)] + ["refs/tags/v1"]
    answer(mock_http, advertisement(*refs))
    monkeypatch.setattr(HttpClient, "__init__", _client_with(Limits(max_versions=20)))

    assert fetch() == ["v1"]


def test_a_long_advertisement_keeps_to_the_checks_deadline(monkeypatch):
    monkeypatch.setattr(git_http, "CLOCK_EVERY", 2)
    budget = Budget(Limits(deadline=60))
    budget.ends_at = time.monotonic() - 1  # the deadline passed while reading the answer
    body = advertisement(*(f"refs/heads/b{n}" for n in range(5)))

    with pytest.raises(OverBudget, match="did not finish within"):
        git_http.advertised_tags(body, SMART, URL, budget)


def _client_with(limits: Limits):
    original = HttpClient.__init__

    def init(self, **kw):
        original(self, **kw)
        self.budget = Budget(limits)

    return init


# -- statuses, credentials, rate limits -------------------------------------------------------


def test_a_missing_repository_is_named(mock_http):
    answer(mock_http, b"Not a git repository: '/srv/git/repo.git'", "text/plain", 404)

    with pytest.raises(BackendError) as raised:
        fetch()

    assert str(raised.value) == (
        f"No Git repository at {REPOSITORY}: {URL} answered HTTP 404. Use the URL that git "
        "clone takes, e.g. https://git.example.org/owner/repo.git."
    )


def test_a_private_repository_asks_for_credentials(mock_http):
    answer(mock_http, b"", "text/plain", 401, headers={"WWW-Authenticate": 'Basic realm="Git"'})

    with pytest.raises(BackendError, match="HTTP 401: authentication is required") as raised:
        fetch()

    assert "https://user:token@host/owner/repo.git" in str(raised.value)


def test_stored_credentials_are_sent_to_the_repository_host(mock_http):
    answer(mock_http, DOCUMENTED_SMART_REPLY)
    credentials = {"https://git.example.org": ("bot", "s3cret")}
    project = spec(credentials=credentials)

    assert fetch(project, HttpClient(credentials=credentials)) == ["v1.0"]
    assert mock_http.calls[0].request.headers["Authorization"] == "Basic Ym90OnMzY3JldA=="


def test_refused_credentials_are_not_shown(mock_http):
    answer(mock_http, b"", "text/plain", 401)
    credentials = {"https://git.example.org": ("bot", "s3cret")}

    with pytest.raises(BackendError, match="refused the credentials stored") as raised:
        fetch(spec(credentials=credentials), HttpClient(credentials=credentials))

    assert "s3cret" not in str(raised.value)


def test_a_server_that_disabled_the_service_keeps_the_clients_wording(mock_http):
    # gitprotocol-http(5): a disabled or unknown service answers 403 Forbidden.
    answer(mock_http, b"", "text/plain", 403)

    with pytest.raises(BackendError, match="answered HTTP 403 Forbidden: access is forbidden"):
        fetch()


def test_a_rate_limit_defers_the_projects_of_that_host(mock_http):
    answer(mock_http, b"", "text/plain", 429, headers={"Retry-After": "120"})

    with pytest.raises(RateLimited) as raised:
        fetch()

    assert raised.value.scope == "git.example.org"


# -- the repository URL ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, URL),
        ({"homepage": "https://git.example.org/owner/repo"}, "https://git.example.org/owner/repo"),
        ({"homepage": "https://git.example.org/owner/repo.git/"}, REPOSITORY),
        (
            {"homepage": "HTTP://Git.Example.org/owner/repo.git"},
            "http://Git.Example.org/owner/repo.git",
        ),
        ({"homepage": "https://example.org/", "version_url": REPOSITORY}, REPOSITORY),
        (
            {"version_url": "http://127.0.0.1:3000/pub/scm/tool.git"},
            "http://127.0.0.1:3000/pub/scm/tool.git",
        ),
        ({"homepage": "https://example.org/"}, ""),
        ({"homepage": "https://example.org"}, ""),
        ({"homepage": "ftp://example.org/repo.git"}, ""),
        ({"homepage": "git@example.org:owner/repo.git"}, ""),
        ({"homepage": "https://example.org/owner/repo?tab=tags"}, ""),
        ({"homepage": "https://example.org/owner/repo#readme"}, ""),
        ({"homepage": "https://example.org/owner/../admin"}, ""),
        ({"homepage": "https://example.org/owner//repo"}, ""),
        ({"homepage": "https://example.org/owner/my repo"}, ""),
    ],
)
def test_the_repository_url_forms(fields, expected):
    shown = get_backend(BACKEND).version_url(spec(**fields))
    if expected and not expected.endswith("/info/refs?service=git-upload-pack"):
        expected += "/info/refs?service=git-upload-pack"
    assert shown == expected


def test_a_self_hosted_server_is_asked_at_its_own_address(mock_http):
    url = "https://code.example.net/git/tool/info/refs?service=git-upload-pack"
    mock_http.get(url, body=DOCUMENTED_SMART_REPLY, content_type=SMART)

    assert fetch(spec(version_url="https://code.example.net/git/tool/")) == ["v1.0"]


def test_a_url_that_is_not_a_repository_is_a_setup_error(mock_http):
    with pytest.raises(BackendError, match=r"^Project repo was incorrectly set up"):
        fetch(spec(homepage="https://example.org/owner/repo?tab=tags"))
    assert len(mock_http.calls) == 0


def test_a_private_address_is_refused_by_the_guard(mock_http):
    with pytest.raises(BackendError, match=re.escape("http://127.0.0.1:3000/owner/repo.git")):
        fetch(spec(version_url="http://127.0.0.1:3000/owner/repo.git"))
    assert len(mock_http.calls) == 0


def test_the_form_shows_the_repository_url_field():
    backend = get_backend(BACKEND)

    assert set(backend.fields) == {"version_url"}
    assert backend.fields["version_url"].label == "Git repository URL"
    assert "git clone" in backend.fields["version_url"].help_text
    assert all(git_http.repository_url(spec(homepage=url)) for url in backend.examples)
    assert not backend.required_version_url


def test_the_size_cap_bounds_a_huge_advertisement(mock_http):
    answer(mock_http, advertisement(*(f"refs/heads/b{n}" for n in range(100))))
    client = HttpClient(config=HttpConfig(max_response_bytes=2000))

    with pytest.raises(BackendError, match="answered more than 2000 bytes"):
        fetch(client=client)
