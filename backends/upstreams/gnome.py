"""The ``GNOME`` backend: a module's ``cache.json`` on download.gnome.org, else its folder."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, RateLimited, Release
from backends.http import FetchError, ResponseTooLarge, UnsafeURL
from backends.regexes import releases_from
from backends.upstreams._common import path_segment
from backends.upstreams.folder import directory_versions

if TYPE_CHECKING:
    from backends.http import HttpClient

# Anitya's fallback: the module folder lists one subfolder per minor series (``3.16/``).
GNOME_DIRECTORY_PATTERN = r"([0-9][0-9.]*)/"


def cache_versions(data: Any, name: str) -> list[str]:
    """The version list ``cache.json`` gives for ``name``; empty when it has none.

    The file is ``[format, {name: {version: files}}, {name: [versions]}, {series: [files]}]``;
    as in Anitya, the versions are the first entry keyed by the name whose value is a list.
    Anything else (another format, wrong types) yields nothing, never an exception.
    """
    if not isinstance(data, list):
        return []
    for item in data:
        if isinstance(item, dict) and isinstance(item.get(name), list):
            return [v.strip() for v in item[name] if isinstance(v, str) and v.strip()]
    return []


class Gnome(Backend):
    """GNOME modules, by the name they have in ``download.gnome.org/sources/``."""

    name = "GNOME"
    examples = (
        "https://download.gnome.org/sources/gnome-control-center/",
        "https://download.gnome.org/sources/evolution-data-server/",
    )
    fields: ClassVar[dict[str, FieldHelp]] = {
        "name": FieldHelp(
            "GNOME module name",
            "The module's name on download.gnome.org (as in download.gnome.org/sources/<name>/).",
            required=True,
        ),
    }

    def folder_url(self, spec: ProjectSpec) -> str:
        """The module's download folder, read when its cache.json is missing or unusable."""
        return f"https://download.gnome.org/sources/{path_segment(spec.name)}/"

    def version_url(self, spec: ProjectSpec) -> str:
        return f"{self.folder_url(spec)}cache.json"

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        try:
            data = http.get_json(self.version_url(spec), conditional=True)
        except (RateLimited, FetchError, ResponseTooLarge, UnsafeURL):
            # The folder is on the same host: it would fail the same way, only slower.
            raise
        except BackendError:
            # No cache.json (HTTP 404, ...) or not JSON: the folder listing still works.
            data = None
        versions = cache_versions(data, spec.name.strip())
        if versions:
            return [Release(version) for version in dict.fromkeys(versions)]
        url = self.folder_url(spec)
        response = http.get(url)
        versions = directory_versions(response, GNOME_DIRECTORY_PATTERN)
        return releases_from(versions, spec, url, GNOME_DIRECTORY_PATTERN)
