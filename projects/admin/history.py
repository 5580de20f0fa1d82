"""The audit log: read-only, filtered by project from a project's page, and "Revert the
project to this state" (an action on the list and a button on an entry's page) through
:func:`projects.services.project_revert`.

Entries are written by the services only: the admin can neither add, change nor delete one
(an audit log an administrator could edit would prove nothing).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from accounts.admin_tools import (
    ObjectActionsMixin,
    confirmation_page,
    confirmed,
    object_label,
    report,
)
from projects import services
from projects.admin.common import agent_of
from projects.models import AuditEntry, Project
from projects.services.history import STREAM_DEFINITIONS, definitions_text

_COLUMNS = (
    "when",
    "project_link",
    "kind",
    "agent",
    "user",
    "changes",
    "reverts",
    "settings",
)


def _shown(value: object, field: str = "") -> str:
    if field == STREAM_DEFINITIONS and isinstance(value, list):
        return definitions_text(value)
    if value is None or value == "":
        return "(unset)"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _versions_then(project: Project, entry: AuditEntry) -> list[str]:
    """How the versions the page lists would change (the revert's edit preview)."""
    try:
        diff = services.revert_preview(project, entry).diff
    except services.ServiceError:  # the revert itself will say why
        return []
    now, then = (
        shown.parsed if shown else None for shown in (diff.latest_before, diff.latest_after)
    )
    lines = [f"latest version: {_shown(now)} → {_shown(then)}"] if now != then else []
    for name, versions in (("hidden", diff.hidden), ("revealed", diff.revealed)):
        if versions:
            lines.append(f"versions {name}: {_shown([shown.parsed for shown in versions])}")
    return lines


@admin.action(description="Revert the project to the selected state")
@object_label("Revert the project to this state…")
def revert_to_state(
    modeladmin: admin.ModelAdmin[AuditEntry],
    request: HttpRequest,
    queryset: QuerySet[AuditEntry],
) -> TemplateResponse | None:
    entries = list(queryset[:2])
    if len(entries) != 1:
        report(modeladmin, request, [], ["Select one state to revert to."], nothing="")
        return None
    (entry,) = entries
    project = Project.objects.filter(pk=entry.project_id).first()
    if project is None or not entry.revertable:
        problem = "the project was deleted" if project is None else "not a settings change"
        errors = [f"Cannot revert to entry {entry.pk}: {problem}."]
        report(modeladmin, request, [], errors, nothing="")
        return None
    if not confirmed(request):
        items = [
            f"{field}: {_shown(now, field)} → {_shown(after, field)}"
            for field, (now, after) in services.revert_changes(project, entry).items()
        ]
        return confirmation_page(
            modeladmin,
            request,
            queryset,
            action="revert_to_state",
            title=f"Revert {project.name}",
            question=f"Put the settings of {project.name} back as they were after this change "
            f"({entry.when:%Y-%m-%d %H:%M} UTC, by {entry.agent})? It is an edit like any "
            "other: validated, announced (project.edit) and kept in the history.",
            items=[*items, *_versions_then(project, entry)]
            if items
            else ["Nothing: the settings already are in this state."],
            button="Yes, revert",
        )
    try:
        changes = services.project_revert(project, entry, agent=agent_of(request))
    except services.ServiceError as error:
        report(modeladmin, request, [], [f"{project.name}: {error}"], nothing="")
        return None
    if changes:
        project_admin = modeladmin.admin_site.get_model_admin(Project)
        project_admin.log_change(request, project, f"Reverted to audit entry {entry.pk}")
    report(
        modeladmin,
        request,
        [f"Reverted {project.name}: {', '.join(changes)}."] if changes else [],
        [],
        nothing=f"Nothing to revert: {project.name} already is in this state.",
    )
    return None


@admin.register(AuditEntry)
class AuditEntryAdmin(ObjectActionsMixin[AuditEntry], admin.ModelAdmin[AuditEntry]):
    list_display = ["when", "project_link", "kind", "agent", "changes"]
    list_filter = ["kind", "when"]
    search_fields = ["project_name", "agent"]
    search_help_text = "Project name or who (username, email, anitya)."
    fields = _COLUMNS
    readonly_fields = _COLUMNS
    raw_id_fields = ["user"]
    actions = [revert_to_state]
    object_actions = ("revert_to_state",)
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # written by the services

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    @admin.display(description="project", ordering="project_name")
    def project_link(self, entry: AuditEntry) -> SafeString | str:
        url = reverse("admin:projects_project_change", args=[entry.project_id])
        return format_html('<a href="{}">{}</a> (id {})', url, entry.project_name, entry.project_id)

    @admin.display(description="before → after")
    def changes(self, entry: AuditEntry) -> SafeString:
        return format_html_join(
            "",
            "<div>{}: {} → {}</div>",
            (
                (
                    field,
                    _shown(before, field) if entry.before is not None else "-",
                    _shown(after, field) if entry.after is not None else "-",
                )
                for field, before, after in entry.changed_fields()
            ),
        )
