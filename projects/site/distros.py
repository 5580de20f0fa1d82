"""The distributions: their list, each one's projects, adding one; renaming and deleting are
moderation, done in the admin."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from projects import selectors, services
from projects.site import errors, watching
from projects.site.common import agent, is_admin, page, unauthorized
from projects.site.forms.distros import DistroForm
from projects.templatetags.projects_tags import distro_url


@require_safe
def distro_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "projects/distro_list.html",
        {"page": page(request, selectors.distro_list()), "is_admin": is_admin(request)},
    )


@require_safe
def distro_detail(request: HttpRequest, name: str) -> HttpResponse:
    distro = selectors.distro_by_name(name)
    if distro is None:
        raise Http404("No such distribution.")
    shown = page(request, selectors.projects_in_distro(distro.name))
    return render(
        request,
        "projects/project_list.html",
        {
            "title": f"Projects of {distro.name}",
            "page": shown,
            "distro": distro,
            **watching.list_context(request, shown),
            **watching.distro_context(request, distro),
        },
    )


@require_safe
def distro_redirect(request: HttpRequest, name: str) -> HttpResponse:
    """``/distros/<name>/``: the URL message consumers were given (contract pitfall 33)."""
    return redirect("projects:distro", name, permanent=True)


@login_required
def distro_add(request: HttpRequest) -> HttpResponse:
    form = DistroForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                distro = services.distro_create(form.cleaned_data["name"], agent=agent(request))
            except errors.REFUSALS as refused:
                status = errors.on_form(form, refused).status
            else:
                messages.success(request, f"Distribution {distro.name} added")
                return redirect(distro_url(distro.name) or reverse("projects:distros"))
    return render(request, "projects/distro_form.html", {"form": form}, status=status)


def _distro_admin(request: HttpRequest, name: str, action: str) -> HttpResponse:
    distro = selectors.distro_by_name(name)
    if distro is None:
        raise Http404("No such distribution.")
    if not is_admin(request):
        return unauthorized(request)
    return redirect(f"admin:projects_distro_{action}", distro.pk)


@login_required
def distro_edit(request: HttpRequest, name: str) -> HttpResponse:
    """Renaming is moderation: administrators do it in the admin."""
    return _distro_admin(request, name, "change")


@login_required
def distro_delete(request: HttpRequest, name: str) -> HttpResponse:
    return _distro_admin(request, name, "delete")
