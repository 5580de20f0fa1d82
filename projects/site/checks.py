"""The checks people run from the site: the Test check (what a check would find now, storing
nothing) from the project page or the form, and the full check, with who may run it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from backends.pipeline import Preview
from projects import check, limits, services
from projects.models import Project
from projects.site import errors
from projects.site.common import is_admin

#: Session key: the project just edited, whose Full check its editor may run (Anitya's justedit).
JUST_EDITED = "releasemon_just_edited"

#: A Test check's answer: (what it found, or None; why it failed, or None; the status).
TestCheck = tuple[dict[str, Any] | None, str | None, int]


def may_full_check(request: HttpRequest, project: Project, has_versions: bool) -> bool:
    """Anitya's rule: administrators always; others on a project without versions, or right
    after they edited it."""
    if not request.user.is_authenticated or project.archived:
        return False
    if is_admin(request) or not has_versions:
        return True
    return bool(request.session.get(JUST_EDITED) == project.pk)


def preview_json(result: Preview) -> dict[str, Any]:
    """What a Test check found, as the project page and the form show it (newest first)."""
    return {
        "versions": [found.parsed for found in reversed(result.versions)],
        "found_versions": result.found_versions,
        "latest_version": result.latest_version,
    }


def run_test_check(request: HttpRequest, project: Project) -> TestCheck:
    """Run a Test check of ``project`` (stored or not). A user runs a few at once at most
    (``projects/limits.py``): more get the reason and 429."""
    try:
        with limits.preview_slot(limits.requester(request)):
            result = services.preview_project(project)
    except errors.REFUSALS as error:
        refused = errors.refusal(error)
        return None, refused.message, refused.status
    return preview_json(result), None, 200


def run_fresh_check(
    request: HttpRequest, preview: services.EditPreview
) -> tuple[services.FreshCheck | None, str | None, int]:
    """The fresh check of an edit's preview, under the same limits as a Test check: what it
    found (its ``error`` says when the upstream failed), or why it was refused, and the status."""
    try:
        with limits.preview_slot(limits.requester(request)):
            return services.fresh_check(preview), None, 200
    except limits.Limited as refused:
        return None, str(refused), 429


def run_full_check(request: HttpRequest, project: Project) -> check.CheckResult:
    """A full check now, stored and announced; its failures never count (issue #13). Raises
    :class:`limits.Limited` when this project or this user has had their share."""
    with limits.forced_check(project.pk, limits.requester(request)):
        return check.check_project(project)
