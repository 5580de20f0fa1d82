"""Adding and editing a project: the form, its Test check before saving, what follows saving
(a first mapping, a full check), and the similar projects shown while the user types."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from backends import regexes
from backends.credentials import redact
from projects import check, limits, selectors, services
from projects.models import Project
from projects.site import checks, errors
from projects.site.common import agent, editable_project, project_url, wants_json
from projects.site.forms.project import ProjectForm, all_backend_help, backend_help

#: The fields a link to the new project form may fill in (``?name=...&homepage=...``).
PREFILLED_FIELDS = ("name", "homepage", "backend", "version_scheme", "distro", "package_name")


def _form_page(
    request: HttpRequest,
    form: ProjectForm,
    project: Project | None,
    *,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    return render(
        request,
        "projects/project_form.html",
        {
            "form": form,
            "project": project,
            "backend_help": all_backend_help(),
            "backend_fields": form.backend_field_names(),
            "selected_help": backend_help(form.selected_backend()),
            "default_regex": regexes.default_regex().replace(
                regexes.NAME_PLACEHOLDER, "{project name}"
            ),
            "distro_names": selectors.distro_list().values_list("name", flat=True),
            **extra,
        },
        status=status,
    )


def _form_test_check(
    request: HttpRequest, form: ProjectForm, project: Project | None
) -> HttpResponse:
    """Test check from the form: a preview of the values typed so far, before saving."""
    result: dict[str, Any] | None = None
    error: str | None = None
    status = 200
    field_errors: dict[str, str] = {}
    if not form.is_valid():
        field_errors = {
            field: " ".join(str(problem) for problem in problems)
            for field, problems in form.errors.items()
        }
        status = 400
    else:
        try:
            if project is None:
                candidate = services.build_project(**form.project_values())
            else:
                candidate = services.edited_copy(
                    project, form.project_values(), forget_credentials=form.forget_requested
                )[0]
        except errors.REFUSALS as refused:
            refusal = errors.on_form(form, refused)
            field_errors, status = dict(refusal.field_errors), refusal.status
        else:
            result, error, status = checks.run_test_check(request, candidate)
    if wants_json(request):
        if field_errors:
            return JsonResponse({"errors": field_errors}, status=status)
        return JsonResponse(result if error is None else {"error": error}, status=status)
    return _form_page(request, form, project, status=status, test_result=result, test_error=error)


#: How many versions each list of an edit's preview shows; the rest are counted.
PREVIEW_LIST_LENGTH = 50


def _capped(items: Iterable[Any]) -> dict[str, Any]:
    """The first items of a preview's list, and how many more there are."""
    listed = list(items)
    return {
        "items": listed[:PREVIEW_LIST_LENGTH],
        "more": max(0, len(listed) - PREVIEW_LIST_LENGTH),
    }


def _form_edit_preview(request: HttpRequest, form: ProjectForm, project: Project) -> HttpResponse:
    """Preview changes: the stored versions as the page would show them once the values typed
    are saved, and a fresh check with them; nothing is saved."""
    if not form.is_valid():
        return _form_page(request, form, project, status=400)
    try:
        preview = services.edit_preview(
            project, form.project_values(), forget_credentials=form.forget_requested
        )
    except errors.REFUSALS as refused:
        refusal = errors.on_form(form, refused)
        return _form_page(request, form, project, status=refusal.status, **refusal.context)
    except Project.DoesNotExist:  # deleted meanwhile
        raise Http404("No such project.") from None
    fresh, fresh_refused, status = checks.run_fresh_check(request, preview)
    diff = preview.diff
    shown = {
        "changes": sorted(
            field for field in preview.changes if field not in services.PRIVATE_FIELDS
        ),
        "diff": diff,
        "hidden": _capped(diff.hidden),
        "revealed": _capped(diff.revealed),
        "relabelled": _capped(diff.relabelled),
        "moved": _capped(diff.moved),
        "fresh": fresh,
        "fresh_refused": fresh_refused,
    }
    if fresh is not None:
        shown["new_versions"] = _capped(fresh.new_versions)
        shown["not_found"] = _capped(fresh.not_found)
    return _form_page(request, form, project, status=status, edit_preview=shown)


def _after_save(request: HttpRequest, project: Project, form: ProjectForm) -> None:
    """The optional parts of saving: a first mapping (creation) and a full check."""
    distro = form.cleaned_data.get("distro")
    package_name = form.cleaned_data.get("package_name")
    if distro and package_name:
        try:
            services.package_map(
                project, distro=distro, package_name=package_name, agent=agent(request)
            )
        except errors.REFUSALS as refused:
            errors.flash(request, refused, "The mapping was not added: ")
    if form.cleaned_data.get("check_release"):
        try:
            result = checks.run_full_check(request, project)
        except errors.REFUSALS as refused:
            errors.flash(request, refused, "Not checked: ")
            return
        if result.outcome is not check.Outcome.SUCCESS:
            messages.error(request, f"Check failed: {result.error}")


@login_required
def project_new(request: HttpRequest) -> HttpResponse:
    if request.method in ("GET", "HEAD"):
        initial = {"backend": "custom"}
        initial.update(
            {field: request.GET[field] for field in PREFILLED_FIELDS if request.GET.get(field)}
        )
        return _form_page(request, ProjectForm(initial=initial), None)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    form = ProjectForm(request.POST)
    if request.POST.get("action") == "test":
        return _form_test_check(request, form, None)
    if not form.is_valid():
        return _form_page(request, form, None, status=400)
    try:
        with limits.preview_slot(limits.requester(request)):  # the validation asks upstream
            project = services.project_create(
                agent=agent(request), validate=True, **form.project_values()
            )
    except errors.REFUSALS as refused:
        refusal = errors.on_form(form, refused)
        return _form_page(request, form, None, status=refusal.status, **refusal.context)
    messages.success(request, "Project created")
    _after_save(request, project, form)
    return redirect(project_url(project))


@login_required
def project_edit(request: HttpRequest, project_id: int) -> HttpResponse:
    project = editable_project(project_id)
    if request.method in ("GET", "HEAD"):
        return _form_page(request, ProjectForm.for_project(project), project)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    form = ProjectForm.for_project(project, request.POST)
    if request.POST.get("action") == "test":
        return _form_test_check(request, form, project)
    if "preview" in request.POST:
        return _form_edit_preview(request, form, project)
    if not form.is_valid():
        return _form_page(request, form, project, status=400)
    try:
        changes = services.project_edit(
            project,
            agent=agent(request),
            forget_credentials=form.forget_requested,
            **form.project_values(),
        )
    except errors.REFUSALS as refused:
        refusal = errors.on_form(form, refused)
        return _form_page(request, form, project, status=refusal.status, **refusal.context)
    messages.success(
        request, "Project edited" if changes else "Project edited - No changes were made"
    )
    request.session[checks.JUST_EDITED] = project.pk
    _after_save(request, project, form)
    return redirect(project_url(project))


@require_safe
def similar_projects(request: HttpRequest) -> JsonResponse:
    """Projects with the name or homepage being typed into the form, to prevent duplicates."""
    try:
        exclude = int(request.GET["exclude"]) if request.GET.get("exclude") else None
    except ValueError:
        exclude = None
    found = selectors.similar_projects(
        request.GET.get("name", "")[:200],
        redact(request.GET.get("homepage", ""))[:200],
        exclude=exclude,
    )
    return JsonResponse(
        {
            "projects": [
                {
                    "id": project.pk,
                    "name": project.name,
                    "homepage": project.homepage,
                    "backend": project.backend,
                    "url": project_url(project),
                }
                for project in found
            ]
        }
    )
