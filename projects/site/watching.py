"""Watching: the Watch buttons (project page, lists and search results, a distribution's
page), the watchlist and each watch's rules.

The buttons are plain forms (POST with the CSRF token) that come back to the page they were
pressed on, with a message. The pages that show them add :func:`project_context`,
:func:`list_context` or :func:`distro_context` to theirs: one query each, whatever the list's
length. Anonymous visitors get a "Sign in to watch" link instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST, require_safe

from accounts.http import points_into_site
from projects import selectors as project_selectors
from projects.models import Distro, Project
from projects.notify import selectors, services
from projects.notify.models import ChangeLevel, Watch
from projects.selectors.streams import project_streams
from projects.site import errors
from projects.site.common import SignedInRequest, get_project, page, project_url
from projects.site.forms.notify import WatchRulesForm


def back(request: HttpRequest, default: str) -> str:
    """The page a button was pressed on (its ``next`` field) when it is a path of this site
    (``redirect`` would take any other word for a URL name)."""
    target = request.POST.get("next", "")
    if (
        target.startswith("/")
        and not any(ord(character) < 32 or ord(character) == 127 for character in target)
        and points_into_site(request, target)
    ):
        return target
    return default


def rules_summary(watch: Watch, *, capitalized: bool = True) -> str:
    """A watch's rules in a few words, for the lists (``capitalized=False``: to go on after
    a colon). Patterns are quoted as typed."""
    parts = ["Stable versions" if watch.stable_only else "Every version"]
    if not capitalized:
        parts[0] = parts[0].lower()
    if watch.min_change != ChangeLevel.ANY:
        parts.append(ChangeLevel(watch.min_change).label.lower())
    if watch.include_pattern:
        parts.append(f"matching {watch.include_pattern}")
    if watch.exclude_pattern:
        parts.append(f"not matching {watch.exclude_pattern}")
    if watch.stream:
        parts.append(f"stream {watch.stream}")
    if watch.hold_hours:
        parts.append(f"held {watch.hold_hours} h")
    return ", ".join(parts)


# -- what the pages with buttons add to their context ---------------------------------------


def project_context(request: HttpRequest, project: Project) -> dict[str, Any]:
    """The project page's button: ``watch`` (the user's watch of it, or None) and
    ``watched_through`` (the watched distributions it is mapped in)."""
    if not request.user.is_authenticated:
        return {}
    watch, through = selectors.watches_of_project(request.user, project)
    return {"watch": watch, "watched_through": through}


def list_context(
    request: HttpRequest, projects: Iterable[Project | project_selectors.ListedProject]
) -> dict[str, Any]:
    """A list's buttons: ``watch_column`` and the ids of the listed projects the user
    watches (``watched_ids``)."""
    if not request.user.is_authenticated:
        return {}
    listed = [project.pk for project in projects]
    return {
        "watch_column": True,
        "watched_ids": selectors.watched_project_ids(request.user, listed),
    }


def distro_context(request: HttpRequest, distro: Distro) -> dict[str, Any]:
    """A distribution page's "Watch all projects" button: ``distro_watch`` (or None)."""
    if not request.user.is_authenticated:
        return {}
    return {"distro_watch": selectors.distro_watch(request.user, distro)}


# -- the buttons ----------------------------------------------------------------------------


@login_required
@require_POST
def project_watch(request: SignedInRequest, project_id: int) -> HttpResponse:
    project = get_project(project_id)
    watch = services.watch_project(request.user, project)
    messages.success(
        request,
        format_html(
            'You are watching {}: {}. <a href="{}">Change the rules</a>.',
            project.name,
            rules_summary(watch, capitalized=False),
            reverse("projects:watch_rules", args=[watch.pk]),
        ),
    )
    return redirect(back(request, project_url(project)))


@login_required
@require_POST
def project_unwatch(request: SignedInRequest, project_id: int) -> HttpResponse:
    project = get_project(project_id)
    watch = selectors.project_watch(request.user, project)
    if watch is None:
        messages.info(request, f"You were not watching {project.name}.")
    else:
        services.unwatch(watch)
        messages.success(request, f"You no longer watch {project.name}.")
    return redirect(back(request, project_url(project)))


@login_required
@require_POST
def distro_watch(request: SignedInRequest, name: str) -> HttpResponse:
    distro = project_selectors.distro_by_name(name)
    if distro is None:
        raise Http404("No such distribution.")
    watch = services.watch_distro(request.user, distro)
    messages.success(
        request,
        format_html(
            'You are watching every project of {}, now and later: {}. <a href="{}">Change '
            "the rules</a>.",
            distro.name,
            rules_summary(watch, capitalized=False),
            reverse("projects:watch_rules", args=[watch.pk]),
        ),
    )
    return redirect(back(request, reverse("projects:watchlist")))


@login_required
@require_POST
def watch_remove(request: SignedInRequest, watch_id: int) -> HttpResponse:
    """Stop one watch (a project's or a distribution's), from the watchlist or a distro page."""
    watch = _own_watch(request, watch_id)
    target = watch.project if watch.project is not None else watch.distro
    services.unwatch(watch)
    messages.success(request, f"You no longer watch {target}.")
    return redirect(back(request, reverse("projects:watchlist")))


def _own_watch(request: SignedInRequest, watch_id: int) -> Watch:
    watch = selectors.user_watch(request.user, watch_id)
    if watch is None:
        raise Http404("No such watch.")
    return watch


# -- the watchlist --------------------------------------------------------------------------


@dataclass(frozen=True)
class WatchlistRow:
    """One watched project as the watchlist shows it."""

    project: Project
    latest_stable: str | None
    #: The user's own watch of the project; None when watched through distributions only.
    watch: Watch | None
    #: The watched distributions it is mapped in.
    through: list[Distro]
    #: The rules of ``watch`` in a few words.
    rules: str


def _row(project: Any) -> WatchlistRow:
    direct = project.direct_watches
    watch = direct[0] if direct else None
    stable = project.stable_version_strings
    return WatchlistRow(
        project=project,
        latest_stable=stable[0] if stable else None,
        watch=watch,
        # In the order of their names, each once (a project may have two packages in one).
        through=list(dict.fromkeys(package.distro for package in project.watched_packages)),
        rules=rules_summary(watch) if watch is not None else "",
    )


@login_required
@require_safe
def watchlist(request: SignedInRequest) -> HttpResponse:
    """The projects the user watches, directly or through distributions: latest versions,
    last release, health; sorted and filtered by ``?sort=`` and ``?name=``, 50 a page."""
    sort = selectors.watchlist_sort_key(request.GET.get("sort"))
    name = request.GET.get("name", "").strip()[: selectors.NAME_FILTER_MAX_LENGTH]
    shown = page(request, selectors.watchlist(request.user, sort=sort, name=name))
    distro_watches = list(selectors.watched_distros(request.user))
    return render(
        request,
        "projects/watchlist.html",
        {
            "page": shown,
            "rows": [_row(project) for project in shown],
            "sort": sort,
            "name_filter": name,
            "distro_watches": [(watch, rules_summary(watch)) for watch in distro_watches],
        },
    )


@login_required
def watch_rules(request: SignedInRequest, watch_id: int) -> HttpResponse:
    """The rules of one of the user's watches: GET shows them, POST changes them."""
    watch = _own_watch(request, watch_id)
    status = 200
    if request.method == "POST":
        form = WatchRulesForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services.watch_set_rules(watch, form.rules())
            except errors.REFUSALS as refused:
                status = errors.on_form(form, refused).status
            else:
                target = watch.project if watch.project is not None else watch.distro
                messages.success(
                    request, f"Rules for {target} saved: {rules_summary(watch, capitalized=False)}."
                )
                unknown = services.unknown_stream(watch)
                if unknown is not None:
                    messages.warning(request, unknown)
                return redirect("projects:watchlist")
    elif request.method in {"GET", "HEAD"}:
        form = WatchRulesForm(initial=WatchRulesForm.initial_from(watch))
    else:
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    names = [stream.name for stream in project_streams(watch.project)] if watch.project else []
    return render(
        request,
        "projects/watch_rules.html",
        {"form": form, "watch": watch, "stream_names": names},
        status=status,
    )
