"""conda: the versions of a package in a channel on anaconda.org (conda-forge by default).

``GET https://api.anaconda.org/package/<channel>/<name>`` (anaconda-client's
``Binstar.package()``) answers the package with ``versions`` (every version the channel has,
oldest first) and ``files`` (one per build, with its ``version``, ``labels`` and
``upload_time``). There is no paging: the whole list comes in one answer.

conda resolves a package by its name across channels (channel priority picks one ``numpy``),
so a name means one package whichever channel is watched: the channel is where to read it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, Release
from backends.http import display_url
from backends.upstreams._common import as_dict, not_found_means, parse_iso_datetime
from backends.upstreams._registries import (
    checked_name,
    json_object,
    registry_base,
    shown,
    version_string,
)

if TYPE_CHECKING:
    from backends.http import HttpClient

API = "https://api.anaconda.org"
WEB = "anaconda.org"
DEFAULT_CHANNEL = "conda-forge"
# conda's rule for package names (conda.models.match_spec): lowercase letters, digits and
# "_.-"; "_" starts the mutex packages (_openmp_mutex). Upper case is let through: the API
# answers it.
PACKAGE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
MAX_NAME_LENGTH = 200
# anaconda.org channels are user or organisation names.
CHANNEL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
# conda-forge marks a withdrawn build by moving it to this label only (its "yank").
BROKEN_LABEL = "broken"


def channel_url(spec: ProjectSpec) -> str | None:
    """The channel's package API (``<api>/package/<channel>``) the version URL names.

    Empty: conda-forge. A channel name (``bioconda``): that channel on anaconda.org. A channel's
    page (``https://anaconda.org/bioconda``): the same. Any other http(s) address: the
    channel's package API on another server (a mirror, an anaconda.org-compatible server).
    None when the version URL is none of these.
    """
    value = (spec.version_url or "").strip()
    if not value:
        return f"{API}/package/{DEFAULT_CHANNEL}"
    if "://" not in value:
        channel = value.strip("/")
        return f"{API}/package/{channel}" if CHANNEL_NAME.fullmatch(channel) else None
    base = registry_base(spec, API)
    if base is None:
        return None
    parts = urlsplit(base)
    segments = [segment for segment in parts.path.split("/") if segment]
    if (parts.hostname or "").lower() in (WEB, f"www.{WEB}"):
        if len(segments) == 1 and CHANNEL_NAME.fullmatch(segments[0]):
            return f"{API}/package/{segments[0]}"
        return None
    if any(segment in (".", "..") for segment in segments):
        return None
    return base


class Conda(Backend):
    """Every version of a conda package in a channel, but builds conda-forge withdrew."""

    name = "conda"
    examples = (
        "https://anaconda.org/conda-forge/numpy",
        "https://anaconda.org/bioconda/samtools",
    )
    fields = {
        "name": FieldHelp(
            "conda package name",
            "The package name, as in https://anaconda.org/<channel>/<name>.",
            required=True,
        ),
        "version_url": FieldHelp(
            "Channel (optional)",
            "Leave empty for conda-forge. Otherwise the channel's name (bioconda, anaconda) "
            "or its page (https://anaconda.org/bioconda); for another server with "
            "anaconda.org's API, the channel's API address, e.g. "
            "https://api.conda.example.org/package/<channel>.",
        ),
    }

    def version_url(self, spec: ProjectSpec) -> str:
        channel = channel_url(spec)
        return f"{channel}/{quote(spec.name.strip(), safe='')}" if channel else ""

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        name = checked_name(
            spec,
            PACKAGE_NAME,
            "conda package name",
            'a package name is made of letters, digits and "_.-"',
            max_length=MAX_NAME_LENGTH,
        )
        url = self.version_url(spec)
        if not url:
            raise BackendError(
                f'{spec.name}: "{shown(spec.version_url or "")}" is not a channel. Give a '
                "channel name (bioconda), its page (https://anaconda.org/bioconda) or the "
                "channel's API address, or leave it empty for conda-forge."
            )
        missing = f'No package "{name}" in {_channel_named(url)}: {display_url(url)}'
        with not_found_means(missing):
            data = json_object(http.get_json(url, conditional=True), url)
        error = data.get("error")
        if error:
            detail = " ".join(str(error).split())[:200]
            raise BackendError(f"{display_url(url)}: anaconda.org answered an error: {detail}")
        versions = data.get("versions")
        if not isinstance(versions, list):
            raise BackendError(f"{display_url(url)}: unexpected answer (no list of versions)")
        http.budget.check_versions(len(versions))
        builds = _builds(data.get("files"))
        releases = []
        for item in versions:
            version = version_string(item)
            if version is None:
                continue
            uploaded = [time for _labels, time in builds.get(version, []) if time is not None]
            withdrawn = _withdrawn(builds.get(version))
            published = min(uploaded, default=None)
            releases.append(Release(version, published_at=published, withdrawn=withdrawn))
        if all(release.withdrawn for release in releases):
            raise BackendError(f'{display_url(url)} lists no version of "{name}".')
        return releases


def _channel_named(url: str) -> str:
    """How messages name the channel: by its name on anaconda.org, else "that channel"."""
    prefix = f"{API}/package/"
    if not url.startswith(prefix):
        return "that channel"
    return f"the {url[len(prefix) :].split('/', 1)[0]} channel"


Build = tuple[frozenset[str], dt.datetime | None]


def _builds(files: Any) -> dict[str, list[Build]]:
    """Each version's builds: their labels and upload times (the answer may omit files)."""
    builds: dict[str, list[Build]] = {}
    for item in files if isinstance(files, list) else []:
        file = as_dict(item)
        version = version_string(file.get("version"))
        if version is None:
            continue
        labels = file.get("labels")
        names = frozenset(
            label
            for label in (labels if isinstance(labels, list) else [])
            if isinstance(label, str)
        )
        builds.setdefault(version, []).append((names, parse_iso_datetime(file.get("upload_time"))))
    return builds


def _withdrawn(builds: list[Build] | None) -> bool:
    """Every build of the version is labelled "broken" only: conda-forge withdrew it."""
    return bool(builds) and all(labels == {BROKEN_LABEL} for labels, _time in builds or [])
