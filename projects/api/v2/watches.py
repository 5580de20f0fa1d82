"""API v2's watches: the projects and distributions the caller follows, with their rules.

Every endpoint here is the caller's own: it needs an API token or a signed-in session (with
CSRF for writes), and another user's watch is a 404, never a 403 (its id tells nothing). The
writes are :mod:`projects.notify.services`; their refusals answer through
:mod:`projects.api.errors` (``{"message": {"<field>": "<problem>"}}``). The base view, the
page shape and the time format below are shared with :mod:`projects.api.v2.channels`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from projects import selectors, services
from projects.api import inputs, schema
from projects.api.drf import Serializer
from projects.api.inputs import AnityaInput, Boolean, Integer, Text
from projects.api.v2.common import PAGE_PARAMETERS, V2View, page_arguments
from projects.notify import selectors as notify_selectors
from projects.notify import services as notify
from projects.notify.models import MAX_HOLD_HOURS, ChangeLevel, Watch

_ModelT = TypeVar("_ModelT", bound=Model)

#: The tag of the notification endpoints in the OpenAPI schema.
TAG = "notifications"
NO_TARGET = "Give a project_id or a distribution."
TWO_TARGETS = "Give a project_id or a distribution, not both."
NO_PROJECT = "No such project."
NO_DISTRO = "No such distribution."
RULE_FIELDS = (
    "stable_only",
    "min_change",
    "include_pattern",
    "exclude_pattern",
    "hold_hours",
    "stream",
)


class OwnView(V2View):
    """An endpoint of the caller's own rows: every method needs credentials (401 without)."""

    permission_classes = [IsAuthenticated]

    @property
    def caller(self) -> User:
        user = self.request.user
        if not isinstance(user, User) or not user.is_authenticated:
            raise exceptions.NotAuthenticated()
        return user


def own_row(rows: QuerySet[_ModelT], row_id: str) -> _ModelT:
    """The row of ``rows`` (already the caller's) with the id from the path, or a 404."""
    # The route takes digits only; more than a row id can have name no row (and past 4,300
    # digits int() refuses them).
    pk = inputs.valid_id(int(row_id)) if len(row_id) <= len(str(inputs.MAX_ID)) else None
    row = rows.filter(pk=pk).first() if pk is not None else None
    if row is None:
        raise Http404
    return row


def stamp(moment: dt.datetime | None) -> str | None:
    """A time as ISO 8601 in UTC, to the second (``2026-05-01T12:00:00Z``)."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def paged(
    request: Request, rows: QuerySet[_ModelT], as_json: Callable[[_ModelT], dict[str, Any]]
) -> dict[str, Any]:
    """A page of ``rows`` in v2's list shape (``?page=``, ``?items_per_page=``)."""
    page, per_page = page_arguments(request)
    offset, total = (page - 1) * per_page, rows.count()
    # Past the end, no query: an offset that big would not even fit the database's integers.
    shown = rows[offset : offset + per_page] if offset < total else []
    return {
        "items": [as_json(row) for row in shown],
        "items_per_page": per_page,
        "page": page,
        "total_items": total,
    }


def id_parameter(name: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.PATH)


# -- what goes in and out -----------------------------------------------------------------------


class WatchRulesInput(AnityaInput):
    """Change a watch's rules: the fields given change, the others stay."""

    stable_only = Boolean(
        required=False, help_text="Only versions the project's rules call stable (default true)."
    )
    min_change = Text(
        required=False,
        help_text=f"The smallest change told about: {', '.join(ChangeLevel.values)} "
        "(default any), by the project's version scheme.",
    )
    include_pattern = Text(
        required=False, help_text="Only versions this regular expression finds (empty: all)."
    )
    exclude_pattern = Text(required=False, help_text="Never versions this expression finds.")
    hold_hours = Integer(
        required=False,
        help_text=f"Hold a release 0..{MAX_HOLD_HOURS} hours; drop it if it is withdrawn or "
        "superseded meanwhile (default 0).",
    )
    stream = Text(
        required=False,
        help_text="Only versions of the project's release stream of this name (ignoring "
        "case; empty: every stream). A project watch only. A name the project has not now is "
        "accepted (a line to come) and the answer's `warnings` say so.",
    )


class WatchCreateInput(WatchRulesInput):
    """Watch a project (``project_id``) or every project mapped in a distribution
    (``distribution``). Watching it again answers the existing watch (200); rules given then
    replace its rules, those not given taking their defaults."""

    project_id = Integer(required=False, help_text="The project's id.")
    distribution = Text(required=False, help_text="A distribution (any case).")


class WatchJSON(Serializer):
    """A watch (describes the answers)."""

    id = serializers.IntegerField()
    project_id = serializers.IntegerField(allow_null=True, help_text="Null for a distribution.")
    project_name = serializers.CharField(allow_null=True)
    distribution = serializers.CharField(allow_null=True, help_text="Null for a project.")
    stable_only = serializers.BooleanField()
    min_change = serializers.ChoiceField(choices=ChangeLevel.values)
    include_pattern = serializers.CharField(allow_blank=True)
    exclude_pattern = serializers.CharField(allow_blank=True)
    hold_hours = serializers.IntegerField()
    stream = serializers.CharField(allow_blank=True, help_text="Empty: every stream.")
    created = serializers.CharField(help_text="ISO 8601, UTC.")
    warnings = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Only in the answers to a creation or an edit, when there is something to "
        "say: e.g. the project has no release stream of the watch's name now.",
    )


class WatchPage(Serializer):
    items = WatchJSON(many=True)
    items_per_page = serializers.IntegerField()
    page = serializers.IntegerField()
    total_items = serializers.IntegerField()


def watch_json(watch: Watch) -> dict[str, Any]:
    return {
        "id": watch.pk,
        "project_id": watch.project_id,
        "project_name": watch.project.name if watch.project is not None else None,
        "distribution": watch.distro.name if watch.distro is not None else None,
        "stable_only": watch.stable_only,
        "min_change": watch.min_change,
        "include_pattern": watch.include_pattern,
        "exclude_pattern": watch.exclude_pattern,
        "hold_hours": watch.hold_hours,
        "stream": watch.stream,
        "created": stamp(watch.created),
    }


def written_watch_json(watch: Watch) -> dict[str, Any]:
    """A watch just created or edited: its JSON, with ``warnings`` when there are some."""
    answer = watch_json(watch)
    unknown = notify.unknown_stream(watch)
    if unknown is not None:
        answer["warnings"] = [unknown]
    return answer


def rules_of(watch: Watch) -> dict[str, Any]:
    return {field: getattr(watch, field) for field in RULE_FIELDS}


# -- the endpoints ------------------------------------------------------------------------------


class WatchesApi(OwnView):
    """The caller's watches."""

    name = "v2 watches"

    serializer_class = WatchCreateInput

    @extend_schema(
        operation_id="v2_watches_list",
        tags=[TAG],
        parameters=PAGE_PARAMETERS,
        responses={200: WatchPage, 400: schema.FIELD_ERRORS, 401: schema.AUTHENTICATION_REQUIRED},
    )
    def get(self, request: Request) -> Response:
        return Response(paged(request, notify_selectors.user_watches(self.caller), watch_json))

    @extend_schema(
        operation_id="v2_watches_create",
        tags=[TAG],
        request=WatchCreateInput,
        responses={
            200: WatchJSON,
            201: WatchJSON,
            400: schema.FIELD_ERRORS,
            401: schema.AUTHENTICATION_REQUIRED,
        },
    )
    def post(self, request: Request) -> Response:
        args = inputs.validated(WatchCreateInput, request.data)
        project_id, distro_name = args.pop("project_id", None), args.pop("distribution", None)
        if (project_id is None) == (distro_name is None):
            field = "project_id" if project_id is None else "distribution"
            raise inputs.InputError({field: NO_TARGET if project_id is None else TWO_TARGETS})
        rules = notify.WatchRules(**args) if args else None
        user, watches = self.caller, notify_selectors.user_watches(self.caller)
        if project_id is not None:
            pk = inputs.valid_id(project_id)
            project = selectors.project_by_id(pk) if pk is not None else None
            if project is None:
                raise inputs.InputError({"project_id": NO_PROJECT})
            existed = watches.filter(project=project).exists()
            watch = notify.watch_project(user, project, rules)
        else:
            distro = services.find_distro(distro_name or "")
            if distro is None:
                raise inputs.InputError({"distribution": NO_DISTRO})
            existed = watches.filter(distro=distro).exists()
            watch = notify.watch_distro(user, distro, rules)
        return Response(written_watch_json(watch), status=200 if existed else 201)


class WatchApi(OwnView):
    """One of the caller's watches."""

    name = "v2 watch"

    serializer_class = WatchRulesInput

    def get_object(self) -> Watch:
        return own_row(notify_selectors.user_watches(self.caller), self.kwargs["watch_id"])

    @extend_schema(
        operation_id="v2_watches_read",
        tags=[TAG],
        parameters=[id_parameter("watch_id")],
        responses={200: WatchJSON, 401: schema.AUTHENTICATION_REQUIRED, 404: schema.NOT_FOUND},
    )
    def get(self, request: Request, watch_id: str) -> Response:
        return Response(watch_json(self.get_object()))

    @extend_schema(
        operation_id="v2_watches_edit",
        tags=[TAG],
        parameters=[id_parameter("watch_id")],
        request=WatchRulesInput,
        responses={
            200: WatchJSON,
            400: schema.FIELD_ERRORS,
            401: schema.AUTHENTICATION_REQUIRED,
            404: schema.NOT_FOUND,
        },
    )
    def patch(self, request: Request, watch_id: str) -> Response:
        given = inputs.validated(WatchRulesInput, request.data)  # a bad body: 400 whatever the id
        watch = self.get_object()
        if given:
            watch = notify.watch_set_rules(watch, notify.WatchRules(**{**rules_of(watch), **given}))
        return Response(written_watch_json(watch))

    @extend_schema(
        operation_id="v2_watches_delete",
        tags=[TAG],
        parameters=[id_parameter("watch_id")],
        responses={204: None, 401: schema.AUTHENTICATION_REQUIRED, 404: schema.NOT_FOUND},
    )
    def delete(self, request: Request, watch_id: str) -> Response:
        notify.unwatch(self.get_object())
        return Response(status=204)
