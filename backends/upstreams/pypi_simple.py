"""PyPI simple: any package index that speaks the simple repository API (PEP 503 / PEP 691).

pypi.org, devpi, pypiserver, Artifactory, Nexus, GitLab and private indexes all serve a
project page at ``<root>/<normalized name>/`` listing its distribution files; the versions
are read from the file names, which is the one thing every such index has in common. A file
the index marks yanked (PEP 592's ``data-yanked`` in HTML, PEP 691's ``yanked`` in JSON) is
not installable; a version all of whose files are yanked is reported ``withdrawn``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup
from packaging.utils import parse_sdist_filename, parse_wheel_filename
from packaging.version import InvalidVersion, Version
from requests.auth import HTTPBasicAuth

from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, Release
from backends.config import IndexCredentials, current
from backends.http import HTTPStatusError
from backends.upstreams._common import parse_iso_datetime

if TYPE_CHECKING:
    from backends.http import HttpClient, HttpResponse

DEFAULT_ROOT = "https://pypi.org/simple/"
# PEP 691 content negotiation: JSON when the index has it, else HTML in either spelling.
ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01"
)
JSON_TYPES = ("application/vnd.pypi.simple.v1+json", "application/vnd.pypi.simple.latest+json")
# Source archives other than .tar.gz/.zip (which packaging parses itself) that old projects
# uploaded; they follow the same "<name>-<version>.<ext>" pattern.
_LEGACY_SDIST = re.compile(r"\.(?:tar\.bz2|tar\.xz|tar\.lz|tar\.Z|tbz2?|tgz|txz|tar)$", re.I)


def normalize_name(name: str) -> str:
    """The PEP 503 normalised form under which an index serves a project."""
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def version_from_filename(filename: str, project: str | None = None) -> str | None:
    """The normalised version a distribution file name carries; None if it carries none.

    Wheels and sdists are parsed by ``packaging``; eggs, installers and anything unparsable
    are skipped (an index page may list them, but they never hold the only copy of a version).
    Old sdists with a ``-`` in the version (``foo-1.0-rc1.tar.gz``) are split after the
    project's name, as pip does.
    """
    try:
        if filename.endswith(".whl"):
            return str(parse_wheel_filename(filename)[1])
    except ValueError:  # InvalidWheelFilename, InvalidVersion
        return None
    legacy = _LEGACY_SDIST.search(filename)
    if legacy:
        filename = filename[: legacy.start()] + ".tar.gz"
    if not filename.endswith((".tar.gz", ".zip")):
        return None
    try:
        return str(parse_sdist_filename(filename)[1])
    except ValueError:  # InvalidSdistFilename, InvalidVersion
        pass
    if project is None:
        return None
    stem = filename.removesuffix(".tar.gz").removesuffix(".zip")
    for index, char in enumerate(stem):
        if char == "-" and normalize_name(stem[:index]) == normalize_name(project):
            try:
                return str(Version(stem[index + 1 :]))
            except InvalidVersion:
                return None
    return None


def _is_yanked(value: object) -> bool:
    """PEP 691 ``yanked``: true, or a non-empty reason string."""
    if isinstance(value, str):
        return bool(value.strip())
    return bool(value)


def _files_from_json(data: Any, url: str) -> list[tuple[str, bool, dt.datetime | None]]:
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise BackendError(f"{url}: unexpected answer (no list of files)")
    files = []
    for entry in data["files"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("filename"), str):
            continue
        files.append(
            (
                entry["filename"],
                _is_yanked(entry.get("yanked")),
                parse_iso_datetime(entry.get("upload-time")),
            )
        )
    return files


def _files_from_html(text: str) -> list[tuple[str, bool, dt.datetime | None]]:
    """PEP 503 anchors: the text is the file name (else the URL's last path segment).

    ``data-yanked`` marks a yanked file whatever its value, even empty (PEP 592).
    """
    files: list[tuple[str, bool, dt.datetime | None]] = []
    for anchor in BeautifulSoup(text, "html.parser").find_all("a"):
        filename = anchor.get_text().strip()
        if not filename:
            href = anchor.get("href")
            if not isinstance(href, str):
                continue
            filename = unquote(urlsplit(href).path.rsplit("/", 1)[-1])
        files.append((filename, anchor.has_attr("data-yanked"), None))
    return files


def _matches_credentials_key(key: str, url: str) -> bool:
    """Whether a PYPI_SIMPLE_CREDENTIALS key (a host, or a root URL) covers ``url``."""
    key = key.strip()
    if "://" in key:
        root = key if key.endswith("/") else key + "/"
        return url.startswith(root)
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return key.lower() in (host, parts.netloc.lower().rsplit("@", 1)[-1])


def credentials_for(url: str) -> HTTPBasicAuth | None:
    """Basic auth for the index serving ``url``, from the configured PYPI_SIMPLE_CREDENTIALS.

    Keys are a host (``"pypi.example.com"``) or an index root URL; the longest matching key
    wins. The client drops the Authorization header when a redirect leaves that host or
    downgrades to plain http, so the password only ever reaches the index it is meant for.
    """
    best: IndexCredentials | None = None
    for entry in current().pypi_simple_credentials:
        if _matches_credentials_key(entry.key, url) and (
            best is None or len(entry.key) > len(best.key)
        ):
            best = entry
    if best is None or best.username is None or best.password is None:
        return None
    return HTTPBasicAuth(best.username, best.password)


class PyPISimple(Backend):
    """Versions from the distribution files an index lists for a project."""

    name = "PyPI simple"
    examples = ("https://pypi.org/simple/", "https://devpi.example.org/root/pypi/+simple/")
    fields = {
        "name": FieldHelp(
            "Project name",
            "The distribution name on the index; it is normalised as pip does "
            "(Foo_Bar and foo-bar are the same project).",
            required=True,
        ),
        "version_url": FieldHelp(
            "Simple index URL",
            "The root of the index's simple API, e.g. https://pypi.org/simple/ (the default) "
            "or https://devpi.example.org/root/pypi/+simple/. A project page URL "
            "(<root>/<name>/) works too.",
        ),
    }

    def version_url(self, spec: ProjectSpec) -> str:
        root = (spec.version_url or "").strip() or DEFAULT_ROOT
        root = root.split("#", 1)[0].split("?", 1)[0].rstrip("/")
        normalized = normalize_name(spec.name)
        # The project page itself was entered: use it as is.
        if normalize_name(unquote(root.rsplit("/", 1)[-1])) == normalized:
            return root + "/"
        return f"{root}/{normalized}/"

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        url = self.version_url(spec)
        try:
            response = http.get(
                url, headers={"Accept": ACCEPT}, auth=credentials_for(url), conditional=True
            )
        except HTTPStatusError as error:
            if error.status == 404:
                raise BackendError(f'The index has no project "{spec.name}": {url}') from None
            if error.status in (401, 403):
                raise BackendError(
                    f"The index refused access to {url} (HTTP {error.status}); "
                    "a private index needs credentials, in its URL "
                    "(https://user:password@host/...) or in PYPI_SIMPLE_CREDENTIALS"
                ) from None
            raise
        # Each version's upload times and whether every one of its files is yanked: a version
        # is yanked for pip only when all its files are (PEP 592), as in the PyPI backend.
        found: dict[str, tuple[list[dt.datetime], bool]] = {}
        for filename, yanked, uploaded in self._files(response):
            version = version_from_filename(filename, spec.name)
            if version is None:
                continue
            times, all_yanked = found.get(version, ([], True))
            if uploaded is not None:
                times.append(uploaded)
            found[version] = (times, all_yanked and yanked)
        if all(all_yanked for _times, all_yanked in found.values()):
            raise BackendError(f"No installable distribution file found at {url}")
        # A yanked version is reported, flagged: never stored as new, a stored one withdrawn.
        return [
            Release(version, published_at=min(times, default=None), withdrawn=all_yanked)
            for version, (times, all_yanked) in found.items()
        ]

    @staticmethod
    def _files(response: HttpResponse) -> list[tuple[str, bool, dt.datetime | None]]:
        content_type = (response.headers.get("Content-Type") or "").split(";", 1)[0].strip()
        if content_type.lower() in JSON_TYPES:
            return _files_from_json(response.json(), response.url)
        return _files_from_html(response.text)
