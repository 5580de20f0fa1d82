"""The ``Drupal6`` and ``Drupal7`` backends: drupal.org's release history of a module."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar

from backends import regexes
from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, Release
from backends.upstreams._common import path_segment

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from backends.http import HttpClient, HttpResponse


class _Drupal(Backend):
    """One Drupal core line; subclasses set ``core``.

    The release history is XML; it is read as XML when it parses, and with Anitya's regex
    over ``<version>`` elements when it does not (a truncated or sloppy answer still lists
    its versions).
    """

    core: ClassVar[str]

    @property
    def _prefix(self) -> str:
        return f"{self.name}:"

    def module_name(self, spec: ProjectSpec) -> str:
        """The module's machine name: ``DrupalN:`` prefix dropped, ``-`` spelled ``_``.

        Anitya lost the prefix stripping for names containing ``-``; here both always apply
        (machine names never contain ``-``, so the ``_`` spelling is the only one that exists).
        """
        name = spec.name.strip()
        if name.lower().startswith(self._prefix.lower()):
            name = name[len(self._prefix) :].strip()
        return name.replace("-", "_")

    def version_url(self, spec: ProjectSpec) -> str:
        return (
            "https://updates.drupal.org/release-history/"
            f"{path_segment(self.module_name(spec))}/{self.core}.x"
        )

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        url = self.version_url(spec)
        response = http.get(url, conditional=True)
        try:
            root = response.xml()
        except BackendError:
            root = None
        if root is not None:
            if root.tag == "error":
                detail = " ".join((root.text or "").split()) or "no release history"
                raise BackendError(f"{spec.name}: drupal.org answered: {detail} - {url}")
            releases = self._from_xml(root, spec, url)
            if releases:
                return releases
        # Not XML, or XML of an unexpected shape: Anitya's regex still reads the versions.
        return self._by_regex(response, spec, url)

    def _from_xml(self, root: Element, spec: ProjectSpec, url: str) -> list[Release]:
        prefix = f"{self.core}.x-"
        releases: dict[str, Release] = {}
        for release in root.iter("release"):
            version = (release.findtext("version") or "").strip()
            if not version.startswith(prefix) or len(version) == len(prefix):
                continue
            version = version[len(prefix) :]
            if any(char.isspace() for char in version):
                raise BackendError(f"{spec.name}: invalid upstream version:>{version}< - {url}")
            if version not in releases:
                releases[version] = Release(version, published_at=_epoch(release.findtext("date")))
        return list(releases.values())

    def _by_regex(self, response: HttpResponse, spec: ProjectSpec, url: str) -> list[Release]:
        pattern = rf"<version>{self.core}\.x-([^<]+)</version>"
        versions = regexes.find_versions(pattern, response.text)
        return regexes.releases_from(versions, spec, url, pattern)


def _epoch(value: str | None) -> dt.datetime | None:
    """A release's ``<date>`` (Unix seconds) as an aware UTC datetime; None when unusable."""
    try:
        seconds = int((value or "").strip())
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _fields(core: str) -> dict[str, FieldHelp]:
    return {
        "name": FieldHelp(
            "Drupal module name",
            f"The module's machine name on drupal.org (as in drupal.org/project/<name>); "
            f"it may be written 'Drupal{core}: <name>'.",
            required=True,
        ),
    }


def _more_info(core: str) -> str:
    return (
        f"This backend reads the Drupal {core} releases of a module from drupal.org. The "
        f"project name is the module's machine name, optionally prefixed with "
        f"'Drupal{core}: ' (e.g. 'Drupal{core}: admin_menu') so that it does not clash with "
        f"other projects of the same name; '-' in the name is read as '_'."
    )


class Drupal6(_Drupal):
    """Drupal 6 modules."""

    name = "Drupal6"
    core = "6"
    examples = (
        "https://www.drupal.org/project/wysiwyg",
        "https://www.drupal.org/project/admin_menu",
    )
    fields: ClassVar[dict[str, FieldHelp]] = _fields(core)
    more_info = _more_info(core)


class Drupal7(_Drupal):
    """Drupal 7 modules."""

    name = "Drupal7"
    core = "7"
    examples = (
        "https://www.drupal.org/project/wysiwyg",
        "https://www.drupal.org/project/admin_menu",
    )
    fields: ClassVar[dict[str, FieldHelp]] = _fields(core)
    more_info = _more_info(core)
