"""Terraform Registry: the versions of a provider or a module, on any registry host.

Both follow HashiCorp's registry protocols, which every registry implements (the public
registry.terraform.io, the OpenTofu registry, self-hosted ones):

- providers, ``<namespace>/<type>``: ``GET <providers.v1>/<namespace>/<type>/versions`` ->
  ``{"versions": [{"version": ...}, ...]}``
  (https://developer.hashicorp.com/terraform/internals/provider-registry-protocol);
- modules, ``<namespace>/<name>/<system>``: ``GET <modules.v1>/<namespace>/<name>/<system>/
  versions`` -> ``{"modules": [{"versions": [{"version": ...}, ...]}]}``, the requested module
  first
  (https://developer.hashicorp.com/terraform/internals/module-registry-protocol).

The address tells which: two parts name a provider, three a module, as in Terraform itself. A
host other than registry.terraform.io says where its APIs are in
``https://<host>/.well-known/terraform.json`` (``providers.v1``, ``modules.v1``; relative
URLs resolve against that document's final URL), Terraform's remote service discovery
(https://developer.hashicorp.com/terraform/internals/remote-service-discovery). Neither
protocol dates a version.

A throttled request is answered ``429``; HashiCorp's APIs say when to come back in
``X-RateLimit-Reset`` as seconds from now (a float, "the number of seconds until the rate
limit resets"), not as a Unix time, so that header is read as such here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin, urlsplit

from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, Release
from backends.credentials import origin
from backends.http import display_url, parse_reset_time
from backends.upstreams._common import as_dict, not_found_means, web_url
from backends.upstreams._registries import (
    bad_registry_url,
    checked_name,
    get_unless_throttled,
    json_object,
    registry_base,
    shown,
    version_string,
)

if TYPE_CHECKING:
    from backends.http import HttpClient, HttpResponse

PUBLIC_HOST = "https://registry.terraform.io"
# The public registry's service discovery, as its /.well-known/terraform.json announces it.
PUBLIC_SERVICES = {
    "providers.v1": f"{PUBLIC_HOST}/v1/providers/",
    "modules.v1": f"{PUBLIC_HOST}/v1/modules/",
}
DISCOVERY_PATH = "/.well-known/terraform.json"
# One part of an address (Terraform's rule for namespaces, names, types and systems): letters,
# digits, dashes and underscores, starting and ending with a letter or digit, at most 64.
_PART = r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62}[A-Za-z0-9])?"
ADDRESS = re.compile(rf"{_PART}/{_PART}(?:/{_PART})?")
# X-RateLimit-Reset values at least this large are Unix times (some registries send those).
_EPOCH_RESET = 10**9


def _parts(name: str) -> list[str]:
    return name.strip().split("/")


def _service(name: str) -> str:
    """The registry service of an address: two parts are a provider, three a module."""
    return "providers.v1" if len(_parts(name)) == 2 else "modules.v1"


def _versions_url(service_url: str, name: str) -> str:
    path = "/".join(quote(part, safe="") for part in _parts(name))
    return urljoin(
        service_url if service_url.endswith("/") else service_url + "/", path + "/versions"
    )


def _host_base(spec: ProjectSpec) -> str | None:
    """The registry's origin from the version URL (a host name is enough), else the public one."""
    value = (spec.version_url or "").strip()
    if value and "://" not in value:
        value = "https://" + value  # registries are named by host, and speak https
    base = registry_base(dataclasses.replace(spec, version_url=value), PUBLIC_HOST)
    if base is None:
        return None
    # Discovery is at the host's root, whatever path was given; never with a user in the URL.
    return origin(base)


class TerraformRegistry(Backend):
    """Every version of a Terraform provider or module that a registry lists."""

    name = "Terraform Registry"
    examples = (
        "https://registry.terraform.io/providers/hashicorp/aws",
        "https://registry.terraform.io/modules/terraform-aws-modules/vpc/aws",
    )
    fields = {
        "name": FieldHelp(
            "Provider or module address",
            "A provider as <namespace>/<type> (hashicorp/aws), a module as "
            "<namespace>/<name>/<system> (terraform-aws-modules/vpc/aws); the registry host "
            "goes in the field below.",
            required=True,
        ),
        "version_url": FieldHelp(
            "Registry host (optional)",
            "Leave empty for registry.terraform.io. For another registry, public or "
            "self-hosted (e.g. registry.opentofu.org, a private registry or a mirror), its host "
            "name or https address: its /.well-known/terraform.json tells where its provider "
            "and module APIs are.",
        ),
    }
    default_version_scheme = "Semantic"

    def version_url(self, spec: ProjectSpec) -> str:
        """The public registry's version list, or another host's service discovery."""
        host = _host_base(spec)
        if host is None:
            return ""
        if host == PUBLIC_HOST:
            return _versions_url(PUBLIC_SERVICES[_service(spec.name)], spec.name)
        return host + DISCOVERY_PATH

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        address = checked_name(
            spec,
            ADDRESS,
            "Terraform provider or module address",
            "a provider is <namespace>/<type> and a module <namespace>/<name>/<system>, "
            "without the registry host (it goes in the version URL)",
        )
        host = _host_base(spec)
        if host is None:
            raise bad_registry_url(spec, "Terraform registry", PUBLIC_HOST)
        service = _service(address)
        service_url = (
            PUBLIC_SERVICES[service] if host == PUBLIC_HOST else _discover(http, host, service)
        )
        url = _versions_url(service_url, address)
        kind = "provider" if service == "providers.v1" else "module"
        where = urlsplit(host).netloc
        with not_found_means(f'No {kind} "{address}" on {where}: {display_url(url)}'):
            answer = json_object(_get(http, url, conditional=True).json(), url)
        versions = _listed_versions(answer, service, url)
        http.budget.check_versions(len(versions))
        releases = [
            Release(v) for item in versions if (v := version_string(as_dict(item).get("version")))
        ]
        if not releases:
            raise BackendError(f'{display_url(url)} lists no version of the {kind} "{address}".')
        return releases


def _discover(http: HttpClient, host: str, service: str) -> str:
    """The base URL of ``service`` that ``host``'s service discovery document announces."""
    url = host + DISCOVERY_PATH
    with not_found_means(
        f"{urlsplit(host).netloc} is not a Terraform registry: it has no service discovery "
        f"document ({display_url(url)} answered HTTP 404). Check the registry host."
    ):
        response = _get(http, url)
    services = json_object(response.json(), url)
    announced = services.get(service)
    # Relative URLs resolve against the document's final URL, after redirects.
    found = web_url(urljoin(response.url, announced)) if isinstance(announced, str) else None
    if found is None:
        kind = "providers" if service == "providers.v1" else "modules"
        raise BackendError(
            f"{display_url(url)}: the registry announces no {kind} service ({service}), so it "
            f"serves no {kind}. Check the registry host and the address."
        )
    return found


def _listed_versions(answer: dict[str, Any], service: str, url: str) -> list[Any]:
    """The version objects of a provider's or a module's answer."""
    if service == "modules.v1":
        modules = answer.get("modules")
        # The requested module is the first element; others are not ours.
        module = as_dict(modules[0]) if isinstance(modules, list) and modules else {}
        versions = module.get("versions")
    else:
        versions = answer.get("versions")
    if isinstance(versions, list):
        return versions
    errors = answer.get("errors")
    # The public registry answers errors as {"errors": ["Not Found"]}.
    first_errors = errors[:3] if isinstance(errors, list) else []
    message = "; ".join(filter(None, map(_upstream_text, first_errors)))
    detail = f"the registry answered: {message}" if message else "no list of versions"
    raise BackendError(f"{display_url(url)}: unexpected answer ({detail})")


def _upstream_text(value: object) -> str:
    """Text the registry wrote (an error, a reason), as one short line; "" if not text."""
    return shown(value) if isinstance(value, str) else ""


def _get(http: HttpClient, url: str, *, conditional: bool = False) -> HttpResponse:
    """GET ``url``; a ``429`` is a :class:`RateLimited` of the registry's host until
    ``Retry-After``, else ``X-RateLimit-Reset`` seconds from now."""
    return get_unless_throttled(
        http, url, lambda throttled: reset_time(throttled.headers), conditional=conditional
    )


def reset_time(headers: Any, now: dt.datetime | None = None) -> dt.datetime:
    """When a registry's rate limit ends (see the module docstring)."""
    now = now or dt.datetime.now(dt.UTC)
    reset = (headers.get("X-RateLimit-Reset") or "").strip()
    if (headers.get("Retry-After") or "").strip() or not reset:
        return parse_reset_time(headers, now)
    try:
        seconds = float(reset)
    except ValueError:
        return parse_reset_time({}, now)
    if not seconds >= 0:  # NaN or negative
        return now
    if seconds >= _EPOCH_RESET:
        return parse_reset_time({"X-RateLimit-Reset": reset}, now)
    # Rounded up: asking again a fraction of a second early would only be refused again.
    return parse_reset_time({"Retry-After": str(int(-(-seconds // 1)))}, now)
