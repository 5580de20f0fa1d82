"""The moderation console: projects, versions, distros, mappings, flags and check runs.

Every change made here goes through :mod:`projects.services` (or :func:`check_project`), so
the messages Anitya's consumers expect are sent, and is recorded in the admin log. Actions are
offered on the lists and, as buttons, on each object's page (``accounts.admin_tools``).

Lists stay fast on 100,000 projects: no full result counts, foreign keys through autocomplete
or raw-id widgets, related rows joined in the list query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from accounts.admin_tools import (
    InputFilter,
    ObjectActionsMixin,
    ServiceErrorsAsMessages,
    TolerantAutocomplete,
    confirmation_page,
    confirmed,
    report,
)
from backends import regexes, registry, versions
from backends.base import BackendError
from projects import services
from projects.check import Outcome, check_project
from projects.models import CheckRun, Distro, Flag, Package, Project, ProjectVersion

INLINE_VERSION_LIMIT = 50
#: A full check runs in the request: more than this many at once would time the page out.
CHECK_NOW_LIMIT = 20
#: Version strings listed in one admin-log entry before "and N more".
LOGGED_VERSIONS_LIMIT = 30


def _agent(request: HttpRequest) -> str:
    """Who made the change, as the messages name website and admin users."""
    return request.user.username  # type: ignore[union-attr]


def _versions_text(deleted: list[str]) -> str:
    shown = ", ".join(deleted[:LOGGED_VERSIONS_LIMIT])
    more = len(deleted) - LOGGED_VERSIONS_LIMIT
    return f"{shown} and {more} more" if more > 0 else shown


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _what_goes_with(projects: Iterable[Project]) -> tuple[list[str], dict[str, int]]:
    """One line per project naming what its deletion removes, and the totals."""
    ids = [project.pk for project in projects]
    counted = Project.objects.filter(pk__in=ids).annotate(
        version_total=Count("versions", distinct=True),
        mapping_total=Count("packages", distinct=True),
        flag_total=Count("flags", distinct=True),
    )
    items, totals = [], {"projects": 0, "versions": 0, "mappings": 0, "flags": 0}
    for project in counted.order_by("name"):
        items.append(
            f"Project {project.name} (id {project.pk}): "
            f"{_plural(project.version_total, 'version')}, "
            f"{_plural(project.mapping_total, 'mapping')}, "
            f"{_plural(project.flag_total, 'flag')}"
        )
        totals["projects"] += 1
        totals["versions"] += project.version_total
        totals["mappings"] += project.mapping_total
        totals["flags"] += project.flag_total
    return items, totals


# -- filters ----------------------------------------------------------------------------------


class BackendFilter(admin.SimpleListFilter):
    """Backends from the registry: no ``SELECT DISTINCT`` over every project."""

    title = "backend"
    parameter_name = "backend"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [(name, name) for name in registry.backend_names()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(backend=self.value()) if self.value() else queryset


class FlagProjectFilter(InputFilter):
    title = "project"
    parameter_name = "project"
    placeholder = "Exact project name"

    def filter(self, queryset: QuerySet, value: str) -> QuerySet:
        return queryset.filter(project__name=value)


class FlagAuthorFilter(InputFilter):
    title = "author"
    parameter_name = "author"
    placeholder = "Email or username"

    def filter(self, queryset: QuerySet, value: str) -> QuerySet:
        if "@" in value:
            return queryset.filter(author__email__iexact=value)
        return queryset.filter(author__username=value)


# -- projects ---------------------------------------------------------------------------------


def _set_archived(
    modeladmin: admin.ModelAdmin, request: HttpRequest, projects: Iterable[Project], archived: bool
) -> None:
    verb = "Archived" if archived else "Unarchived"
    done, errors = [], []
    for project in projects:
        try:
            changed = services.project_set_archived(project, archived, agent=_agent(request))
        except services.ServiceError as error:
            errors.append(f"{project.name}: {error}")
            continue
        if changed:
            modeladmin.log_change(request, project, verb)
            done.append(project.name)
    report(
        modeladmin,
        request,
        [f"{verb} {_plural(len(done), 'project')}: {', '.join(done)}."] if done else [],
        errors,
        nothing=f"Nothing to do: the selected projects already were {verb.lower()}.",
    )


@admin.action(description="Archive selected projects")
def archive_projects(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
) -> None:
    _set_archived(modeladmin, request, queryset, True)


@admin.action(description="Unarchive selected projects")
def unarchive_projects(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
) -> None:
    _set_archived(modeladmin, request, queryset, False)


@admin.action(description="Delete all versions of selected projects")
def delete_all_versions(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
) -> TemplateResponse | None:
    projects = list(queryset.annotate(version_total=Count("versions")).order_by("name"))
    if not confirmed(request):
        return confirmation_page(
            modeladmin,
            request,
            queryset,
            action="delete_all_versions",
            title="Delete all versions",
            question="Delete every stored version of these projects? Their latest version is "
            "cleared; the next check finds the versions again.",
            items=[
                f"{project.name}: {_plural(project.version_total, 'version')}"
                for project in projects
            ],
            button="Yes, delete the versions",
        )
    done = []
    for project in projects:
        deleted = services.versions_delete(project, None, agent=_agent(request))
        if deleted:
            modeladmin.log_change(
                request, project, f"Deleted all versions: {_versions_text(deleted)}"
            )
            done.append(f"{project.name} ({len(deleted)})")
    report(
        modeladmin,
        request,
        [f"Deleted all versions of {', '.join(done)}."] if done else [],
        [],
        nothing="The selected projects had no versions.",
    )
    return None


def _check_summary(project: Project, outcome: Outcome, result: Any) -> str:
    if outcome is Outcome.SUCCESS:
        if result.new_versions:
            return f"{project.name}: new versions {', '.join(result.new_versions)}."
        return f"{project.name}: no new version."
    if outcome is Outcome.RATE_LIMITED:
        return f"{project.name}: rate limited until {result.reset_at:%Y-%m-%d %H:%M} UTC."
    if outcome is Outcome.DELETED:
        return f"{project.name}: deleted after too many failed checks ({result.error})."
    return f"{project.name}: check failed: {result.error}"


@admin.action(description="Check selected projects now")
def check_now(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    projects = list(queryset.order_by("name")[: CHECK_NOW_LIMIT + 1])
    if len(projects) > CHECK_NOW_LIMIT:
        report(
            modeladmin,
            request,
            [],
            [f"Select at most {CHECK_NOW_LIMIT} projects to check at once."],
            nothing="",
        )
        return
    done, errors = [], []
    for project in projects:
        try:
            result = check_project(project)
        except BackendError as error:  # archived projects are not checked
            errors.append(f"{project.name}: {error}")
            continue
        summary = _check_summary(project, result.outcome, result)
        modeladmin.log_change(request, project, f"Checked now: {summary}")
        (done if result.outcome is Outcome.SUCCESS else errors).append(summary)
    report(modeladmin, request, done, errors, nothing="No project was selected.")


class ProjectVersionInline(admin.TabularInline):
    """The newest versions only (some projects have thousands); tick to delete some."""

    model = ProjectVersion
    extra = 0
    fields = ["version", "created_on", "published_at", "commit_url"]
    readonly_fields = fields
    ordering = ["-created_on", "-pk"]
    verbose_name_plural = f"Versions (newest {INLINE_VERSION_LIMIT})"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # versions come from checks

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        project_id = (
            request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
        )
        if not project_id:
            return queryset.none()
        newest = (
            ProjectVersion.objects.filter(project_id=project_id)
            .order_by("-created_on", "-pk")
            .values_list("pk", flat=True)[:INLINE_VERSION_LIMIT]
        )
        return queryset.filter(pk__in=list(newest))


class PackageInlineFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if self.instance.pk and self.instance.archived and self.has_changed():
            raise forms.ValidationError(
                f'Project "{self.instance.name}" is archived: unarchive it to change mappings.'
            )


class PackageInline(TolerantAutocomplete, admin.TabularInline):
    model = Package
    formset = PackageInlineFormSet
    extra = 0
    autocomplete_fields = ["distro"]


class ProjectAdminForm(forms.ModelForm):
    """Backends and schemes chosen from what exists; regexes and patterns checked on entry;
    the whole project validated as the services will (version URL, duplicates, archive)."""

    backend = forms.ChoiceField(choices=[(name, name) for name in registry.backend_names()])
    version_scheme = forms.ChoiceField(
        choices=[("", "(default for the ecosystem)")]
        + [(name, name) for name in versions.SCHEME_NAMES],
        required=False,
    )

    homepage = forms.URLField(max_length=200, assume_scheme="https")
    forget_credentials = forms.BooleanField(
        required=False,
        label="Forget the stored credentials",
        help_text="Credentials typed into a URL (https://user:password@host/) are stored apart "
        "and never shown; a URL typed again without them keeps them, unless this is ticked.",
    )

    class Meta:
        model = Project
        fields = [
            "name",
            "homepage",
            "backend",
            "archived",
            "version_url",
            "regex",
            "version_scheme",
            "version_pattern",
            "version_prefix",
            "pre_release_filter",
            "version_filter",
            "insecure",
            "releases_only",
        ]

    def clean_regex(self) -> str | None:
        pattern = self.cleaned_data.get("regex") or None
        if pattern:
            try:
                regexes.validate_user_regex(pattern)
            except regexes.InvalidRegex as error:
                raise forms.ValidationError(str(error)) from None
        return pattern

    def clean_version_pattern(self) -> str | None:
        pattern = self.cleaned_data.get("version_pattern") or None
        if pattern:
            try:
                versions.validate_pattern(pattern)
            except versions.InvalidCalendarPattern as error:
                raise forms.ValidationError(str(error)) from None
        return pattern

    def clean_version_scheme(self) -> str | None:
        return self.cleaned_data.get("version_scheme") or None

    @property
    def forget_requested(self) -> bool:
        """Whether "Forget the stored credentials" was ticked."""
        return bool(self.cleaned_data.get("forget_credentials"))

    def service_fields(self) -> dict[str, Any]:
        """The fields to hand to the services: all of them on creation, else the changed."""
        names = [name for name in services.PROJECT_FIELDS if name in self.fields]
        if self.instance.pk is not None:
            names = [name for name in names if name in self.changed_data]
        return {name: self.cleaned_data.get(name) for name in names}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        fields = self.service_fields()
        try:
            if self.instance.pk is None:
                project = services.build_project(**fields)
            else:
                stored = Project.objects.get(pk=self.instance.pk)
                if stored.archived and set(fields) - {"archived"}:
                    raise forms.ValidationError(
                        "This project is archived: unarchive it (alone) before changing it."
                    )
                project, _changes = services.edited_copy(
                    stored, fields, forget_credentials=self.forget_requested
                )
        except services.InvalidInput as error:
            for field, message in error.errors.items():
                self.add_error(field if field in self.fields else None, message)
            return cleaned
        if set(fields) & {"name", "homepage", "backend"}:
            clash = services.clashing_project(project)
            if clash is not None:
                self.add_error(
                    "name", f'Project "{clash.name}" (id {clash.pk}) already exists there.'
                )
        return cleaned


@admin.register(Project)
class ProjectAdmin(ServiceErrorsAsMessages, ObjectActionsMixin, admin.ModelAdmin):
    form = ProjectAdminForm
    service_errors = (services.ServiceError,)
    list_display = [
        "name",
        "backend",
        "ecosystem_name",
        "latest_version",
        "check_successful",
        "error_counter",
        "last_check",
        "archived",
    ]
    list_filter = ["archived", "check_successful", BackendFilter]
    search_fields = ["name", "homepage", "packages__package_name"]
    search_help_text = "Name, homepage or a package name it is mapped to."
    readonly_fields = [
        "ecosystem_name",
        "latest_version",
        "logs",
        "check_successful",
        "error_counter",
        "last_check",
        "next_check",
        "next_check_reason",
        "etag",
        "last_modified",
        "created_on",
        "updated_on",
        "stored_credentials",
    ]
    fieldsets = [
        (None, {"fields": ["name", "homepage", "backend", "ecosystem_name", "archived"]}),
        (
            "How versions are found",
            {
                "fields": [
                    "version_url",
                    "stored_credentials",
                    "forget_credentials",
                    "regex",
                    "version_scheme",
                    "version_pattern",
                    "version_prefix",
                    "pre_release_filter",
                    "version_filter",
                    "insecure",
                    "releases_only",
                ]
            },
        ),
        (
            "Health",
            {
                "fields": [
                    "latest_version",
                    "check_successful",
                    "error_counter",
                    "logs",
                    "last_check",
                    "next_check",
                    "next_check_reason",
                    "etag",
                    "last_modified",
                    "created_on",
                    "updated_on",
                ]
            },
        ),
    ]
    inlines = [PackageInline, ProjectVersionInline]
    actions = [archive_projects, unarchive_projects, delete_all_versions, check_now]
    object_actions = ("archive_projects", "unarchive_projects", "delete_all_versions", "check_now")
    show_full_result_count = False
    list_per_page = 50
    ordering = ["name"]

    def object_links(self, request: HttpRequest, obj: Project) -> list[dict[str, str]]:
        return [{"label": "Project page", "url": reverse("projects:project", args=[obj.pk])}]

    @admin.display(description="Credentials stored for")
    def stored_credentials(self, obj: Project) -> str:
        """Where credentials split off the URLs are sent; never the credentials themselves."""
        return ", ".join(obj.credential_origins) or "-"

    def save_model(self, request: HttpRequest, obj: Project, form: Any, change: bool) -> None:
        fields = form.service_fields()
        if change:
            if fields or form.forget_requested:
                services.project_edit(
                    obj,
                    agent=_agent(request),
                    forget_credentials=form.forget_requested,
                    **fields,
                )
            return
        created = services.project_create(agent=_agent(request), validate=False, **fields)
        for field in Project._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding, obj._state.db = False, created._state.db

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Inline changes go through the services too: mappings and version deletions."""
        project, agent = form.instance, _agent(request)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        deleted = [f for f in formset.deleted_forms if f.instance.pk is not None]
        if formset.model is ProjectVersion:
            doomed = [f.instance.version for f in deleted]
            if doomed:
                services.versions_delete(project, doomed, agent=agent)
                formset.deleted_objects = [f.instance for f in deleted]
            return
        for deleted_form in deleted:
            services.package_unmap(deleted_form.instance, agent=agent)
            formset.deleted_objects.append(deleted_form.instance)
        for package_form in formset.forms:
            if package_form in formset.deleted_forms or not package_form.has_changed():
                continue
            data = package_form.cleaned_data
            previous = package_form.instance if package_form.instance.pk else None
            package = services.package_map(
                project,
                distro=data["distro"].name,
                package_name=data["package_name"],
                agent=agent,
                previous=previous,
                create_distro=False,
            )
            if previous is None:
                formset.new_objects.append(package)
            else:
                formset.changed_objects.append((package, package_form.changed_data))

    def delete_model(self, request: HttpRequest, obj: Project) -> None:
        services.project_delete(obj, agent=_agent(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for project in queryset:
            services.project_delete(project, agent=_agent(request))

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple:
        """What goes, counted (listing every version of a big project would not load)."""
        items, totals = _what_goes_with(objs)
        return items, {name: count for name, count in totals.items() if count}, set(), []


# -- versions ---------------------------------------------------------------------------------


def _delete_versions(request: HttpRequest, queryset: QuerySet) -> dict[Project, list[str]]:
    by_project: dict[int, list[str]] = defaultdict(list)
    for project_id, version in queryset.values_list("project_id", "version"):
        by_project[project_id].append(version)
    deleted = {}
    for project in Project.objects.filter(pk__in=list(by_project)):
        deleted[project] = services.versions_delete(
            project, by_project[project.pk], agent=_agent(request)
        )
    return deleted


@admin.register(ProjectVersion)
class ProjectVersionAdmin(admin.ModelAdmin):
    list_display = ["version", "project", "created_on", "published_at"]
    list_select_related = ["project"]
    search_fields = ["version", "project__name"]
    raw_id_fields = ["project"]
    list_filter = ["created_on"]
    readonly_fields = ["project", "version", "created_on", "published_at", "commit_url"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # versions come from checks

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a stored version is what the upstream said; it can only be deleted

    def delete_model(self, request: HttpRequest, obj: ProjectVersion) -> None:
        services.versions_delete(obj.project, [obj.version], agent=_agent(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        _delete_versions(request, queryset)


# -- distros and mappings ---------------------------------------------------------------------


class DistroAdminForm(forms.ModelForm):
    class Meta:
        model = Distro
        fields = ["name"]

    def clean_name(self) -> str:
        name = (self.cleaned_data.get("name") or "").strip()
        existing = services.find_distro(name) if name else None
        if existing is not None and existing.pk != self.instance.pk:
            raise forms.ValidationError(
                f'A distribution named "{existing.name}" already exists (names ignore case).'
            )
        return name


@admin.register(Distro)
class DistroAdmin(ServiceErrorsAsMessages, admin.ModelAdmin):
    form = DistroAdminForm
    service_errors = (services.ServiceError,)
    list_display = ["name", "mapping_count"]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(mapping_count=Count("packages"))

    @admin.display(description="Mappings", ordering="mapping_count")
    def mapping_count(self, distro: Distro) -> int:
        return distro.mapping_count  # type: ignore[attr-defined]

    def save_model(self, request: HttpRequest, obj: Distro, form: Any, change: bool) -> None:
        name = form.cleaned_data["name"]
        if change:
            stored = Distro.objects.get(pk=obj.pk)
            obj.name = stored.name
            services.distro_rename(obj, name, agent=_agent(request))
            return
        created = services.distro_create(name, agent=_agent(request))
        obj.pk, obj.name = created.pk, created.name
        obj._state.adding, obj._state.db = False, created._state.db

    def delete_model(self, request: HttpRequest, obj: Distro) -> None:
        services.distro_delete(obj, agent=_agent(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for distro in queryset:
            services.distro_delete(distro, agent=_agent(request))

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple:
        """The distros and how many mappings go with each (Fedora alone has tens of thousands)."""
        distros = Distro.objects.filter(pk__in=[distro.pk for distro in objs]).annotate(
            mapping_total=Count("packages")
        )
        items = [
            f"Distribution {distro.name}: {_plural(distro.mapping_total, 'mapping')}"
            for distro in distros.order_by("name")
        ]
        counts = {"distributions": len(items)}
        mappings = sum(distro.mapping_total for distro in distros)
        if mappings:
            counts["mappings"] = mappings
        return items, counts, set(), []


class PackageAdminForm(forms.ModelForm):
    class Meta:
        model = Package
        fields = ["project", "distro", "package_name"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        project = cleaned.get("project")
        if project is not None and project.archived:
            raise forms.ValidationError(
                f'Project "{project.name}" is archived: unarchive it to change its mappings.'
            )
        return cleaned


@admin.register(Package)
class PackageAdmin(TolerantAutocomplete, ServiceErrorsAsMessages, admin.ModelAdmin):
    form = PackageAdminForm
    service_errors = (services.ServiceError,)
    list_display = ["package_name", "distro", "project"]
    list_select_related = ["distro", "project"]
    list_filter = ["distro"]
    search_fields = ["package_name", "project__name"]
    autocomplete_fields = ["distro", "project"]
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: Package, form: Any, change: bool) -> None:
        data = form.cleaned_data
        package = services.package_map(
            data["project"],
            distro=data["distro"].name,
            package_name=data["package_name"],
            agent=_agent(request),
            previous=obj if change else None,
            create_distro=False,
        )
        obj.pk = package.pk
        obj._state.adding, obj._state.db = False, package._state.db

    def delete_model(self, request: HttpRequest, obj: Package) -> None:
        services.package_unmap(obj, agent=_agent(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for package in queryset:
            services.package_unmap(package, agent=_agent(request))


# -- flags ------------------------------------------------------------------------------------


def _set_flag_state(
    modeladmin: admin.ModelAdmin, request: HttpRequest, flags: Iterable[Flag], state: str
) -> None:
    verb = "Closed" if state == Flag.State.CLOSED else "Reopened"
    done = []
    for flag in flags:
        if services.flag_set_state(flag, state, agent=_agent(request)):
            modeladmin.log_change(request, flag, verb)
            done.append(f"#{flag.pk}")
    report(
        modeladmin,
        request,
        [f"{verb} {_plural(len(done), 'flag')}: {', '.join(done)}."] if done else [],
        [],
        nothing="Flag state unchanged.",
    )


@admin.action(description="Close selected flags")
def close_flags(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    _set_flag_state(modeladmin, request, queryset, Flag.State.CLOSED)


@admin.action(description="Reopen selected flags")
def reopen_flags(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    _set_flag_state(modeladmin, request, queryset, Flag.State.OPEN)


def _flagged_projects(queryset: QuerySet) -> list[Project]:
    return list(Project.objects.filter(flags__in=queryset).distinct().order_by("name"))


@admin.action(description="Archive the flagged projects")
def archive_flagged_projects(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
) -> None:
    project_admin = modeladmin.admin_site._registry[Project]
    _set_archived(project_admin, request, _flagged_projects(queryset), True)


@admin.action(description="Delete the flagged projects")
def delete_flagged_projects(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
) -> TemplateResponse | None:
    projects = _flagged_projects(queryset)
    if not confirmed(request):
        items, totals = _what_goes_with(projects)
        return confirmation_page(
            modeladmin,
            request,
            queryset,
            action="delete_flagged_projects",
            title="Delete the flagged projects",
            question=(
                f"Delete {_plural(totals['projects'], 'project')} with "
                f"{_plural(totals['versions'], 'version')}, "
                f"{_plural(totals['mappings'], 'mapping')} and "
                f"{_plural(totals['flags'], 'flag')} (these flags included)? "
                "This cannot be undone."
            ),
            items=items,
            button="Yes, delete the projects",
        )
    project_admin = modeladmin.admin_site._registry[Project]
    names = [project.name for project in projects]
    if projects:
        project_admin.log_deletions(request, projects)
    for project in projects:
        services.project_delete(project, agent=_agent(request))
    report(
        modeladmin,
        request,
        [f"Deleted {_plural(len(names), 'project')}: {', '.join(names)}."] if names else [],
        [],
        nothing="The selected flags have no project left.",
    )
    return None


@admin.register(Flag)
class FlagAdmin(ObjectActionsMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "state",
        "project_link",
        "author",
        "created_on",
        "short_reason",
        "site_link",
    ]
    list_display_links = ["id"]
    list_select_related = ["project", "author"]
    list_filter = ["state", FlagProjectFilter, FlagAuthorFilter, "created_on"]
    # "open" sorts after "closed": descending state puts the open flags first.
    ordering = ["-state", "-created_on", "-pk"]
    search_fields = ["project__name", "author__email", "reason"]
    fields = ["project", "author", "state", "reason", "created_on", "updated_on"]
    readonly_fields = fields
    actions = [close_flags, reopen_flags, archive_flagged_projects, delete_flagged_projects]
    object_actions = (
        "close_flags",
        "reopen_flags",
        "archive_flagged_projects",
        "delete_flagged_projects",
    )
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # users flag projects on the site

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the state changes through the actions, which send messages

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # flags are closed, not deleted (no message exists for that)

    def object_links(self, request: HttpRequest, obj: Flag) -> list[dict[str, str]]:
        return [
            {"label": "Project page", "url": reverse("projects:project", args=[obj.project_id])}
        ]

    @admin.display(description="Reason")
    def short_reason(self, flag: Flag) -> str:
        return flag.reason if len(flag.reason) <= 80 else flag.reason[:79] + "…"

    @admin.display(description="Project", ordering="project__name")
    def project_link(self, flag: Flag) -> str:
        url = reverse("admin:projects_project_change", args=[flag.project_id])
        return format_html('<a href="{}">{}</a>', url, flag.project.name)

    @admin.display(description="On the site")
    def site_link(self, flag: Flag) -> str:
        url = reverse("projects:project", args=[flag.project_id])
        return format_html('<a href="{}">/project/{}/</a>', url, flag.project_id)


@admin.register(CheckRun)
class CheckRunAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "ended_at",
        "total_count",
        "success_count",
        "error_count",
        "ratelimit_count",
        "new_version_count",
        "pending_tasks",
    ]
    readonly_fields = list_display
    list_filter = ["started_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


# Labels of the same actions as buttons on one object's page.
archive_projects.object_label = "Archive"  # type: ignore[attr-defined]
unarchive_projects.object_label = "Unarchive"  # type: ignore[attr-defined]
delete_all_versions.object_label = "Delete all versions…"  # type: ignore[attr-defined]
check_now.object_label = "Full check now"  # type: ignore[attr-defined]
close_flags.object_label = "Close flag"  # type: ignore[attr-defined]
reopen_flags.object_label = "Reopen flag"  # type: ignore[attr-defined]
archive_flagged_projects.object_label = "Archive the project"  # type: ignore[attr-defined]
delete_flagged_projects.object_label = "Delete the project…"  # type: ignore[attr-defined]
