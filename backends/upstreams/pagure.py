"""pagure.io: the git tags of a project, through Pagure's API 0.

The project name is its path on pagure.io, namespace included (``fedora-infra/anitya`` style
names work). The tags are asked for with their commit hashes, so each version links to its
commit; an older Pagure answering a plain list of names is understood too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, Release
from backends.upstreams._common import MAX_VERSION_LENGTH, commit_link

if TYPE_CHECKING:
    from backends.http import HttpClient, HttpResponse

PAGURE_URL = "https://pagure.io"


def _project_path(spec: ProjectSpec) -> str:
    return quote(spec.name.strip().strip("/"), safe="/")


class Pagure(Backend):
    """Tags of a project hosted on pagure.io."""

    name = "pagure"
    examples = (
        "https://pagure.io/pagure",
        "https://pagure.io/flask-multistatic",
    )
    fields = {
        "name": FieldHelp(
            "Project name",
            "The project's path on pagure.io, with its namespace if it has one "
            "(e.g. pagure, or fedora-infra/the-new-hotness).",
            required=True,
        ),
    }

    def version_url(self, spec: ProjectSpec) -> str:
        """The API endpoint the check reads."""
        return f"{PAGURE_URL}/api/0/{_project_path(spec)}/git/tags"

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        """Every tag of the project (Pagure does not page them)."""
        if not spec.name.strip().strip("/"):
            raise BackendError("Project was incorrectly set up: the pagure project name is empty.")
        url = self.version_url(spec)
        response = http.get(
            url, params={"with_commits": "true"}, conditional=True, accept_statuses=(200, 404)
        )
        if response.status == 404:
            raise BackendError(f"{spec.name}: {_not_found_reason(response)} - {url}")
        payload = response.json()
        if not isinstance(payload, dict):
            raise BackendError(f"{url}: pagure answered something that is not an object.")
        if payload.get("error"):
            raise BackendError(f"{spec.name}: {str(payload['error'])[:200]} - {url}")
        releases = _releases(payload.get("tags"), f"{PAGURE_URL}/{_project_path(spec)}")
        if not releases:
            raise BackendError(f"{spec.name}: no upstream version found. - {url}")
        return releases


def _not_found_reason(response: HttpResponse) -> str:
    """Pagure's own reason (``{"error": "Project not found"}``) when it gives one."""
    try:
        payload = response.json()
    except BackendError:
        payload = None
    if isinstance(payload, dict) and payload.get("error"):
        return str(payload["error"])[:200]
    return "Project not found"


def _releases(tags: Any, web_base: str) -> list[Release]:
    """``tags`` is a list of names, or (``with_commits``) a name -> commit hash mapping."""
    releases: list[Release] = []
    if isinstance(tags, dict):
        for name, commit in tags.items():
            if not isinstance(name, str) or not name or len(name) > MAX_VERSION_LENGTH:
                continue
            releases.append(Release(version=name, commit_url=commit_link(f"{web_base}/c/", commit)))
    elif isinstance(tags, list):
        for name in tags:
            if isinstance(name, str) and name and len(name) <= MAX_VERSION_LENGTH:
                releases.append(Release(version=name))
    return releases
