"""The ``folder`` backend: versions read from a download directory (HTML index or FTP).

This module also holds the helpers the other page-scraping upstreams share (GNU, GNOME and
the custom backend): turning a directory listing into version names, and requiring a version
URL. Turning the strings a regex found into releases is :func:`backends.regexes.releases_from`.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urlsplit

from backends import regexes
from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, Release
from backends.http import FTP_SCHEMES, ftp_subdirectories

if TYPE_CHECKING:
    from backends.http import HttpClient, HttpResponse

# Anitya's fallback when the default regex finds no archive: links to directories whose name
# starts with a digit (``4.9.0/``, also SourceForge-style ``/files/4.9.0/``).
FOLDER_DIRECTORY_PATTERN = r"(?:/files/)?([0-9][0-9.]+.*)/"


class _HrefCollector(HTMLParser):
    """Collects the ``href`` of every tag; builds no tree (pages can be megabytes long)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "href" and value and value.strip():
                self.targets.append(" ".join(value.split()))


def link_targets(html: str) -> list[str]:
    """Every ``href`` of a page, in page order, as a real HTML parser reads them.

    A parser (rather than a regex over the markup) copes with single quotes, unquoted values,
    attributes in any order and entities such as ``&amp;``. The stdlib parser is used
    directly: BeautifulSoup on top of it is about five times slower on a large index page.
    """
    collector = _HrefCollector()
    try:
        collector.feed(html)
        collector.close()
    except (AssertionError, ValueError):  # pragma: no cover - html.parser is lenient
        pass
    return collector.targets


def directory_versions(response: HttpResponse, pattern: str) -> list[str]:
    """The versions ``pattern`` finds among the subdirectories a listing page links to.

    ``pattern`` is matched against each whole link target (an HTML ``href``, or an FTP
    directory name followed by ``/``), exactly where Anitya's ``href="<pattern>"`` matched.
    """
    if urlsplit(response.url).scheme.lower() in FTP_SCHEMES:
        targets = [f"{name}/" for name in ftp_subdirectories(response.text)]
    else:
        targets = link_targets(response.text)
    if not targets:
        return []
    # One time-limited search over all targets, one per line, each matched as a whole.
    return regexes.find_versions(f"(?m)^(?:{pattern})$", "\n".join(targets))


def required_version_url(spec: ProjectSpec, backend: str) -> str:
    """The project's version URL, which ``backend`` cannot work without."""
    url = (spec.version_url or "").strip()
    if not url:
        raise BackendError(
            f"{spec.name}: the {backend} backend needs a version URL (the page or folder "
            "that lists the releases)."
        )
    return url


class Folder(Backend):
    """A plain download folder: archives named ``<name>-<version>.tar.gz``, or version folders.

    The project's regex is ignored (as in Anitya): archives are found with the default regex,
    and when the folder holds none, its subdirectories named like versions are the versions.
    """

    name = "folder"
    examples = ("https://ftp.gnu.org/pub/gnu/gnash/", "https://subsurface-divelog.org/downloads/")
    required_version_url = True
    fields: ClassVar[dict[str, FieldHelp]] = {
        "version_url": FieldHelp(
            "Version URL",
            "The folder that holds the releases (an HTTP index page or an ftp:// directory). "
            "A '*' in a path segment picks the newest matching subdirectory, e.g. "
            "https://download.example.org/pub/*/.",
            required=True,
        ),
        "insecure": FieldHelp(
            "Insecure",
            "Do not verify the site's TLS certificate (only for sites with a broken one).",
        ),
    }

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        url = required_version_url(spec, self.name)
        response = http.get(url, conditional=True)
        pattern = regexes.project_regex(None, spec.name)
        versions = regexes.find_versions(pattern, response.text)
        if not versions:
            pattern = FOLDER_DIRECTORY_PATTERN
            versions = directory_versions(response, pattern)
        return regexes.releases_from(versions, spec, url, pattern)
