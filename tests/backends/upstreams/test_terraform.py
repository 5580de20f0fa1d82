"""The Terraform Registry backend: providers and modules, on registry.terraform.io or any host.

No recording of a registry exists, so the answers here are the ones HashiCorp's protocol
references give: "List Available Versions" of the Provider Registry Protocol
(https://developer.hashicorp.com/terraform/internals/provider-registry-protocol, its sample
for hashicorp/random), "List Available Versions for a Specific Module" of the Module Registry
Protocol (https://developer.hashicorp.com/terraform/internals/module-registry-protocol, its
sample for hashicorp/consul/aws), and the discovery documents of Remote Service Discovery
(https://developer.hashicorp.com/terraform/internals/remote-service-discovery). The 429 answers
follow the rate limiting of HashiCorp's APIs (HCP Terraform API documentation, "Rate
Limiting": ``X-RateLimit-Reset`` is the number of seconds, as a float, until the limit resets).
"""

from __future__ import annotations

import datetime as dt

import pytest

from backends.base import BackendError, ProjectSpec, RateLimited, Release
from backends.http import HttpClient
from backends.registry import get_backend, resolve_scheme_name
from backends.versions import make_version, sort_versions

PROVIDERS = "https://registry.terraform.io/v1/providers/"
MODULES = "https://registry.terraform.io/v1/modules/"
RANDOM = f"{PROVIDERS}hashicorp/random/versions"
CONSUL = f"{MODULES}hashicorp/consul/aws/versions"
OPENTOFU = "https://registry.opentofu.org"
DISCOVERY = f"{OPENTOFU}/.well-known/terraform.json"

# The Provider Registry Protocol's sample answer for hashicorp/random.
RANDOM_VERSIONS = {
    "versions": [
        {
            "version": "2.0.0",
            "protocols": ["4.0", "5.1"],
            "platforms": [
                {"os": "darwin", "arch": "amd64"},
                {"os": "linux", "arch": "amd64"},
                {"os": "linux", "arch": "arm"},
                {"os": "windows", "arch": "amd64"},
            ],
        },
        {
            "version": "2.0.1",
            "protocols": ["5.2"],
            "platforms": [
                {"os": "darwin", "arch": "amd64"},
                {"os": "linux", "arch": "amd64"},
                {"os": "linux", "arch": "arm"},
                {"os": "windows", "arch": "amd64"},
            ],
        },
    ]
}
# The Module Registry Protocol's sample answer for hashicorp/consul/aws.
CONSUL_VERSIONS = {
    "modules": [{"versions": [{"version": "1.0.0"}, {"version": "1.1.0"}, {"version": "2.0.0"}]}]
}


def spec(name: str = "hashicorp/random", **fields) -> ProjectSpec:
    values = {"name": name, "homepage": "https://example.org/", "backend": "Terraform Registry"}
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("Terraform Registry").fetch(project, client or HttpClient())


def versions(project: ProjectSpec, client: HttpClient | None = None) -> list[str]:
    return [release.version for release in fetch(project, client)]


def test_a_provider_lists_its_versions(mock_http):
    mock_http.get(RANDOM, json=RANDOM_VERSIONS)

    assert fetch(spec()) == [Release("2.0.0"), Release("2.0.1")]


def test_a_module_lists_the_versions_of_the_first_module(mock_http):
    answer = {"modules": [*CONSUL_VERSIONS["modules"], {"versions": [{"version": "9.9.9"}]}]}
    mock_http.get(CONSUL, json=answer)

    assert versions(spec("hashicorp/consul/aws")) == ["1.0.0", "1.1.0", "2.0.0"]


def test_versions_sort_by_the_semantic_scheme():
    scheme = resolve_scheme_name(None, "terraform", "Terraform Registry")
    raw = ["5.0.0-beta1", "4.67.0", "5.0.0", "10.0.0"]

    ordered = [v.raw for v in sort_versions(make_version(r, scheme=scheme) for r in raw)]

    assert ordered == ["4.67.0", "5.0.0-beta1", "5.0.0", "10.0.0"]


def test_version_url_and_fields():
    backend = get_backend("Terraform Registry")

    assert backend.version_url(spec()) == RANDOM
    assert backend.version_url(spec("hashicorp/consul/aws")) == CONSUL
    assert backend.version_url(spec(version_url="registry.terraform.io")) == RANDOM
    assert backend.version_url(spec(version_url="registry.opentofu.org")) == DISCOVERY
    assert backend.version_url(spec(version_url="https://tf.example.org:8443/x/")) == (
        "https://tf.example.org:8443/.well-known/terraform.json"
    )
    assert backend.version_url(spec(version_url="ftp://tf.example.org")) == ""
    assert set(backend.fields) == {"name", "version_url"}
    assert backend.default_version_scheme == "Semantic"


def test_another_registry_is_found_through_its_service_discovery(mock_http):
    # Relative service URLs resolve against the discovery document.
    mock_http.get(DISCOVERY, json={"providers.v1": "/v1/providers/", "modules.v1": "/v1/modules/"})
    mock_http.get(f"{OPENTOFU}/v1/providers/hashicorp/random/versions", json=RANDOM_VERSIONS)

    found = versions(spec(version_url="registry.opentofu.org"), HttpClient(etag='"e"'))

    assert found == ["2.0.0", "2.0.1"]
    # Only the version list carries the check's validators.
    assert "If-None-Match" not in mock_http.calls[0].request.headers
    assert mock_http.calls[1].request.headers["If-None-Match"] == '"e"'


def test_a_module_service_on_another_host_and_a_redirected_discovery(mock_http):
    mock_http.get(
        "https://tf.example.org/.well-known/terraform.json",
        status=301,
        headers={"Location": "https://www.example.org/terraform/.well-known/terraform.json"},
    )
    mock_http.get(
        "https://www.example.org/terraform/.well-known/terraform.json",
        json={"modules.v1": "../modules/v1", "providers.v1": "https://providers.example.com/v1/"},
    )
    mock_http.get(
        "https://www.example.org/terraform/modules/v1/acme/network/aws/versions",
        json=CONSUL_VERSIONS,
    )

    found = versions(spec("acme/network/aws", version_url="https://tf.example.org"))

    assert found == ["1.0.0", "1.1.0", "2.0.0"]


def test_a_host_without_the_needed_service_says_so(mock_http):
    # The protocol's example of a host that only serves modules.
    mock_http.get(DISCOVERY, json={"modules.v1": "/terraform/modules/v1/"})

    with pytest.raises(BackendError) as raised:
        fetch(spec(version_url=OPENTOFU))

    assert str(raised.value) == (
        f"{DISCOVERY}: the registry announces no providers service (providers.v1), so it "
        "serves no providers. Check the registry host and the address."
    )


@pytest.mark.parametrize(
    "document",
    ['{"providers.v1": 1}', '{"providers.v1": "ftp://x/"}', "[]", "<html>"],
    ids=["not-a-string", "not-http", "not-an-object", "not-json"],
)
def test_a_broken_discovery_document_is_a_readable_error(mock_http, document):
    mock_http.get(DISCOVERY, body=document, content_type="application/json")

    with pytest.raises(BackendError) as raised:
        fetch(spec(version_url=OPENTOFU))

    assert DISCOVERY in str(raised.value)
    assert len(mock_http.calls) == 1


def test_a_host_that_is_no_registry(mock_http):
    mock_http.get(DISCOVERY, status=404)

    with pytest.raises(BackendError, match=r"^registry\.opentofu\.org is not a Terraform registry"):
        fetch(spec(version_url=OPENTOFU))


@pytest.mark.parametrize(
    ("name", "url", "message"),
    [
        ("hashicorp/nope", f"{PROVIDERS}hashicorp/nope/versions", 'No provider "hashicorp/nope"'),
        ("acme/net/aws", f"{MODULES}acme/net/aws/versions", 'No module "acme/net/aws"'),
    ],
    ids=["provider", "module"],
)
def test_an_unknown_provider_or_module_says_so_and_where(mock_http, name, url, message):
    # registry.terraform.io's 404 document.
    mock_http.get(url, status=404, json={"errors": ["Not Found"]})

    with pytest.raises(BackendError) as raised:
        fetch(spec(name))

    assert str(raised.value) == f"{message} on registry.terraform.io: {url}"


@pytest.mark.parametrize(
    ("name", "url", "body", "message"),
    [
        ("hashicorp/random", RANDOM, "[]", "not a JSON object"),
        (
            "hashicorp/random",
            RANDOM,
            '{"errors": ["Internal\\nerror", 7]}',
            "(the registry answered: Internal error)",
        ),
        ("hashicorp/random", RANDOM, '{"versions": {"2.0.0": {}}}', "(no list of versions)"),
        (
            "hashicorp/random",
            RANDOM,
            '{"versions": []}',
            'lists no version of the provider "hashicorp/random"',
        ),
        ("hashicorp/random", RANDOM, '{"versions": [{"v": 1}, "2.0.0"]}', "lists no version"),
        ("hashicorp/consul/aws", CONSUL, '{"modules": []}', "(no list of versions)"),
        ("hashicorp/consul/aws", CONSUL, '{"modules": ["x"]}', "(no list of versions)"),
        (
            "hashicorp/consul/aws",
            CONSUL,
            '{"versions": [{"version": "1.0.0"}]}',
            "(no list of versions)",
        ),
    ],
    ids=[
        "not-an-object",
        "errors",
        "versions-not-a-list",
        "empty",
        "junk-only",
        "no-module",
        "module-not-an-object",
        "provider-shape-for-a-module",
    ],
)
def test_malformed_answers_are_readable_errors(mock_http, name, url, body, message):
    mock_http.get(url, body=body, content_type="application/json")

    with pytest.raises(BackendError) as raised:
        fetch(spec(name))

    assert message in str(raised.value)
    assert url in str(raised.value)


@pytest.mark.parametrize(
    "name",
    [
        "hashicorp",
        "hashicorp/../aws",
        "hashicorp/aws/../../x",
        "a/b/c/d",
        "registry.terraform.io/hashicorp/aws",
        "hashicorp/aws?x=1",
        "-hashicorp/aws",
        "",
    ],
    ids=[
        "one-part",
        "dot-dot",
        "module-dot-dot",
        "four-parts",
        "with-host",
        "query",
        "dash",
        "empty",
    ],
)
def test_a_name_that_is_not_an_address_never_reaches_a_url(mock_http, name):
    with pytest.raises(BackendError, match="is not a valid Terraform provider or module address"):
        fetch(spec(name))

    assert not mock_http.calls


def test_a_registry_address_that_is_not_http_is_refused_unread(mock_http):
    with pytest.raises(BackendError, match="is not the address of a Terraform registry"):
        fetch(spec(version_url="ftp://registry.example.org"))

    assert not mock_http.calls


# -- rate limits --------------------------------------------------------------------------------


def seconds_until(moment: dt.datetime) -> float:
    return (moment - dt.datetime.now(dt.UTC)).total_seconds()


def throttled(**headers: str) -> dict:
    return {"status": 429, "json": {"errors": ["API rate limit exceeded"]}, "headers": headers}


@pytest.mark.parametrize(
    ("headers", "low", "high"),
    [
        # Seconds from now, as a float (rounded up): never asked again too early.
        ({"X-RateLimit-Limit": "30", "X-RateLimit-Reset": "7.25"}, 6, 8),
        ({"X-RateLimit-Reset": "0.044"}, 0, 1),
        # Retry-After, when a proxy in front of the registry sends one, wins.
        ({"Retry-After": "120", "X-RateLimit-Reset": "7"}, 118, 120),
        # A Unix time from a registry that sends one, capped at a day like every reset time.
        ({"X-RateLimit-Reset": "4102444800"}, 86_390, 86_400),
        # Nothing usable: the usual hour.
        ({"X-RateLimit-Reset": "soon"}, 3590, 3600),
        ({}, 3590, 3600),
    ],
)
def test_a_throttled_registry_defers_its_projects_until_its_reset(mock_http, headers, low, high):
    mock_http.get(RANDOM, **throttled(**headers))

    with pytest.raises(RateLimited) as raised:
        fetch(spec())

    assert low <= seconds_until(raised.value.reset_at) <= high
    assert raised.value.scope == "registry.terraform.io"
    assert raised.value.scope == get_backend("Terraform Registry").rate_limit_scope(spec())


def test_a_negative_reset_means_now(mock_http):
    mock_http.get(RANDOM, **throttled(**{"X-RateLimit-Reset": "-5"}))

    with pytest.raises(RateLimited) as raised:
        fetch(spec())

    assert -1 <= seconds_until(raised.value.reset_at) <= 0


def test_a_throttled_service_discovery_is_a_rate_limit_of_that_host(mock_http):
    mock_http.get(DISCOVERY, **throttled(**{"X-RateLimit-Reset": "30"}))

    with pytest.raises(RateLimited) as raised:
        fetch(spec(version_url=OPENTOFU))

    assert raised.value.scope == "registry.opentofu.org"
    assert 28 <= seconds_until(raised.value.reset_at) <= 30
