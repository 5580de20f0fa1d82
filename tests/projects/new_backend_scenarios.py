"""One project per new backend of issue #19, as a packager adds it, with the answers its
registry gives (tests/projects/test_new_backends_end_to_end.py runs them).

Every answer is one the backend's own tests use: a case of tests/fixtures/upstream-recordings
(replayed with the recorded registry's address replaced by the local one), or the answer a
backend test builds from the registry's published API description (imported from that test
module). What a scenario expects is what the recording expects, plus the newest versions and
the latest version worked out by hand from the registry's answer and the project's scheme.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from backends.pipeline import MAX_VERSION_LENGTH
from tests.backends.conftest import recorded_case
from tests.backends.upstreams.test_helm import OCI_CHART_TAGS
from tests.backends.upstreams.test_hex import PHOENIX
from tests.backends.upstreams.test_oci import TOKEN, UNAUTHORIZED
from tests.backends.upstreams.test_open_vsx import page
from tests.backends.upstreams.test_terraform import CONSUL_VERSIONS, RANDOM_VERSIONS
from tests.replay_upstream import BearerRealm, ReplayUpstream

UPSTREAM = "{upstream}"  # the local registry's address, in a scenario's form fields
UPSTREAM_HOST = "{upstream_host}"  # its host and port, as an oci:// reference names them


@dataclass(frozen=True)
class Scenario:
    """A project of one backend: the form a packager fills in, what the registry answers,
    and what the site must show after a check."""

    id: str
    form: dict[str, str]
    serve: Callable[[ReplayUpstream], None]
    every_version: frozenset[str]  # as the site shows them (Anitya drops a leading "v")
    newest: tuple[str, ...]  # the first versions listed, newest first
    latest: str
    conditional: bool = True  # later checks send the validators of the last answer
    behind_token: bool = False  # the registry wants a Bearer token (Docker's handshake)
    tls: bool = False  # the registry speaks https (oci:// references always do)

    @property
    def backend(self) -> str:
        return self.form["backend"]

    def filled_form(self, upstream: ReplayUpstream) -> dict[str, str]:
        fields = {"version_scheme": "", "regex": "", **self.form}
        return {
            name: value.replace(UPSTREAM_HOST, upstream.host).replace(UPSTREAM, upstream.base_url)
            for name, value in fields.items()
        }


def shown(raw: list[str]) -> frozenset[str]:
    """Recorded raw versions as the site shows them: Anitya strips a leading "v"."""
    return frozenset(version.removeprefix("v") for version in raw)


def recorded(filename: str, case_id: str) -> tuple[Callable[[ReplayUpstream], None], list[str]]:
    """A recording case's replay, and the versions the recording expects."""
    case = recorded_case(filename, case_id)
    return (lambda upstream: upstream.replay(case)), list(case["expected"]["value"])


def with_bearer(
    replay: Callable[[ReplayUpstream], None], service: str
) -> Callable[[ReplayUpstream], None]:
    """A registry behind Docker's token handshake (the shapes tests/backends/.../test_oci.py
    builds from the Token Authentication Specification)."""

    def serve(upstream: ReplayUpstream) -> None:
        upstream.require_bearer_token(
            BearerRealm(TOKEN, service, json.dumps(UNAUTHORIZED).encode())
        )
        replay(upstream)

    return serve


def serving_json(*documents: tuple[str, object]) -> Callable[[ReplayUpstream], None]:
    """A registry answering the JSON documents a backend test builds, at these paths."""

    def serve(upstream: ReplayUpstream) -> None:
        for target, data in documents:
            upstream.answer_json(target, data)

    return serve


def _scenarios() -> list[Scenario]:
    git, git_versions = recorded("git-any-host.json", "smart-sha1")
    dumb_git, dumb_git_versions = recorded("git-any-host.json", "dumb")
    oci, oci_versions = recorded("docker-hub.json", "ubuntu-any-registry")
    hub, hub_versions = recorded("docker-hub.json", "paginated")
    go, go_versions = recorded("go-modules.json", "go-kit-list")
    helm, helm_versions = recorded("helm.json", "stable-airflow")
    nuget, nuget_versions = recorded("nuget.json", "nuget-nunit-package-source")
    pub, pub_versions = recorded("pub-dev.json", "pub-dev-path")
    aur, aur_versions = recorded("aur.json", "aur-1")
    conda, conda_versions = recorded("conda.json", "conda-1")
    brew, brew_versions = recorded("homebrew.json", "homebrew-2")
    cask, cask_versions = recorded("homebrew-cask.json", "homebrew-cask-1")
    # The service discovery document tests/backends/upstreams/test_terraform.py answers.
    discovery = (
        "/.well-known/terraform.json",
        {"providers.v1": "/v1/providers/", "modules.v1": "/v1/modules/"},
    )
    return [
        Scenario(
            "git-any-host",
            {
                "name": "widget",
                "homepage": "https://git.example.org/widget",
                "backend": "Git (any host)",
                "version_url": f"{UPSTREAM}/widget.git",
            },
            git,
            shown(git_versions),
            ("2.0.0-rc1", "1.10.0", "1.1.0", "1.0.0"),
            "2.0.0-rc1",
        ),
        Scenario(
            "git-any-host-dumb-http",  # a plain web server's info/refs file
            {
                "name": "widget",
                "homepage": "https://git.example.org/widget",
                "backend": "Git (any host)",
                "version_url": f"{UPSTREAM}/widget.git",
            },
            dumb_git,
            shown(dumb_git_versions),
            ("2.0.0-rc1", "1.10.0", "1.1.0", "1.0.0"),
            "2.0.0-rc1",
        ),
        Scenario(
            "container-registry-oci",
            {
                "name": "ubuntu",
                "homepage": "https://ubuntu.com",
                "backend": "Container registry (OCI)",
                "version_url": f"{UPSTREAM}/library/ubuntu",
                "version_filter": "-20",
            },
            with_bearer(oci, service="registry.local"),
            # The version filter of the recording's "ubuntu-newest-release" case, which
            # expects 17.10: the releases stay, the dated builds (xenial-20170915) go.
            frozenset(v for v in oci_versions if "-20" not in v),
            ("17.10", "17.04", "16.10", "16.04", "15.10"),
            "17.10",
            conditional=False,
            behind_token=True,
        ),
        Scenario(
            "docker-hub",
            {
                "name": "ubuntu",
                "homepage": "https://hub.docker.com/_/ubuntu",
                "backend": "Docker Hub",
                "version_url": UPSTREAM,
            },
            with_bearer(hub, service="registry.docker.io"),
            frozenset(v for v in hub_versions if len(v) < MAX_VERSION_LENGTH),
            # SemVer: 2.2.100 beats every 2.2.0 and 2.1.x; pre-release tags compare in ASCII.
            (
                "2.2.100-preview1-sdk-stretch",
                "2.2.100-preview1-sdk-nanoserver-sac2016",
                "2.2.100-preview1-sdk-nanoserver-1803",
                "2.2.100-preview1-sdk-nanoserver-1709",
                "2.2.100-preview1-sdk-bionic",
                "2.2.100-preview1-sdk-alpine3.8",
                "2.2.100-preview1-sdk-alpine",
                "2.2.100-preview1-sdk",
            ),
            "2.2.100-preview1-sdk-stretch",
            conditional=False,
            behind_token=True,
        ),
        Scenario(
            "go-modules",
            {
                "name": "github.com/go-kit/kit",
                "homepage": "https://github.com/go-kit/kit",
                "backend": "Go modules",
                "version_url": UPSTREAM,
            },
            go,
            shown(go_versions),
            tuple(version.removeprefix("v") for version in reversed(go_versions)),
            "0.10.0",
        ),
        Scenario(
            "helm",
            {
                "name": "airflow",
                "homepage": "https://artifacthub.io/packages/helm/stable/airflow",
                "backend": "Helm",
                "version_url": f"{UPSTREAM}/stable",
            },
            helm,
            shown(helm_versions),
            ("2.8.6", "2.8.5", "2.8.4"),
            "2.8.6",
        ),
        Scenario(
            "helm-oci",  # a chart in an OCI registry, behind Docker's token handshake
            {
                "name": "widget",
                "homepage": "https://widget.example.org/",
                "backend": "Helm",
                "version_url": f"oci://{UPSTREAM_HOST}/charts",
            },
            with_bearer(
                serving_json(
                    (
                        "/v2/charts/widget/tags/list",
                        {"name": "charts/widget", "tags": OCI_CHART_TAGS},
                    )
                ),
                service="registry.local",
            ),
            frozenset({"1.0.0", "1.1.0+build.7", "2.0.0-rc.1"}),
            ("2.0.0-rc.1", "1.1.0+build.7", "1.0.0"),
            "2.0.0-rc.1",
            conditional=False,
            behind_token=True,
            tls=True,
        ),
        Scenario(
            "nuget",
            {
                "name": "NUnit",
                "homepage": "https://www.nuget.org/packages/NUnit",
                "backend": "NuGet",
                "version_url": f"{UPSTREAM}/v3/index.json",
            },
            nuget,
            shown(nuget_versions),
            ("3.12.0", "3.11.0", "3.10.1"),
            "3.12.0",
        ),
        Scenario(
            "hex",
            {
                "name": "phoenix",
                "homepage": "https://hex.pm/packages/phoenix",
                "backend": "Hex.pm",
                "version_url": f"{UPSTREAM}/api",
            },
            serving_json(("/api/packages/phoenix", PHOENIX)),
            frozenset({"1.7.0-rc.0", "1.6.16", "1.6.15"}),  # 1.6.14 is retired
            ("1.7.0-rc.0", "1.6.16", "1.6.15"),
            "1.7.0-rc.0",
        ),
        Scenario(
            "pub-dev",
            {
                "name": "path",
                "homepage": "https://pub.dev/packages/path",
                "backend": "pub.dev",
                "version_url": UPSTREAM,
            },
            pub,
            shown(pub_versions),
            # SemVer: the release 1.8.0 beats its pre-releases, which order by their fields.
            (
                "1.9.0",
                "1.8.3",
                "1.8.2",
                "1.8.1",
                "1.8.0",
                "1.8.0-nullsafety.3",
                "1.8.0-nullsafety.2",
                "1.8.0-nullsafety.1",
                "1.8.0-nullsafety",
                "1.7.0",
            ),
            "1.9.0",
        ),
        Scenario(
            "terraform-provider",
            {
                "name": "hashicorp/random",
                "homepage": "https://registry.terraform.io/providers/hashicorp/random",
                "backend": "Terraform Registry",
                "version_url": UPSTREAM,
            },
            serving_json(discovery, ("/v1/providers/hashicorp/random/versions", RANDOM_VERSIONS)),
            frozenset({"2.0.0", "2.0.1"}),
            ("2.0.1", "2.0.0"),
            "2.0.1",
        ),
        Scenario(
            "terraform-module",
            {
                "name": "hashicorp/consul/aws",
                "homepage": "https://registry.terraform.io/modules/hashicorp/consul/aws",
                "backend": "Terraform Registry",
                "version_url": UPSTREAM,
            },
            serving_json(discovery, ("/v1/modules/hashicorp/consul/aws/versions", CONSUL_VERSIONS)),
            frozenset({"1.0.0", "1.1.0", "2.0.0"}),
            ("2.0.0", "1.1.0", "1.0.0"),
            "2.0.0",
        ),
        Scenario(
            "aur",
            {
                "name": "cower",
                "homepage": "https://github.com/falconindy/cower",
                "backend": "AUR",
                "version_url": UPSTREAM,
            },
            aur,
            shown(aur_versions),
            ("14",),
            "14",
        ),
        Scenario(
            "conda",
            {
                "name": "pytest",
                "homepage": "https://docs.pytest.org/",
                "backend": "conda",
                "version_url": f"{UPSTREAM}/package/main",
            },
            conda,
            shown(conda_versions),
            ("6.2.5", "6.2.4", "6.2.3", "6.2.2", "6.2.1", "6.2.0", "6.1.2"),  # listed unordered
            "6.2.5",
        ),
        Scenario(
            "homebrew",
            {
                "name": "wget",
                "homepage": "https://www.gnu.org/software/wget/",
                "backend": "Homebrew",
                "version_url": f"{UPSTREAM}/api",
            },
            brew,
            shown(brew_versions),
            ("1.21.1",),
            "1.21.1",
        ),
        Scenario(
            "homebrew-cask",
            {
                "name": "docker",
                "homepage": "https://www.docker.com/products/docker-desktop",
                "backend": "Homebrew Cask",
                "version_url": f"{UPSTREAM}/api",
            },
            cask,
            shown(cask_versions),
            ("3.6.0",),
            "3.6.0",
        ),
        Scenario(
            "open-vsx",
            {
                "name": "redhat.java",
                "homepage": "https://github.com/redhat-developer/vscode-java",
                "backend": "Open VSX",
                "version_url": UPSTREAM,
            },
            serving_json(
                (
                    "/api/redhat/java/versions?size=100&offset=0",
                    page(["1.32.0", "1.31.0", "0.9.1"], 3),
                )
            ),
            frozenset({"1.32.0", "1.31.0", "0.9.1"}),
            ("1.32.0", "1.31.0", "0.9.1"),
            "1.32.0",
        ),
    ]


SCENARIOS = _scenarios()
