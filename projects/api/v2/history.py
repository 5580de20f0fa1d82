"""API v2's audit log of a project: ``GET /api/v2/projects/<id>/history/``.

Read-only and public, as the messages it mirrors are: who made each change is named as the
change's message named them (the ``agent``: a username, an API user's email, ``anitya``) and
nothing more about the account is shown. Newest first, in v2's page shape. A deleted
project's history is still answered (its entries outlive it); an id nothing was ever logged
for, and that names no project, is v2's 404.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from projects import selectors
from projects.api import inputs, schema
from projects.api.drf import Serializer
from projects.api.v2.common import PAGE_PARAMETERS, V2View
from projects.api.v2.watches import id_parameter, paged, stamp
from projects.models import AuditEntry, Project


class AuditEntryJSON(Serializer):
    """One change (describes the answers)."""

    id = serializers.IntegerField()
    project_id = serializers.IntegerField()
    project_name = serializers.CharField(help_text="The project's name when it changed.")
    kind = serializers.ChoiceField(choices=AuditEntry.Kind.values)
    agent = serializers.CharField(help_text="Who, as the change's message names them.")
    when = serializers.CharField(help_text="ISO 8601, UTC.")
    before = serializers.DictField(
        allow_null=True,
        help_text="The values the change replaced, by field (only the changed fields of an "
        "edit); credentials are never shown, only that they changed.",
    )
    after = serializers.DictField(allow_null=True, help_text="The values it set, by field.")
    settings = serializers.DictField(
        allow_null=True,
        help_text="Every setting of the project right after a creation, edit or archiving "
        "(what reverting to this entry restores); null for other changes.",
    )
    reverts = serializers.IntegerField(
        allow_null=True, help_text="The id of the entry whose state this edit restored."
    )


class HistoryPage(Serializer):
    items = AuditEntryJSON(many=True, help_text="Newest first.")
    items_per_page = serializers.IntegerField()
    page = serializers.IntegerField()
    total_items = serializers.IntegerField()


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "project_id": entry.project_id,
        "project_name": entry.project_name,
        "kind": entry.kind,
        "agent": entry.agent,
        "when": stamp(entry.when),
        "before": entry.before,
        "after": entry.after,
        "settings": entry.settings,
        "reverts": entry.reverts,
    }


class ProjectHistoryApi(V2View):
    """Who changed a project, its mappings or its versions, when, and from what to what."""

    name = "v2 project history"

    @extend_schema(
        operation_id="v2_project_history",
        tags=["v2"],
        parameters=[id_parameter("project_id"), *PAGE_PARAMETERS],
        responses={200: HistoryPage, 400: schema.FIELD_ERRORS, 404: schema.NOT_FOUND},
    )
    def get(self, request: Request, project_id: str) -> Response:
        # The route takes digits only; more digits than an id can have name no project.
        pk = (
            inputs.valid_id(int(project_id)) if len(project_id) <= len(str(inputs.MAX_ID)) else None
        )
        if pk is None:
            raise Http404
        entries = selectors.project_history(pk)
        if not entries.exists() and not Project.objects.filter(pk=pk).exists():
            raise Http404
        return Response(paged(request, entries, entry_json))
