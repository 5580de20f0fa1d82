"""The hostile-upstream budgets, for every backend of issue #19: each attack a registry can make
ends the check with a :class:`BackendError` that says why, within the check's budget.

A real server on 127.0.0.1 (bench/hostile/servers.py's :class:`HostileRegistry`) answers every
request with one attack, whatever the path, so each backend meets it on its first request: an
endless body and one announcing a terabyte (stopped at the response cap), a body trickled a
byte at a time, a request never answered and a TLS handshake never finished (stopped at the
check's deadline), a redirect loop and a redirect to the cloud
metadata address (refused), JSON nested 100,000 deep (refused, never a RecursionError), deep
YAML and a YAML alias bomb for Helm's index.yaml (refused as the stream reaches them), and a
gzip bomb (decompressed only up to the cap). Charts in OCI registries are read over https (an
``oci://`` reference always is), so that case runs against the same server behind TLS, with a
certificate the check trusts as an operator's CA bundle. The bounds are those of
tests/backends/test_hostile_upstreams.py: the deadline plus 2 s for trickles, under 10 s and
its memory bound for the rest.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from backends import pipeline
from backends.base import BackendError, ProjectSpec
from backends.budget import OverBudget
from backends.http import FetchError, ResponseTooLarge, UnsafeURL
from bench.hostile.servers import BOMB_BYTES, METADATA_URL, HostileRegistry, gzip_bomb
from tests.backends.test_hostile_upstreams import MEMORY_BOUND_MB, peak_growth_mb
from tests.tls import self_signed, trusted

CAP = 1024 * 1024  # HTTP_MAX_RESPONSE_BYTES here: a 1 MiB cap makes the bodies' excess plain
DEADLINE = 1  # CHECK_DEADLINE here, in seconds


@dataclass(frozen=True)
class Target:
    """A project of one new backend, pointed at the registry at ``base``."""

    id: str
    backend: str
    name: str
    version_url: Callable[[str, str], str]  # (base URL, host:port) -> the project's URL
    tls: bool = False

    def spec(self, registry: HostileRegistry) -> ProjectSpec:
        return ProjectSpec(
            name=self.name,
            homepage="https://project.example.org/",
            backend=self.backend,
            version_url=self.version_url(registry.url, registry.host),
        )


TARGETS = [
    Target("git", "Git (any host)", "widget", lambda url, host: f"{url}/widget.git"),
    Target("oci", "Container registry (OCI)", "app", lambda url, host: f"{url}/team/app"),
    Target("docker-hub", "Docker Hub", "nginx", lambda url, host: url),
    Target("go", "Go modules", "github.com/go-kit/kit", lambda url, host: url),
    Target("helm", "Helm", "airflow", lambda url, host: f"{url}/stable"),
    Target("helm-oci", "Helm", "podinfo", lambda url, host: f"oci://{host}/charts", tls=True),
    Target("nuget", "NuGet", "NUnit", lambda url, host: f"{url}/v3/index.json"),
    Target("hex", "Hex.pm", "phoenix", lambda url, host: f"{url}/api"),
    Target("pub-dev", "pub.dev", "path", lambda url, host: url),
    Target("terraform", "Terraform Registry", "hashicorp/random", lambda url, host: url),
    Target("conda", "conda", "pytest", lambda url, host: f"{url}/package/main"),
    Target("homebrew", "Homebrew", "wget", lambda url, host: f"{url}/api"),
    Target("homebrew-cask", "Homebrew Cask", "docker", lambda url, host: f"{url}/api"),
    Target("open-vsx", "Open VSX", "redhat.java", lambda url, host: url),
    Target("aur", "AUR", "cower", lambda url, host: url),
]
TARGET_PARAMS = [pytest.param(target, id=target.id) for target in TARGETS]


@pytest.fixture
def limits(settings):
    settings.FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.HTTP_MAX_RESPONSE_BYTES = CAP
    settings.HTTP_READ_TIMEOUT = 30  # each trickled byte comes well within it
    return settings


@pytest.fixture
def attack(limits, tmp_path_factory) -> Iterator[Callable[[str, Target], HostileRegistry]]:
    """Start the registry making one attack, behind TLS (and trusted) for https targets."""
    started: list[HostileRegistry] = []
    trust = None

    def start(name: str, target: Target) -> HostileRegistry:
        nonlocal trust
        tls = None
        if target.tls:
            certificate = self_signed(tmp_path_factory.mktemp("tls"))
            tls = certificate.server_context()
            trust = trusted(certificate)
            trust.__enter__()
        if name == "gzip-bomb":
            gzip_bomb()  # made once, before the clock of any check starts
        registry = HostileRegistry(name, tls=tls)
        started.append(registry)
        return registry

    yield start
    for registry in started:
        registry.close()
    if trust is not None:
        trust.__exit__(None, None, None)


def outcome(project: ProjectSpec) -> tuple[BaseException | None, float, float]:
    """The check's error (None if it found versions), its seconds and its peak memory (MB)."""
    started = time.monotonic()
    error, growth = peak_growth_mb(lambda: pipeline.preview(project))
    return (error if isinstance(error, BaseException) else None), time.monotonic() - started, growth


def assert_readable(error: BaseException | None, *fragments: str) -> str:
    """A BackendError of one line that says what happened, in the words of ``fragments``."""
    assert isinstance(error, BackendError), repr(error)
    message = str(error)
    assert "\n" not in message and len(message) < 600, message
    for junk in ("Traceback", "RecursionError", "maximum recursion", "Errno", "object at 0x"):
        assert junk not in message, message
    for fragment in fragments:
        assert fragment in message, message
    return message


# -- bodies without end -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["endless-body", "oversized", "gzip-bomb"])
@pytest.mark.parametrize("target", TARGET_PARAMS)
def test_a_body_without_end_stops_at_the_response_cap(attack, target, name):
    registry = attack(name, target)

    error, seconds, growth = outcome(target.spec(registry))

    assert isinstance(error, ResponseTooLarge), repr(error)
    assert_readable(error, f"answered more than {CAP} bytes, the most a check reads")
    assert registry.requests == 1
    assert seconds < 10
    assert growth < MEMORY_BOUND_MB, f"{growth:.0f} MB"


def test_the_gzip_bomb_is_a_bomb():
    """The registry's gzip answer really expands 256 MiB: the cap, not the bomb, is small."""
    import zlib

    bomb = gzip_bomb()
    assert len(bomb) < BOMB_BYTES // 500
    assert len(zlib.decompressobj(31).decompress(bomb, CAP + 1)) == CAP + 1


# -- slow answers -------------------------------------------------------------------------------


@pytest.mark.parametrize("slowness", ["trickle", "silent"])
@pytest.mark.parametrize("target", TARGET_PARAMS)
def test_a_trickled_or_missing_answer_stops_at_the_check_deadline(
    attack, target, slowness, settings
):
    """The registry sends its answer a byte at a time ("trickle"), or takes the request and
    never answers ("silent")."""
    settings.CHECK_DEADLINE = DEADLINE
    registry = attack(slowness, target)

    error, seconds, _ = outcome(target.spec(registry))

    assert isinstance(error, OverBudget), repr(error)
    assert_readable(error, f"did not finish within {DEADLINE} s (CHECK_DEADLINE)")
    assert seconds < DEADLINE + 2


def test_a_tls_handshake_that_never_ends_stops_at_the_check_deadline(limits):
    """A port that takes the connection but never answers the TLS hello (the kernel accepts
    it into the listen queue; nobody ever reads it)."""
    limits.CHECK_DEADLINE = DEADLINE
    limits.HTTP_CONNECT_TIMEOUT = 30
    with socket.create_server(("127.0.0.1", 0)) as listening:
        port = listening.getsockname()[1]
        target = next(target for target in TARGETS if target.id == "helm-oci")
        project = ProjectSpec(
            name=target.name,
            homepage="https://project.example.org/",
            backend=target.backend,
            version_url=target.version_url("", f"127.0.0.1:{port}"),
        )

        error, seconds, _ = outcome(project)

    assert isinstance(error, OverBudget), repr(error)
    assert_readable(error, f"did not finish within {DEADLINE} s (CHECK_DEADLINE)")
    assert seconds < DEADLINE + 2


# -- redirects ----------------------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGET_PARAMS)
def test_a_redirect_loop_is_refused(attack, target, settings):
    settings.HTTP_MAX_REDIRECTS = 5
    registry = attack("redirect-loop", target)

    error, seconds, _ = outcome(target.spec(registry))

    assert isinstance(error, FetchError), repr(error)
    assert_readable(error, "redirected more than 5 times (a redirect loop?)")
    assert registry.requests == 6  # the first request and five redirects, no more
    assert seconds < 10


@pytest.mark.parametrize("target", TARGET_PARAMS)
def test_a_redirect_to_a_private_address_is_refused_unfollowed(attack, target):
    registry = attack("redirect-private", target)

    error, seconds, _ = outcome(target.spec(registry))

    assert isinstance(error, UnsafeURL), repr(error)
    assert_readable(error, METADATA_URL, "refusing to connect to 169.254.169.254")
    assert registry.requests == 1
    assert seconds < 10


# -- documents built to hurt the parser ---------------------------------------------------------


@pytest.mark.parametrize("target", TARGET_PARAMS)
def test_json_nested_without_end_is_a_readable_error(attack, target):
    registry = attack("deep-json", target)

    error, seconds, growth = outcome(target.spec(registry))

    message = assert_readable(error)
    # Said as the answer the backend expected: invalid JSON, an unexpected shape, deep YAML.
    assert any(
        words in message
        for words in (
            "refused JSON answer: it nests arrays or objects too deeply to be a real answer",
            "invalid YAML answer: exceeded maximum nesting depth",  # libyaml's own limit
            "Not a Git repository",
            "unexpected answer",
        )
    ), message
    assert seconds < 10
    assert growth < MEMORY_BOUND_MB, f"{growth:.0f} MB"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("deep-yaml", "refused YAML answer: it nests more than 32 levels deep"),
        ("yaml-laughs", "refused YAML answer: it uses YAML anchors and aliases"),
    ],
)
def test_helm_refuses_deep_yaml_and_alias_bombs_in_an_index(attack, name, reason):
    target = next(target for target in TARGETS if target.id == "helm")
    registry = attack(name, target)

    error, seconds, growth = outcome(target.spec(registry))

    assert_readable(error, reason, f"{registry.url}/stable/index.yaml")
    assert seconds < 2
    assert growth < 50, f"{growth:.0f} MB"
