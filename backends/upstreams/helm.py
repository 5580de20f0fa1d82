"""Helm: the versions of a chart, from a chart repository's index.yaml or an OCI registry.

A chart repository (``helm repo add <name> <url>``) serves ``<url>/index.yaml``: ``entries``
maps each chart name to the list of its versions, each with ``version`` and ``created``
(https://helm.sh/docs/topics/chart_repository/#the-index-file). The index is one YAML
document, often megabytes, from any server at all, so it is read as a stream of events with
:mod:`backends.upstreams._yaml_stream`'s guards and only the wanted chart's versions are kept.

A chart in an OCI registry (``oci://registry/namespace/chart``, Helm 3.8+) has one tag per
version; Helm writes a version's ``+`` as ``_`` in the tag, because tags cannot hold a
``+`` (https://helm.sh/docs/topics/registries/), and that is undone here.

Chart names are only unique within a repository, so Helm is not an ecosystem.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from yaml.events import (
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, Release
from backends.http import display_url
from backends.upstreams._common import MAX_VERSION_LENGTH, not_found_means, parse_iso_datetime
from backends.upstreams._yaml_stream import YamlEvents
from backends.upstreams.oci.distribution import oci_tags
from backends.upstreams.oci.references import (
    ImageReference,
    is_version_tag,
    parse_reference,
    repository_name,
)

if TYPE_CHECKING:
    from backends.http import HttpClient

INDEX_FILE = "index.yaml"
OCI_SCHEME = "oci://"
# Helm's own limit on a chart name is its file system's; this only bounds messages and work.
MAX_CHART_NAME = 250


def _chart_name(spec: ProjectSpec) -> str:
    return spec.name.strip()


def index_url(version_url: str | None) -> str | None:
    """``<repository>/index.yaml`` for an http(s) repository URL (or the index's own URL)."""
    value = (version_url or "").strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if parts.query or parts.fragment or any(c.isspace() for c in value):
        return None
    if parts.path.rsplit("/", 1)[-1] in (INDEX_FILE, "index.yml"):
        return value
    return f"{value.rstrip('/')}/{INDEX_FILE}"


def oci_chart(version_url: str | None, chart: str) -> ImageReference | None:
    """The registry and repository of an ``oci://`` chart reference, else None.

    As with ``helm push <chart> oci://registry/namespace``, a reference whose last component
    is not the chart's name is the namespace the chart was pushed to, and the name is added.
    """
    value = (version_url or "").strip()
    if not value.lower().startswith(OCI_SCHEME):
        return None
    reference = parse_reference(value)
    if reference is None:
        return None
    repository = reference.repository
    if repository.rsplit("/", 1)[-1] != chart.lower():
        found = repository_name(f"{repository}/{chart.lower()}", docker_hub=False)
        if found is None:
            return None
        repository = found
    return ImageReference(reference.registry, repository)


class Helm(Backend):
    """Every version of a chart in a Helm chart repository or an OCI registry."""

    name = "Helm"
    examples = (
        "https://charts.bitnami.com/bitnami",
        "https://prometheus-community.github.io/helm-charts",
        "oci://registry-1.docker.io/bitnamicharts/nginx",
    )
    fields = {
        "name": FieldHelp(
            "Chart name",
            "The chart's name in the repository, as in helm install <repo>/<chart>.",
            required=True,
        ),
        "version_url": FieldHelp(
            "Chart repository URL",
            "The address you would give helm repo add, e.g. "
            "https://prometheus-community.github.io/helm-charts (its index.yaml is read), "
            "or a chart in an OCI registry, e.g. oci://registry-1.docker.io/bitnamicharts/nginx "
            "(or the namespace it was pushed to, oci://ghcr.io/owner/charts). Any self-hosted "
            "repository or registry works (http, https or oci). For a private http(s) "
            "repository, put the credentials in the address (https://user:password@host/...).",
            required=True,
        ),
    }
    required_version_url = True
    default_version_scheme = "Semantic"

    def version_url(self, spec: ProjectSpec) -> str:
        chart = oci_chart(spec.version_url, _chart_name(spec))
        if chart is not None:
            return chart.tags_url
        return index_url(spec.version_url) or ""

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        chart = _chart_name(spec)
        if not chart or len(chart) > MAX_CHART_NAME or not chart.isprintable():
            raise BackendError(
                "The project's name is not a Helm chart name: it must be one line of at most "
                f"{MAX_CHART_NAME} printable characters, the name in helm install <repo>/<chart>."
            )
        if (spec.version_url or "").strip().lower().startswith(OCI_SCHEME):
            return self._oci_versions(spec, chart, http)
        url = index_url(spec.version_url)
        if url is None:
            raise BackendError(
                f"Project {spec.name} was incorrectly set up: the chart repository URL must be "
                "an http or https address such as https://charts.example.com/stable, or "
                "oci://registry/namespace/chart for a chart in an OCI registry."
            )
        with not_found_means(
            f"No Helm chart repository at {display_url(url)} (HTTP 404). Check the repository "
            "URL: it is the address given to helm repo add."
        ):
            response = http.get(url, conditional=True)
        with YamlEvents(response.content, url, tick=http.budget.remaining) as events:
            releases = _chart_versions(events, chart, url)
        http.budget.check_versions(len(releases))
        return releases

    def _oci_versions(self, spec: ProjectSpec, chart: str, http: HttpClient) -> list[Release]:
        reference = oci_chart(spec.version_url, chart)
        if reference is None:
            raise BackendError(
                f"Project {spec.name} was incorrectly set up: the OCI reference must look like "
                "oci://registry/namespace/chart, with a lower-case chart name."
            )
        tags = oci_tags(reference.registry, reference.repository, http, label=spec.name)
        # Helm writes SemVer build metadata ("+") as "_" in tags, which cannot hold a "+".
        releases = [Release(tag.replace("_", "+")) for tag in tags if is_version_tag(tag)]
        if not releases:
            raise BackendError(
                f"{spec.name}: no upstream version found. {reference.host} lists "
                f"{len(tags)} tag(s) for {reference.repository}, none a chart version. "
                f"({reference.tags_url})"
            )
        return releases


def _chart_versions(events: YamlEvents, chart: str, url: str) -> list[Release]:
    """The versions the index lists for ``chart``: its exact name, else the one name equal
    to it but for case (chart names are lower case, project names need not be)."""
    shown = display_url(url)
    not_an_index = f"{shown}: unexpected answer (not a Helm repository index: no entries)"
    events.next()  # the stream's start
    if not isinstance(events.next(), DocumentStartEvent):  # an empty answer
        raise BackendError(not_an_index)
    if not isinstance(events.next(), MappingStartEvent):
        raise BackendError(not_an_index)
    while not isinstance(key := events.next(), MappingEndEvent):
        name, value = events.scalar(key), events.next()
        if name == "entries" and isinstance(value, MappingStartEvent):
            break
        events.skip(value)
    else:
        raise BackendError(not_an_index)
    charts = 0
    alike: list[list[Release]] = []
    while not isinstance(key := events.next(), MappingEndEvent):
        name, value = events.scalar(key), events.next()
        charts += 1
        if name == chart:
            # The rest of the index cannot change the answer: it is not read.
            return _entry_versions(events, value, chart, shown)
        if name is not None and name.lower() == chart.lower():
            alike.append(_entry_versions(events, value, chart, shown))
        else:
            events.skip(value)
    if len(alike) == 1:
        return alike[0]
    raise BackendError(
        f'The Helm chart repository {shown} has no chart "{chart}" (it lists {charts:,} '
        "charts). Check the chart name, as in helm install <repo>/<chart>."
    )


def _entry_versions(events: YamlEvents, start: object, chart: str, shown: str) -> list[Release]:
    """The ``version`` and ``created`` of each item of a chart's list of versions."""
    if not isinstance(start, SequenceStartEvent):
        raise BackendError(f'{shown}: unexpected answer (chart "{chart}" has no list of versions)')
    releases: list[Release] = []
    while not isinstance(item := events.next(), SequenceEndEvent):
        if not isinstance(item, MappingStartEvent):
            events.skip(item)
            continue
        fields: dict[str, str] = {}
        while not isinstance(key := events.next(), MappingEndEvent):
            name = events.scalar(key)
            value = events.next()
            if name in ("version", "created") and isinstance(value, ScalarEvent):
                fields[name] = str(value.value)
            else:
                events.skip(value)
        version = fields.get("version", "").strip()
        if version and len(version) <= MAX_VERSION_LENGTH and version.isprintable():
            created = parse_iso_datetime(fields.get("created"))
            releases.append(Release(version, published_at=created))
    return releases
