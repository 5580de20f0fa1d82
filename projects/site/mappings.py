"""A project's mappings to distro packages: adding or editing one (a new distro name creates
the distro), and deleting one (administrators)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html

from projects import selectors, services
from projects.models import Package, Project
from projects.site import errors
from projects.site.common import (
    admin_required,
    agent,
    confirmation_page,
    confirmed,
    editable_project,
    get_project,
    project_url,
)
from projects.site.forms.distros import MappingForm


def _project_package(project: Project, package_id: int) -> Package:
    """The project's mapping ``package_id``, with its distro, or 404."""
    return get_object_or_404(
        Package.objects.select_related("distro"), pk=package_id, project=project
    )


@login_required
def project_map(
    request: HttpRequest, project_id: int, package_id: int | None = None
) -> HttpResponse:
    """Add a mapping, or edit one (``package_id``); a new distro name creates the distro."""
    project = editable_project(project_id)
    package = _project_package(project, package_id) if package_id is not None else None
    if request.method == "POST":
        form = MappingForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services.package_map(
                    project,
                    distro=form.cleaned_data["distro"],
                    package_name=form.cleaned_data["package_name"],
                    agent=agent(request),
                    previous=package,
                    create_distro=True,
                )
            except errors.REFUSALS as refused:
                status = errors.on_form(form, refused).status
            else:
                messages.success(request, "Mapping edited" if package else "Mapping added")
                return redirect(project_url(project))
    elif request.method in ("GET", "HEAD"):
        if package is not None:
            initial = {"distro": package.distro.name, "package_name": package.package_name}
        else:
            initial = {
                "distro": request.GET.get("distro", ""),
                "package_name": request.GET.get("package_name") or project.name,
            }
        form, status = MappingForm(initial=initial), 200
    else:
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    return render(
        request,
        "projects/mapping_form.html",
        {
            "form": form,
            "project": project,
            "package": package,
            "distro_names": selectors.distro_list().values_list("name", flat=True),
        },
        status=status,
    )


@admin_required
def mapping_delete(request: HttpRequest, project_id: int, package_id: int) -> HttpResponse:
    project = get_project(project_id)
    package = _project_package(project, package_id)
    if request.method == "POST" and confirmed(request):
        services.package_unmap(package, agent=agent(request))
        messages.success(request, f"Mapping {package.package_name} on {package.distro} deleted")
        return redirect(project_url(project))
    return confirmation_page(
        request,
        project,
        title="Delete a mapping",
        question=format_html(
            "Delete the mapping of <strong>{}</strong> to the package {} of {}?",
            project.name,
            package.package_name,
            package.distro.name,
        ),
        action=request.path,
        button="Delete mapping",
    )
