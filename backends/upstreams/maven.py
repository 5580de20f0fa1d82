"""Maven Central: the version directories of an artifact on repo1.maven.org."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, Release
from backends.http import html_subdirectories

if TYPE_CHECKING:
    from backends.http import HttpClient

REPOSITORY = "https://repo1.maven.org/maven2/"
_CENTRAL_PAGE = re.compile(r"https?://(?:repo\d+\.maven\.org|repo\.maven\.apache\.org)/", re.I)
# Maven's own rule for group and artifact ids; it also keeps "..", "/" and "?" out of the URL.
_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
COORDINATES_ERROR = (
    "Artifact needs to be in format groupId:artifactId (in the version URL field, or as the "
    'project name), e.g. "org.apache.felix:org.apache.felix.gogo.shell"'
)


def artifact_url(spec: ProjectSpec) -> str | None:
    """The artifact's directory: a Maven Central homepage as is, else built from coordinates.

    Coordinates come from the version URL field, else the name. Like Anitya, anything after
    ``groupId:artifactId`` (a version, a packaging) is ignored.
    """
    homepage = (spec.homepage or "").strip()
    if _CENTRAL_PAGE.match(homepage):
        return homepage if homepage.endswith("/") else homepage + "/"
    parts = (spec.version_url or spec.name or "").strip().split(":")
    if len(parts) < 2 or not all(_ID.fullmatch(part.strip()) for part in parts[:2]):
        return None
    group, artifact = (part.strip() for part in parts[:2])
    return f"{REPOSITORY}{group.replace('.', '/')}/{artifact}/"


class MavenCentral(Backend):
    """The version directories (those starting with a digit) of an artifact."""

    name = "Maven Central"
    examples = (
        "https://repo1.maven.org/maven2/plexus/maven-plexus-plugin/",
        "https://repo1.maven.org/maven2/org/codehaus/plexus/plexus-maven-plugin/",
    )
    fields = {
        "version_url": FieldHelp(
            "Maven groupId:artifactId",
            "e.g. org.apache.felix:org.apache.felix.gogo.shell. May be left empty when the "
            "name is groupId:artifactId or the homepage is the artifact's directory on "
            "repo1.maven.org.",
        ),
    }

    def version_url(self, spec: ProjectSpec) -> str:
        return artifact_url(spec) or spec.version_url or spec.homepage

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        """Read the directory listing, as Anitya does.

        maven-metadata.xml would be tidier, but it is rewritten by every deploy and misses
        versions when one goes wrong, while the directories are what the repository serves.
        """
        url = artifact_url(spec)
        if url is None:
            raise BackendError(COORDINATES_ERROR)
        response = http.get(url, conditional=True)
        versions = [
            name for name in html_subdirectories(response.url, response.text) if name[:1].isdigit()
        ]
        if not versions:
            raise BackendError(f"No version directory found at {url}")
        return [Release(version) for version in versions]
