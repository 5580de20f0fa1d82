"""Container images: the "Container registry (OCI)" and "Docker Hub" backends.

Recorded answers (``docker-hub.json``) are Docker Hub's own tag lists. The token handshake has
no recording: its answers here follow Docker's "Token Authentication Specification"
(https://github.com/distribution/distribution/blob/main/docs/content/spec/auth/token.md: a
401 with ``WWW-Authenticate: Bearer realm=...,service=...,scope=...``, a GET of the realm
answering ``{"token": ...}``, the request again with ``Authorization: Bearer``), and the tag
lists and their ``Link`` pages follow the OCI distribution spec's "Listing Tags"
(https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-tags).
"""

from __future__ import annotations

import base64
import json

import pytest
from responses import matchers

from backends.base import BackendError, ProjectSpec, RateLimited, Release
from backends.http import HttpClient, UnsafeURL
from backends.registry import get_backend, resolve_scheme_name
from backends.upstreams.oci import ImageReference, is_version_tag, oci_tags, parse_reference
from backends.upstreams.oci.distribution import MAX_PAGES
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    recording_cases,
    replay,
)

HUB = "https://registry-1.docker.io/v2/library/nginx/tags/list"
HUB_REALM = "https://auth.docker.io/token"
HUB_CHALLENGE = (
    'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
    'scope="repository:library/nginx:pull"'
)
GHCR = "https://ghcr.io/v2/owner/app/tags/list"
GHCR_REALM = "https://ghcr.io/token"
GHCR_CHALLENGE = (
    'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:owner/app:pull"'
)
# The spec's own example token is a JWT; any opaque visible-ASCII string is one.
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.eyJhY2Nlc3MiOltdfQ.c2lnbmF0dXJl"
UNAUTHORIZED = {
    "errors": [
        {
            "code": "UNAUTHORIZED",
            "message": "authentication required",
            "detail": [{"Type": "repository", "Name": "library/nginx", "Action": "pull"}],
        }
    ]
}


def hub(**fields) -> ProjectSpec:
    values = {"name": "nginx", "homepage": "https://nginx.org", "backend": "Docker Hub"}
    return ProjectSpec(**{**values, **fields})


def oci(version_url: str | None = "ghcr.io/owner/app", **fields) -> ProjectSpec:
    values = {"name": "app", "homepage": "https://example.org/app"}
    return ProjectSpec(
        **{**values, **fields}, backend="Container registry (OCI)", version_url=version_url
    )


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[str]:
    releases = get_backend(project.backend).fetch(project, client or HttpClient())
    assert all(isinstance(release, Release) for release in releases)
    return [release.version for release in releases]


def no_query():
    return matchers.query_param_matcher({})


def challenge(mock, url, header, **extra):
    mock.get(url, status=401, json=UNAUTHORIZED, headers={"WWW-Authenticate": header}, **extra)


def bearer(token=TOKEN):
    return matchers.header_matcher({"Authorization": f"Bearer {token}"})


# -- recorded answers -------------------------------------------------------------------------


@pytest.mark.parametrize("case", recording_cases("docker-hub.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    assert_matches_recording(case, fetch_recording(case))


def test_the_paged_recording_reads_both_pages(mock_http):
    (case,) = [c.values[0] for c in recording_cases("docker-hub.json") if c.id == "paginated"]
    replay(mock_http, case)

    versions = [release.version for release in fetch_recording(case)]

    assert len(mock_http.calls) == 2
    assert "last=" in mock_http.calls[1].request.url
    # The first page ends with 1.0.5-core, the second starts with 1.0.5-runtime-deps-jessie.
    assert versions.index("1.0.5-runtime-deps-jessie") == versions.index("1.0.5-core") + 1


# -- the token handshake ----------------------------------------------------------------------


def test_docker_hub_token_handshake_sends_the_token_to_the_registry_only(mock_http):
    challenge(mock_http, HUB, HUB_CHALLENGE)
    mock_http.get(
        HUB_REALM,
        json={"token": TOKEN, "access_token": TOKEN, "expires_in": 300},
        match=[
            matchers.query_param_matcher(
                {"service": "registry.docker.io", "scope": "repository:library/nginx:pull"}
            )
        ],
    )
    mock_http.get(
        HUB,
        json={"name": "library/nginx", "tags": ["1.25.3", "1.25.3-alpine", "latest", "stable"]},
        match=[bearer()],
    )

    assert fetch(hub()) == ["1.25.3", "1.25.3-alpine"]
    first, token_request, retry = (call.request for call in mock_http.calls)
    assert "Authorization" not in first.headers
    assert "Authorization" not in token_request.headers
    assert retry.headers["Authorization"] == f"Bearer {TOKEN}"


def test_an_access_token_is_accepted_and_a_challenge_without_scope_asks_for_pull(mock_http):
    # nvcr.io names no service, others no scope: the check asks for pull on the repository.
    challenge(mock_http, GHCR, 'Bearer realm="https://ghcr.io/token"')
    mock_http.get(
        GHCR_REALM,
        json={"access_token": TOKEN},
        match=[matchers.query_param_matcher({"scope": "repository:owner/app:pull"})],
    )
    mock_http.get(GHCR, json={"name": "owner/app", "tags": ["v2.0.0"]}, match=[bearer()])

    assert fetch(oci()) == ["v2.0.0"]


def test_credentials_of_the_registry_go_to_a_realm_on_its_origin_and_never_with_the_token(
    mock_http,
):
    credentials = {"https://ghcr.io": ("octocat", "ghp_secret")}
    basic = "Basic " + base64.b64encode(b"octocat:ghp_secret").decode()
    challenge(mock_http, GHCR, GHCR_CHALLENGE)
    mock_http.get(GHCR_REALM, json={"token": TOKEN})
    mock_http.get(GHCR, json={"tags": ["1.0.0"]}, match=[bearer()])

    assert fetch(oci(), HttpClient(credentials=credentials)) == ["1.0.0"]
    first, token_request, retry = (call.request for call in mock_http.calls)
    assert first.headers["Authorization"] == basic
    assert token_request.headers["Authorization"] == basic
    assert retry.headers["Authorization"] == f"Bearer {TOKEN}"


def test_credentials_of_the_registry_never_reach_a_realm_elsewhere(mock_http):
    url = "https://registry.example.org/v2/team/app/tags/list"
    credentials = {"https://registry.example.org": ("robot", "secret")}
    challenge(mock_http, url, 'Bearer realm="https://auth.example.net/token",service="reg"')
    mock_http.get("https://auth.example.net/token", json={"token": TOKEN})
    mock_http.get(url, status=401, headers={"WWW-Authenticate": 'Bearer error="insufficient"'})

    with pytest.raises(BackendError) as raised:
        fetch(oci("https://registry.example.org/team/app"), HttpClient(credentials=credentials))

    assert "Authorization" not in mock_http.calls[1].request.headers
    assert str(raised.value) == (
        "app: registry.example.org refused to list the tags of team/app: the image does not "
        "exist, or it is private. Its token service is auth.example.net, where credentials "
        "given for registry.example.org are not sent: only public images can be watched "
        "there. (https://registry.example.org/v2/team/app/tags/list)"
    )


def test_a_missing_or_private_image_on_docker_hub_is_said_so(mock_http):
    # Docker Hub answers 401 to an anonymous token for an image that does not exist.
    challenge(mock_http, HUB, HUB_CHALLENGE)
    mock_http.get(HUB_REALM, json={"token": TOKEN})

    with pytest.raises(BackendError, match="refused to list the tags of library/nginx") as raised:
        fetch(hub())

    assert "does not exist, or it is private" in str(raised.value)
    assert "Its token service is auth.docker.io" in str(raised.value)
    assert len(mock_http.calls) == 3  # one token, one retry: no loop


def test_a_registry_asking_for_a_login_says_where_credentials_go(mock_http):
    challenge(mock_http, GHCR, 'Basic realm="Registry Realm"')

    with pytest.raises(BackendError) as raised:
        fetch(oci())

    assert "For a private image, put the credentials in the address " in str(raised.value)
    assert "(https://user:token@ghcr.io/owner/app); they are sent to ghcr.io only." in str(
        raised.value
    )


def test_an_expired_token_is_renewed_once_on_a_later_page(mock_http):
    challenge(mock_http, GHCR, GHCR_CHALLENGE, match=[no_query()])
    mock_http.get(GHCR_REALM, json={"token": "first"})
    mock_http.get(
        GHCR,
        json={"tags": ["1.0.0"]},
        headers={"Link": '</v2/owner/app/tags/list?last=1.0.0&n=1>; rel="next"'},
        match=[bearer("first"), no_query()],
    )
    second_page = [matchers.query_param_matcher({"last": "1.0.0", "n": "1"})]
    challenge(mock_http, GHCR, GHCR_CHALLENGE, match=[bearer("first"), *second_page])
    mock_http.get(GHCR_REALM, json={"token": "second"})
    mock_http.get(GHCR, json={"tags": ["2.0.0"]}, match=[bearer("second"), *second_page])

    assert fetch(oci()) == ["1.0.0", "2.0.0"]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ('Bearer realm="ftp://ghcr.io/token"', "not an https address the check may use"),
        ('Bearer realm="http://ghcr.io/token"', "not an https address the check may use"),
        ('Bearer realm="token"', "not an https address the check may use"),
    ],
    ids=["ftp", "downgrade-to-http", "relative"],
)
def test_a_realm_the_check_may_not_use_is_refused_before_any_request(mock_http, header, message):
    challenge(mock_http, GHCR, header)

    with pytest.raises(BackendError, match=message):
        fetch(oci())
    assert len(mock_http.calls) == 1


def test_a_realm_on_a_private_address_is_refused_by_the_guard(mock_http):
    challenge(mock_http, GHCR, 'Bearer realm="https://169.254.169.254/latest/token"')

    with pytest.raises(UnsafeURL):
        fetch(oci())
    assert len(mock_http.calls) == 1


@pytest.mark.parametrize(
    "answer",
    [
        {"json": {"token": ""}},
        {"json": {"token": "abc\r\nX-Injected: 1"}},
        {"json": {"token": "two words"}},
        {"json": {"token": "x" * 20_000}},
        {"json": ["token"]},
        {"json": {"expires_in": 300}},
    ],
    ids=["empty", "header-injection", "space", "huge", "list", "no-token"],
)
def test_an_unusable_token_answer_is_a_readable_error(mock_http, answer):
    challenge(mock_http, GHCR, GHCR_CHALLENGE)
    mock_http.get(GHCR_REALM, **answer)

    with pytest.raises(BackendError) as raised:
        fetch(oci())

    assert str(raised.value) == (
        "app: the token service of ghcr.io answered no usable token. (https://ghcr.io/token)"
    )


def test_a_token_service_answering_no_json_is_a_readable_error(mock_http):
    challenge(mock_http, GHCR, GHCR_CHALLENGE)
    mock_http.get(GHCR_REALM, body="<html>login</html>")

    with pytest.raises(BackendError, match=r"^https://ghcr\.io/token\?.*invalid JSON answer"):
        fetch(oci())


# -- pages ------------------------------------------------------------------------------------


def test_pages_follow_the_link_header_on_the_registry(mock_http):
    base = "https://quay.io/v2/prometheus/prometheus/tags/list"
    mock_http.get(
        base,
        json={"name": "prometheus/prometheus", "tags": ["v2.0.0", "v2.1.0"]},
        headers={"Link": f'<{base}?n=2&last=v2.1.0>; rel="next"'},
        match=[no_query()],
    )
    mock_http.get(
        base,
        json={"name": "prometheus/prometheus", "tags": ["v2.10.0", "v3.0.0"]},
        match=[matchers.query_param_matcher({"n": "2", "last": "v2.1.0"})],
    )

    assert fetch(oci("quay.io/prometheus/prometheus")) == ["v2.0.0", "v2.1.0", "v2.10.0", "v3.0.0"]


def test_every_check_reads_every_page_because_the_order_is_lexical(mock_http):
    # A later check too: v10.0.0 sorts after v1.x on the second page.
    mock_http.get(
        GHCR,
        json={"tags": ["v1.0.0"]},
        headers={"Link": '</v2/owner/app/tags/list?last=v1.0.0>; rel="next"'},
        match=[no_query()],
    )
    mock_http.get(
        GHCR, json={"tags": ["v10.0.0"]}, match=[matchers.query_param_matcher({"last": "v1.0.0"})]
    )

    project = oci(stored_versions=("v1.0.0",))
    assert fetch(project, HttpClient(etag='"e"')) == ["v1.0.0", "v10.0.0"]
    assert "If-None-Match" not in mock_http.calls[0].request.headers


def test_a_next_page_on_another_host_is_not_followed(mock_http):
    mock_http.get(
        GHCR,
        json={"tags": ["1.0.0"]},
        headers={
            "Link": '<https://collector.example.net/v2/owner/app/tags/list?last=1>; rel="next"'
        },
    )

    with pytest.raises(BackendError) as raised:
        fetch(oci())

    assert len(mock_http.calls) == 1
    assert str(raised.value) == (
        "app: ghcr.io sent the next page of tags to another address "
        "(https://collector.example.net/v2/owner/app/tags/list?last=1), which is not followed."
    )


def test_a_registry_sending_the_same_page_again_ends_the_list(mock_http):
    mock_http.get(
        GHCR,
        json={"tags": ["1.0.0"]},
        headers={"Link": '</v2/owner/app/tags/list?last=1.0.0>; rel="next"'},
    )

    assert fetch(oci()) == ["1.0.0"]
    assert len(mock_http.calls) == 2


def test_a_registry_paging_forever_is_stopped(mock_http):
    for page in range(MAX_PAGES):
        params = {"last": str(page)} if page else {}
        mock_http.get(
            GHCR,
            json={"tags": [f"1.{page}.0"]},
            headers={"Link": f'</v2/owner/app/tags/list?last={page + 1}>; rel="next"'},
            match=[matchers.query_param_matcher(params)],
        )

    with pytest.raises(BackendError, match=f"on more than {MAX_PAGES} pages"):
        fetch(oci())


# -- not found, malformed answers, rate limits --------------------------------------------


def test_an_unknown_repository_is_not_found(mock_http):
    url = "https://ghcr.io/v2/owner/nosuch/tags/list"
    body = {"errors": [{"code": "NAME_UNKNOWN", "message": "repository name not known"}]}
    mock_http.get(url, status=404, json=body)

    with pytest.raises(BackendError) as raised:
        fetch(oci("ghcr.io/owner/nosuch"))

    assert str(raised.value) == f'No image "owner/nosuch" on ghcr.io: {url}'


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"json": ["1.0.0"]}, "unexpected answer (not a JSON object)"),
        ({"json": {"name": "owner/app"}}, "unexpected answer (no list of tags)"),
        ({"json": {"tags": "1.0.0"}}, "unexpected answer (no list of tags)"),
        (
            {"json": {"errors": [{"code": "DENIED", "message": "requested access is denied"}]}},
            "the registry answered: DENIED requested access is denied",
        ),
        ({"json": {"tags": None}}, "no upstream version found. ghcr.io lists no tag"),
        (
            {"json": {"tags": ["latest", "sha256-0a1b.sig", "1.0-arm64", 7, None, "../1.0"]}},
            "ghcr.io lists 3 tags, none a version (latest, commit and signature tags",
        ),
    ],
    ids=["not-an-object", "no-tags", "tags-not-a-list", "error-document", "null", "no-version"],
)
def test_malformed_answers_are_readable_errors(mock_http, answer, message):
    mock_http.get(GHCR, **answer)

    with pytest.raises(BackendError) as raised:
        fetch(oci())

    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_tags_that_are_not_tags_are_dropped(mock_http):
    mock_http.get(GHCR, json={"tags": ["1.0.0", 2, {"x": 1}, "a" * 200, "bad tag", "1.1.0"]})

    assert fetch(oci()) == ["1.0.0", "1.1.0"]


def test_rate_limit_of_the_registry(mock_http):
    mock_http.get(HUB, status=429, headers={"Retry-After": "120"}, json={"errors": []})

    with pytest.raises(RateLimited) as raised:
        fetch(hub())

    assert raised.value.scope == "registry-1.docker.io"


def test_rate_limit_of_the_token_service_defers_the_registry(mock_http):
    challenge(mock_http, HUB, HUB_CHALLENGE)
    mock_http.get(HUB_REALM, status=429, headers={"Retry-After": "120"})

    with pytest.raises(RateLimited) as raised:
        fetch(hub())

    backend = get_backend("Docker Hub")
    assert raised.value.scope == backend.rate_limit_scope(hub()) == "registry-1.docker.io"


def test_a_redirect_elsewhere_loses_the_token(mock_http):
    challenge(mock_http, GHCR, GHCR_CHALLENGE)
    mock_http.get(GHCR_REALM, json={"token": TOKEN})
    cdn = "https://cdn.example.net/tags.json"
    mock_http.get(GHCR, status=307, headers={"Location": cdn}, match=[bearer()])
    mock_http.get(cdn, json={"tags": ["1.0.0"]})

    assert fetch(oci()) == ["1.0.0"]
    assert "Authorization" not in mock_http.calls[-1].request.headers


# -- names, addresses, mirrors ----------------------------------------------------------------


DOCKER_HUB = "https://registry-1.docker.io"


@pytest.mark.parametrize(
    ("reference", "registry", "repository"),
    [
        ("nginx", DOCKER_HUB, "library/nginx"),
        ("nginx:1.25-alpine", DOCKER_HUB, "library/nginx"),
        ("grafana/grafana@sha256:0a1b", DOCKER_HUB, "grafana/grafana"),
        ("docker.io/library/nginx", DOCKER_HUB, "library/nginx"),
        ("https://hub.docker.com/_/nginx", DOCKER_HUB, "library/nginx"),
        ("https://hub.docker.com/r/grafana/grafana/tags", DOCKER_HUB, "grafana/grafana"),
        ("ghcr.io/Home-Assistant/core", "https://ghcr.io", "home-assistant/core"),
        ("quay.io/prometheus/prometheus", "https://quay.io", "prometheus/prometheus"),
        ("https://quay.io/repository/coreos/etcd", "https://quay.io", "coreos/etcd"),
        ("oci://registry.gitlab.com/group/sub/p", "https://registry.gitlab.com", "group/sub/p"),
        ("localhost:5000/app", "https://localhost:5000", "app"),
        ("http://registry.internal:5000/team/app/", "http://registry.internal:5000", "team/app"),
        ("https://u:pw@reg.example.org:443/team/app", "https://reg.example.org", "team/app"),
    ],
)  # fmt: skip
def test_image_references(reference, registry, repository):
    assert parse_reference(reference) == ImageReference(registry, repository)


@pytest.mark.parametrize(
    "reference",
    [
        "",
        "../etc/passwd",
        "ghcr.io/owner/..",
        "ghcr.io/owner/%2e%2e/x",
        "ghcr.io/owner//app",
        "ghcr.io/owner/app?x=1/../y",
        "ghcr.io/",
        "ftp://ghcr.io/owner/app",
        "file:///etc/passwd",
        "registry.example.org:port/app",
        "https://reg istry.example.org/app",
        "ghcr.io/owner/app" + "/x" * 200,
    ],
)
def test_hostile_or_broken_references_are_refused(mock_http, reference):
    assert parse_reference(reference) is None
    with pytest.raises(BackendError, match="was incorrectly set up"):
        fetch(oci(reference))
    assert not mock_http.calls


def test_version_urls_and_fields():
    registry, docker_hub = get_backend("Container registry (OCI)"), get_backend("Docker Hub")

    assert registry.version_url(oci("quay.io/ns/repo:latest")) == (
        "https://quay.io/v2/ns/repo/tags/list"
    )
    assert registry.version_url(oci("not an image")) == ""
    assert docker_hub.version_url(hub(name="Grafana/Grafana")) == (
        "https://registry-1.docker.io/v2/grafana/grafana/tags/list"
    )
    assert set(registry.fields) == {"version_url", "regex"} and registry.required_version_url
    assert set(docker_hub.fields) == {"name", "version_url", "regex"}


@pytest.mark.parametrize(
    ("version_url", "tags_url"),
    [
        ("https://mirror.gcr.io", "https://mirror.gcr.io/v2/library/nginx/tags/list"),
        ("https://mirror.gcr.io/v2/", "https://mirror.gcr.io/v2/library/nginx/tags/list"),
        (
            "https://harbor.example.org/dockerhub-proxy/",
            "https://harbor.example.org/v2/dockerhub-proxy/library/nginx/tags/list",
        ),
        (
            "http://registry.internal:5000",
            "http://registry.internal:5000/v2/library/nginx/tags/list",
        ),
    ],
)
def test_docker_hub_through_a_mirror(mock_http, version_url, tags_url):
    mock_http.get(tags_url, json={"tags": ["1.27.0"]})

    assert get_backend("Docker Hub").version_url(hub(version_url=version_url)) == tags_url
    assert fetch(hub(version_url=version_url)) == ["1.27.0"]


@pytest.mark.parametrize(
    ("name", "version_url"),
    [
        ("ghcr.io/owner/app", None),
        ("Home Assistant", None),
        ("../nginx", None),
        ("nginx", "ftp://mirror.example.org"),
        ("nginx", "https://mirror.example.org/?x=1"),
        ("nginx", "https://mirror.example.org/../x"),
    ],
)
def test_docker_hub_names_and_mirrors_that_are_not_are_refused(mock_http, name, version_url):
    with pytest.raises(BackendError, match="use the Container registry \\(OCI\\) backend"):
        fetch(hub(name=name, version_url=version_url))
    assert not mock_http.calls


def test_a_registry_on_a_private_address_is_refused_by_the_guard(mock_http):
    with pytest.raises(UnsafeURL):
        fetch(oci("http://127.0.0.1:5000/app"))
    assert not mock_http.calls


# -- tags that are versions, schemes, the helper for other backends ---------------------------


@pytest.mark.parametrize(
    ("tag", "kept"),
    [
        ("1.25.3", True),
        ("v2.1.0", True),
        ("1.25-alpine", True),
        ("20240115", True),
        ("latest", False),
        ("stable-alpine", False),
        ("sha256-5f0b1a7c.sig", False),
        ("sha256-5f0b1a7c.att", False),
        ("sha256-5f0b1a7c", False),
        ("3f2a9c1", False),
        ("sha-3f2a9c1", False),
        ("1.25.3-amd64", False),
        ("v1.2.3-linux-arm64", False),
        ("arm32v7-1.2.3", False),
        ("1.2.3_s390x", False),
    ],
)
def test_tags_that_may_be_versions(tag, kept):
    assert is_version_tag(tag) is kept


def test_both_backends_order_versions_semantically():
    assert resolve_scheme_name(None, "docker", "Docker Hub") == "Semantic"
    assert resolve_scheme_name(None, "https://example.org", "Container registry (OCI)") == (
        "Semantic"
    )


def test_oci_tags_lists_every_tag_for_other_backends(mock_http):
    url = "https://registry.example.org/v2/charts/podinfo/tags/list"
    mock_http.get(url, body=json.dumps({"tags": ["6.5.0", "latest", "sha256-ab.sig"]}))

    tags = oci_tags("https://registry.example.org/", "charts/podinfo", HttpClient())

    assert tags == ["6.5.0", "latest", "sha256-ab.sig"]


def test_oci_tags_takes_a_repository_prefix_and_refuses_what_is_no_repository(mock_http):
    url = "https://harbor.example.org/v2/proxy/charts/podinfo/tags/list"
    mock_http.get(url, json={"tags": ["6.5.0"]})

    assert oci_tags("https://harbor.example.org/proxy", "charts/podinfo", HttpClient()) == ["6.5.0"]
    for base, repository in [("ftp://h.example", "a"), ("https://h.example", "../a"), ("", "a")]:
        with pytest.raises(BackendError, match="do not name a repository of an OCI registry"):
            oci_tags(base, repository, HttpClient())
