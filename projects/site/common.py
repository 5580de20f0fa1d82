"""What the site's pages share: who is asking, the administrators-only answers, pagination
and the lookups of the project a URL names.

Permission failures answer as Anitya does: sign-in required redirects to the sign-in page, a
non-administrator gets 401, a bad state literal in a URL 422.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, render

from accounts.models import User
from projects.models import Project
from projects.selectors import ListedProject
from projects.templatetags.projects_tags import project_path

PAGE_SIZE = 50

_Item = TypeVar("_Item")


class SignedInRequest(HttpRequest):
    """The request of a view behind ``login_required``: its user is signed in."""

    user: User


def agent(request: HttpRequest) -> str:
    """Who made a change, as messages name website users: their username."""
    return request.user.username


def is_admin(request: HttpRequest) -> bool:
    return bool(request.user.is_authenticated and request.user.is_staff)


def unauthorized(request: HttpRequest) -> HttpResponse:
    """Anitya answers 401 (not 403) when a signed-in user is not an administrator."""
    return render(
        request,
        "projects/error.html",
        {
            "title": "Administrators only",
            "message": "This page is for administrators only.",
        },
        status=401,
    )


def unprocessable(message: str) -> HttpResponse:
    """A value in the URL that means nothing (a flag's or an archive's state): Anitya's 422,
    in plain text."""
    return HttpResponse(message, status=422, content_type="text/plain")


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in first (redirect), then administrators only (401)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_admin(request):
            return unauthorized(request)
        return view(request, *args, **kwargs)

    return wrapper


def page_number(request: HttpRequest) -> int:
    """The ``?page=`` number; a bad one gives the first page (as Anitya)."""
    try:
        number = int(request.GET.get("page", 1))
    except ValueError:
        return 1
    return max(number, 1)


def page(
    request: HttpRequest,
    items: QuerySet[Any, _Item] | Sequence[_Item],
    per_page: int = PAGE_SIZE,
) -> Page[_Item]:
    """The ``?page=`` page of ``items``."""
    return Paginator(items, per_page).get_page(page_number(request))


def wants_json(request: HttpRequest) -> bool:
    """The page's script asks for JSON; without a script the same view renders HTML."""
    return "application/json" in request.headers.get("Accept", "")


def confirmed(request: HttpRequest) -> bool:
    """Destructive actions need the ``confirm`` field; without it nothing happens."""
    return bool(request.POST.get("confirm"))


def confirmation_page(
    request: HttpRequest,
    back: Project | str,
    *,
    title: str,
    question: str,
    action: str,
    button: str,
) -> HttpResponse:
    """The page asking to confirm a destructive action (shown again for a POST without
    ``confirm``); Cancel leads ``back``: a project's page, or a URL. Methods other than GET,
    HEAD and POST are refused."""
    if request.method not in {"GET", "HEAD", "POST"}:
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    context = {
        "project": back if isinstance(back, Project) else None,
        "cancel_url": back if isinstance(back, str) else project_url(back),
        "title": title,
        "question": question,
        "action": action,
        "button": button,
    }
    return render(request, "projects/confirm.html", context)


def project_url(project: Project | ListedProject) -> str:
    return project_path(project.pk)


def get_project(project_id: int) -> Project:
    return get_object_or_404(Project, pk=project_id)


def editable_project(project_id: int) -> Project:
    """Archived projects cannot be edited or mapped: they are not found for those pages."""
    project = get_project(project_id)
    if project.archived:
        raise Http404("This project is archived.")
    return project
