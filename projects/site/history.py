"""A project's History tab: its audit log a page at a time, and "Revert to this state".

Reading the history is public, as the messages it mirrors are. Reverting is an edit
(:func:`projects.services.project_revert` calls ``project_edit``), so it needs what the edit
page needs: a signed-in user and a project that is not archived. It asks for a confirmation
that lists what would change, then redirects back to the history with a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from projects import selectors, services
from projects.models import AuditEntry, Project
from projects.services.history import STREAM_DEFINITIONS, definitions_text
from projects.site import errors
from projects.site.common import agent, confirmed, get_project, page
from projects.site.forms.project import DEFAULT_HELP

ENTRIES_PER_PAGE = 25
#: Version strings an entry lists before "and N more".
SHOWN_VERSIONS = 20
NOTHING_TO_REVERT = "Nothing to revert: the settings already are as they were then."
ARCHIVED = "{name} is archived: unarchive it before reverting its settings."


def shown(value: Any, field: str = "") -> str:
    """A setting as the history shows it."""
    if field == STREAM_DEFINITIONS and isinstance(value, list):
        return definitions_text(value)
    if value is None or value == "":
        return "(unset)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        more = len(value) - SHOWN_VERSIONS
        listed = ", ".join(str(item) for item in value[:SHOWN_VERSIONS])
        return f"{listed} and {more} more" if more > 0 else listed
    return str(value)


#: Labels of what the log names besides the form's fields.
LABELS = {
    "archived": "Archived",
    "url_credentials": "Credentials in the URLs",
    "versions": "Versions",
    "latest_version": "Latest version",
    STREAM_DEFINITIONS: "Release streams defined",
}


def label(field: str) -> str:
    """The field's label on the project form, else a readable name."""
    if field in DEFAULT_HELP:
        return DEFAULT_HELP[field][0]
    return LABELS.get(field) or field.replace("_", " ").capitalize()


def entry_rows(entry: AuditEntry) -> list[dict[str, str]]:
    """What the entry changed, one row per field; a creation lists the settings it set."""
    rows = []
    for field, before, after in entry.changed_fields():
        if entry.kind == AuditEntry.Kind.PROJECT_ADD and after in (None, "", False, []):
            continue
        if entry.kind == AuditEntry.Kind.PROJECT_REMOVE and before in (None, "", False, []):
            continue
        rows.append(
            {
                "field": label(field),
                "before": shown(before, field) if entry.before is not None else "",
                "after": shown(after, field) if entry.after is not None else "",
            }
        )
    return rows


def pending_changes(project: Project, entry: AuditEntry) -> list[tuple[str, str, str]]:
    """``(field, now, after the revert)`` for each setting a revert to ``entry`` changes."""
    return [
        (label(field), shown(now, field), shown(after, field))
        for field, (now, after) in services.revert_changes(project, entry).items()
    ]


def history_url(project: Project) -> str:
    return reverse("projects:history", args=[project.pk])


@require_safe
def project_history(request: HttpRequest, project_id: int) -> HttpResponse:
    project = get_project(project_id)
    entries = page(request, selectors.project_history(project.pk), ENTRIES_PER_PAGE)
    may_revert = request.user.is_authenticated and not project.archived
    return render(
        request,
        "projects/project_history.html",
        {
            "project": project,
            "page": entries,
            "entries": [(entry, entry_rows(entry)) for entry in entries.object_list],
            # Those who may edit it (the edit page's rule) may revert it, where it changes
            # something.
            "may_revert": may_revert,
            "revertable": {
                entry.pk
                for entry in entries.object_list
                if may_revert and entry.revertable and pending_changes(project, entry)
            },
        },
    )


@login_required
def project_revert(request: HttpRequest, project_id: int, entry_id: int) -> HttpResponse:
    """Confirm, then put the settings back as they were right after the entry."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    project = get_project(project_id)
    entry = selectors.history_entry(project.pk, entry_id)
    if entry is None or not entry.revertable:
        raise Http404("No such state in this project's history.")
    back = history_url(project)
    if project.archived:
        messages.error(request, ARCHIVED.format(name=project.name))
        return redirect(back)
    if request.method == "POST" and confirmed(request):
        try:
            changes = services.project_revert(project, entry, agent=agent(request))
        except errors.REFUSALS as refused:
            errors.flash(request, refused, "Not reverted: ")
            return redirect(back)
        if changes:
            when = f"{entry.when:%Y-%m-%d %H:%M}"
            messages.success(request, f"Settings reverted to their state of {when} UTC")
        else:
            messages.info(request, NOTHING_TO_REVERT)
        return redirect(back)
    pending = pending_changes(project, entry)
    if not pending:
        messages.info(request, NOTHING_TO_REVERT)
        return redirect(back)
    try:  # the versions as the page would show them: the preview of the revert's edit
        diff = services.revert_preview(project, entry).diff
    except errors.REFUSALS:  # the revert itself will say why (a value refused today, ...)
        diff = None
    return render(
        request,
        "projects/project_revert.html",
        {
            "project": project,
            "entry": entry,
            "pending": pending,
            "diff": diff,
            "cancel_url": back,
        },
    )
