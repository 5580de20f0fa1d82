"""Flags: a user reports a problem with a project; administrators close or reopen it from the
project's page and triage the rest in the admin."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from projects import services
from projects.models import Flag
from projects.site import errors
from projects.site.common import (
    SignedInRequest,
    admin_required,
    agent,
    get_project,
    project_url,
)
from projects.site.forms.flags import FlagForm


@login_required
def project_flag(request: SignedInRequest, project_id: int) -> HttpResponse:
    project = get_project(project_id)
    form = FlagForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.flag_create(project, author=request.user, reason=form.cleaned_data["reason"])
        except errors.REFUSALS as refused:
            errors.on_form(form, refused)
        else:
            messages.success(request, "Project flagged for admin review")
            return redirect(project_url(project))
    status = 400 if form.is_bound else 200
    return render(
        request, "projects/flag_form.html", {"form": form, "project": project}, status=status
    )


@admin_required
@require_POST
def flag_set_state(request: HttpRequest, flag_id: int, state: str) -> HttpResponse:
    """Anitya's ``/flags/<id>/set/<state>``: close (or reopen) a flag from its project's page,
    then back to that page."""
    flag = get_object_or_404(Flag.objects.select_related("project"), pk=flag_id)
    try:
        changed = services.flag_set_state(flag, state.lower(), agent=agent(request))
    except errors.REFUSALS as refused:
        return errors.url_value_refused(refused)
    if changed:
        messages.success(
            request, f"Flag #{flag.pk} {'closed' if flag.state == 'closed' else 'reopened'}"
        )
    else:
        messages.info(request, f"Flag #{flag.pk} unchanged")
    return redirect(project_url(flag.project))


@admin_required
@require_safe
def flags(request: HttpRequest) -> HttpResponse:
    """Flags are triaged in the admin (open ones first)."""
    return redirect(reverse("admin:projects_flag_changelist") + "?state__exact=open")
