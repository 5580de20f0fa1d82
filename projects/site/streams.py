"""A project's "Manage streams" page: its streams as detected and defined, and the forms to
add, edit and delete hand-defined streams (and to mark a detected stream end-of-life).

Like editing the project, it is for signed-in users and not for archived projects; the
writes are :mod:`projects.services.streams`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html

from projects import services
from projects.models import Project, ReleaseStream
from projects.selectors.streams import project_streams, stream_definitions
from projects.site import errors
from projects.site.common import agent, confirmation_page, confirmed, editable_project
from projects.site.forms.streams import StreamForm


def _streams_url(project: Project) -> str:
    return reverse("projects:streams", args=[project.pk])


def _definition(project: Project, stream_id: int) -> ReleaseStream:
    return get_object_or_404(ReleaseStream, pk=stream_id, project=project)


def _page(
    request: HttpRequest,
    project: Project,
    form: StreamForm,
    *,
    editing: ReleaseStream | None = None,
    status: int = 200,
) -> HttpResponse:
    streams = project_streams(project)
    shown = {stream.name.lower() for stream in streams}
    definitions: list[dict[str, Any]] = [
        {"row": row, "in_use": row.name.lower() in shown} for row in stream_definitions(project)
    ]
    context = {
        "project": project,
        "streams": streams,
        "definitions": definitions,
        "form": form,
        "editing": editing,
    }
    return render(request, "projects/streams_manage.html", context, status=status)


def _save(
    request: HttpRequest, project: Project, form: StreamForm, editing: ReleaseStream | None
) -> HttpResponse:
    if not form.is_valid():
        return _page(request, project, form, editing=editing, status=400)
    try:
        if editing is None:
            row = services.stream_create(project, form.stream_fields(), agent=agent(request))
        else:
            row = services.stream_edit(editing, form.stream_fields(), agent=agent(request))
    except errors.REFUSALS as refused:
        status = errors.on_form(form, refused).status
        return _page(request, project, form, editing=editing, status=status)
    messages.success(request, f"Stream {row.name} {'saved' if editing else 'added'}")
    return redirect(_streams_url(project))


@login_required
def project_streams_manage(request: HttpRequest, project_id: int) -> HttpResponse:
    """The streams of a project and the form adding a definition."""
    project = editable_project(project_id)
    if request.method in ("GET", "HEAD"):
        return _page(request, project, StreamForm())
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    return _save(request, project, StreamForm(request.POST), None)


@login_required
def project_stream_edit(request: HttpRequest, project_id: int, stream_id: int) -> HttpResponse:
    project = editable_project(project_id)
    row = _definition(project, stream_id)
    if request.method in ("GET", "HEAD"):
        return _page(request, project, StreamForm.for_stream(row), editing=row)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    return _save(request, project, StreamForm.for_stream(row, request.POST), row)


@login_required
def project_stream_delete(request: HttpRequest, project_id: int, stream_id: int) -> HttpResponse:
    project = editable_project(project_id)
    row = _definition(project, stream_id)
    if request.method == "POST" and confirmed(request):
        try:
            services.stream_delete(row, agent=agent(request))
        except errors.REFUSALS as refused:
            errors.flash(request, refused, "Not deleted: ")
        else:
            messages.success(request, f"Stream {row.name} deleted")
        return redirect(_streams_url(project))
    return confirmation_page(
        request,
        _streams_url(project),
        title="Delete a stream definition",
        question=format_html(
            "Delete the stream definition <strong>{}</strong> of {}? Its versions are "
            "detected again.",
            row.name,
            project.name,
        ),
        action=request.path,
        button="Delete",
    )
