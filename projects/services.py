"""Every write users can see on projects, versions, distros, mappings and flags (design.md §2).

The website, the API, the admin and the commands call these functions and nothing else, so
they can never disagree. Each one validates its input, takes the row locks it needs, writes,
and emits its message to the outbox last, in the same transaction: a message exists if and only
if its change was committed. Failures raise a :class:`ServiceError` whose text is meant for the
user (a form error, an API error body); nothing is written when one is raised.

``agent`` is who made the change, as Anitya names them in messages: the username for the
website and the admin, the email for API v2, ``"anitya"`` for the checker.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from backends import credentials, ecosystems, pipeline, regexes, registry, versions
from backends.base import BackendError
from backends.pipeline import Preview
from backends.versions.calendar import InvalidCalendarPattern, validate_pattern
from messaging import topics
from messaging.outbox import emit
from projects.models import Distro, Flag, Package, Project, ProjectVersion

#: The fields of a project a user sets (website form, API, admin), in the form's order.
PROJECT_FIELDS: tuple[str, ...] = (
    "name",
    "homepage",
    "backend",
    "version_url",
    "version_scheme",
    "version_pattern",
    "version_prefix",
    "pre_release_filter",
    "version_filter",
    "regex",
    "insecure",
    "releases_only",
    "archived",
)
#: The fields a project form or API request sets (archiving is an administrator's action).
EDITABLE_FIELDS: tuple[str, ...] = tuple(field for field in PROJECT_FIELDS if field != "archived")
BOOLEAN_FIELDS = frozenset({"insecure", "releases_only", "archived"})
#: Changing one of these changes what the upstream is asked, so the conditional-request
#: validators of the last answer no longer apply and the project is checked again soon.
FETCH_FIELDS = frozenset(
    {
        "name",
        "homepage",
        "backend",
        "version_url",
        "regex",
        "insecure",
        "releases_only",
        "url_credentials",
    }
)
#: The project fields that hold URLs: credentials typed into them are split off when saved.
URL_FIELDS: tuple[str, ...] = ("homepage", "version_url")
#: Changes saved but never announced (messages are public): only that they changed is returned.
PRIVATE_FIELDS = frozenset({"url_credentials"})
TEXT_MAX_LENGTH = 200
CREDENTIAL_MAX_LENGTH = 1000

VALIDATION_FAILED = (
    "The check failed: could not retrieve versions. Error: {error}. Please verify the project "
    "configuration (backend, homepage, version URL, etc.) and try again."
)
REQUIRES_VERSION_URL = "Chosen backend requires version_url"


class ServiceError(Exception):
    """A change that cannot be made; ``str()`` is the reason, for the user."""


class InvalidInput(ServiceError):
    """Some fields are wrong: ``errors`` maps each field to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field}: {message}" for field, message in self.errors.items()))


class ProjectExists(ServiceError):
    """Another project has this name in this ecosystem (or this name and homepage)."""

    def __init__(self, requested: Project, existing: Project | None) -> None:
        self.requested = requested
        self.existing = existing
        super().__init__("Unable to create project since it already exists.")


class ProjectCheckFailed(ServiceError):
    """A new project's configuration does not find any versions upstream (contract §2.6)."""


class ProjectArchived(ServiceError):
    """Archived projects are read-only until an administrator unarchives them."""

    def __init__(self, project: Project) -> None:
        self.project = project
        super().__init__(f'Project "{project.name}" is archived and cannot be changed.')


class DistroExists(ServiceError):
    def __init__(self, name: str) -> None:
        super().__init__(f'A distribution named "{name}" already exists.')


class DistroNotFound(ServiceError):
    def __init__(self, name: str) -> None:
        super().__init__(f'Distribution "{name}" not found')


class MappingClash(ServiceError):
    """The package name is already mapped, in that distro, to ``owner``."""

    def __init__(self, owner: Project, distro: str, package_name: str) -> None:
        self.owner = owner
        self.distro = distro
        self.package_name = package_name
        super().__init__(
            f"Could not edit the mapping of {package_name} on {distro}, there is already a "
            f'package {package_name} on {distro} as part of the project "{owner.name}".'
        )


# -- projects ---------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def split_credentials(fields: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, dict]]:
    """``fields`` with the userinfo taken out of every URL field, and the credentials it held
    as ``{origin: {"username": .., "password": ..}}`` (``backends/credentials.py``).

    The one place credentials are split off: the website, the APIs, the admin and the commands
    all save through :func:`build_project` and :func:`edited_copy`, which call it, so a stored
    URL (shown on pages, in APIs, feeds, messages and logs) never holds them.
    """
    cleaned, typed, errors = dict(fields), {}, {}
    for field in URL_FIELDS:
        value = fields.get(field)
        if not isinstance(value, str):
            continue
        url, found = credentials.split_userinfo(value.strip())
        cleaned[field] = url
        if found is None or not any(found):
            continue
        if max(len(part) for part in found) > CREDENTIAL_MAX_LENGTH:
            errors[field] = "The credentials in this URL are too long."
            continue
        origin = credentials.origin(url)
        if origin is not None:
            typed[origin] = {"username": found[0], "password": found[1]}
    if errors:
        raise InvalidInput(errors)
    return cleaned, typed


def merged_credentials(
    stored: Mapping[str, Any] | None,
    typed: Mapping[str, Any],
    project: Project,
    *,
    forget: bool = False,
) -> dict[str, Any] | None:
    """The credentials ``project`` keeps: the stored ones (none with ``forget``) updated by
    those just typed, for the origins its URLs still use (a URL typed again without them
    keeps them; a URL moved to another host, scheme or port drops them). None: none."""
    kept = {} if forget else dict(stored or {})
    kept.update(typed)
    used = {credentials.origin(getattr(project, field)) for field in URL_FIELDS}
    return {origin: value for origin, value in kept.items() if origin in used} or None


def clean_project_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and normalise project fields; raise :class:`InvalidInput` naming each bad one.

    Strings are stripped (empty means unset), the backend and version scheme take their
    stored spelling (they are looked up case-insensitively, as Anitya does), regexes and
    calendar patterns are compiled, the homepage must be an http(s) URL, and a backend that
    needs a version URL gets one. URL fields come back without credentials
    (:func:`split_credentials`; its callers keep them).
    """
    fields = split_credentials(fields)[0]
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise InvalidInput({field: "Unknown field." for field in sorted(unknown)})
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, value in fields.items():
        if field in BOOLEAN_FIELDS:
            cleaned[field] = bool(value)
            continue
        text = _text(value)
        if text is not None and len(text) > TEXT_MAX_LENGTH:
            errors[field] = f"At most {TEXT_MAX_LENGTH} characters are allowed."
        cleaned[field] = text

    for required in ("name", "homepage", "backend"):
        if required in cleaned and not cleaned[required]:
            errors.setdefault(required, "This field is required.")
    if cleaned.get("homepage") and "homepage" not in errors:
        try:
            URLValidator(schemes=["http", "https"])(cleaned["homepage"])
        except ValidationError:
            errors["homepage"] = "Enter a valid http or https URL."
    if cleaned.get("backend"):
        try:
            cleaned["backend"] = registry.canonical_name(cleaned["backend"])
        except registry.UnknownBackend:
            errors["backend"] = f'No backend was found for "{cleaned["backend"]}"'
    if cleaned.get("version_scheme"):
        try:
            cleaned["version_scheme"] = versions.canonical_scheme_name(cleaned["version_scheme"])
        except versions.UnknownVersionScheme as error:
            errors["version_scheme"] = str(error)
    if cleaned.get("regex") and "regex" not in errors:
        try:
            regexes.validate_user_regex(cleaned["regex"])
        except regexes.InvalidRegex as error:
            errors["regex"] = str(error)
    if cleaned.get("version_pattern") and "version_pattern" not in errors:
        try:
            validate_pattern(cleaned["version_pattern"])
        except InvalidCalendarPattern as error:
            errors["version_pattern"] = str(error)
    if errors:
        raise InvalidInput(errors)
    return cleaned


def _require_version_url(project: Project) -> None:
    backend = registry.get_backend(project.backend)
    if backend.required_version_url and not project.version_url:
        raise InvalidInput({"version_url": REQUIRES_VERSION_URL})


def build_project(**fields: Any) -> Project:
    """An unsaved project from user input: for previews and temporary projects.

    Raises :class:`InvalidInput`; ``name``, ``homepage`` and ``backend`` are required.
    """
    required = ("name", "homepage", "backend")
    missing = {field: "This field is required." for field in required if field not in fields}
    if missing:
        raise InvalidInput(missing)
    fields, typed = split_credentials(fields)
    project = Project(**clean_project_fields(fields))
    project.url_credentials = merged_credentials(None, typed, project)
    _require_version_url(project)
    project.ecosystem_name = ecosystems.derive_ecosystem_name(project.backend, project.homepage)
    return project


def clashing_project(project: Project) -> Project | None:
    """The stored project that ``project`` would duplicate (same name and ecosystem, or same
    name and homepage), ignoring ``project`` itself."""
    ecosystem = ecosystems.derive_ecosystem_name(project.backend, project.homepage)
    candidates = Project.objects.filter(name=project.name).exclude(pk=project.pk)
    return (
        candidates.filter(ecosystem_name=ecosystem).first()
        or candidates.filter(homepage=project.homepage).first()
    )


def preview_project(project: Project, *, interactive: bool = True) -> Preview:
    """What a check of ``project`` (saved or not) would find, writing nothing.

    ``interactive`` (the default: the Test check, dry runs, a new project's validation) means
    a person waits for it, so it gets the shorter deadline (``PREVIEW_DEADLINE``). Raises
    :class:`~backends.base.BackendError` (and ``RateLimited``) as the pipeline does.
    """
    return pipeline.preview(project.to_spec(), interactive=interactive)


def project_create(*, agent: str, validate: bool = True, **fields: Any) -> Project:
    """Create a project and announce it (``project.add``).

    With ``validate`` the configuration must find versions upstream first (Anitya 2.3's
    pre-creation check); nothing is stored when it does not. Raises :class:`InvalidInput`,
    :class:`ProjectExists` or :class:`ProjectCheckFailed`.

    The upstream is asked before the transaction opens: a slow upstream must not hold a
    database lock (SQLite's IMMEDIATE transactions take the write lock at BEGIN).

    What that validating check found is then recorded as the project's first check, as
    Anitya's "check latest release on submit" does, without asking the upstream again: the
    versions and the latest version are stored, ``last_check`` is now and ``next_check`` one
    interval later, and ``project.version.update`` follows ``project.add``.
    """
    project = build_project(**fields)
    existing = clashing_project(project)
    if existing is not None:
        raise ProjectExists(project, existing)
    preview = None
    if validate:
        try:
            preview = preview_project(project)
        except BackendError as error:
            raise ProjectCheckFailed(VALIDATION_FAILED.format(error=error)) from None
    now = timezone.now()
    project.created_on = project.updated_on = project.next_check = now
    try:
        with transaction.atomic():
            project.save()
            emit(topics.project_add(project, agent))
    except IntegrityError:
        raise ProjectExists(project, clashing_project(project)) from None
    if preview is not None:
        # projects.check imports this module (it archives through project_set_archived):
        # imported here, when both modules are loaded, to keep the import graph acyclic.
        from projects import check

        check.record(project, preview)
    return project


def edited_copy(
    project: Project, fields: Mapping[str, Any], *, forget_credentials: bool = False
) -> tuple[Project, dict[str, tuple]]:
    """``project`` with ``fields`` applied, unsaved, and the changes as ``{field: (old, new)}``.

    Validates the result as a whole (a backend needing a version URL, ...). The caller's
    instance is not modified. Credentials typed into a URL replace the stored ones for its
    origin; ``forget_credentials`` drops the stored ones first. Their change is reported as
    ``url_credentials``: (origins before, origins after), never the credentials themselves.
    """
    fields, typed = split_credentials(fields)
    cleaned = clean_project_fields(fields)
    concrete = Project._meta.concrete_fields
    copy = Project(**{field.attname: getattr(project, field.attname) for field in concrete})
    copy._state.adding, copy._state.db = project._state.adding, project._state.db
    changes: dict[str, tuple] = {}
    for field, new in cleaned.items():
        old = getattr(project, field)
        # "" and None both mean unset.
        changed = bool(old) != new if field in BOOLEAN_FIELDS else (old or None) != new
        if changed:
            changes[field] = (old, new)
        setattr(copy, field, new)
    copy.url_credentials = merged_credentials(
        project.url_credentials, typed, copy, forget=forget_credentials
    )
    if (project.url_credentials or None) != copy.url_credentials:
        changes["url_credentials"] = (project.credential_origins, copy.credential_origins)
    _require_version_url(copy)
    copy.ecosystem_name = ecosystems.derive_ecosystem_name(copy.backend, copy.homepage)
    return copy, changes


@transaction.atomic
def project_edit(
    project: Project, *, agent: str, forget_credentials: bool = False, **fields: Any
) -> dict[str, tuple]:
    """Change a project's fields; announce the changes (``project.edit``) if there are any.

    Returns ``{field: (old, new)}`` (empty: nothing changed, nothing sent). Archived projects
    refuse every change but unarchiving (:func:`project_set_archived`). Changing how the
    upstream is asked makes the project due now, without the last answer's validators.
    Credentials (:func:`edited_copy`) are saved but not announced: a change of them alone
    sends nothing.
    """
    locked = Project.objects.select_for_update().get(pk=project.pk)
    if locked.archived and (set(fields) != {"archived"} or forget_credentials):
        raise ProjectArchived(locked)
    edited, changes = edited_copy(locked, fields, forget_credentials=forget_credentials)
    if not changes:
        return {}
    if set(changes) & {"name", "homepage", "backend"}:
        clash = clashing_project(edited)
        if clash is not None:
            raise ProjectExists(edited, clash)
    for field in changes:
        setattr(locked, field, getattr(edited, field))
    if set(changes) & FETCH_FIELDS:
        locked.etag = locked.last_modified = ""
        locked.next_check = timezone.now()
        locked.next_check_reason = "Project edited: checked at the next cycle"
    locked.updated_on = timezone.now()
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:
        raise ProjectExists(edited, clashing_project(edited)) from None
    announced = {field: change for field, change in changes.items() if field not in PRIVATE_FIELDS}
    if announced:
        emit(topics.project_edit(locked, agent, announced))
    _copy_fields(locked, project)
    return changes


@transaction.atomic
def project_set_archived(project: Project, archived: bool, *, agent: str) -> bool:
    """Archive (stop checking, freeze) or unarchive a project; True when it changed.

    Only ``archived`` changes: unlike Anitya (contract pitfall 14) the filters are kept.
    The rest of the project is not validated again, so a project whose configuration no
    longer holds (an unknown backend, a missing version URL) can still be archived, which
    is what the checker does with a project that keeps failing.
    """
    locked = Project.objects.select_for_update().get(pk=project.pk)
    if locked.archived == archived:
        return False
    locked.archived = archived
    locked.updated_on = timezone.now()
    locked.save(update_fields=["archived", "updated_on"])
    emit(topics.project_edit(locked, agent, {"archived": (not archived, archived)}))
    _copy_fields(locked, project)
    return True


@transaction.atomic
def project_delete(project: Project, *, agent: str) -> None:
    """Delete a project with its versions, mappings and flags (``project.remove``)."""
    locked = Project.objects.select_for_update().get(pk=project.pk)
    message = topics.project_remove(locked, agent)
    locked.delete()
    emit(message)


@transaction.atomic
def versions_delete(
    project: Project, raw_versions: Iterable[str] | None, *, agent: str
) -> list[str]:
    """Delete some stored versions (raw strings), or all with ``None``; return those deleted.

    The latest version becomes the newest one left (NULL when none is), and one
    ``project.version.remove.v2`` lists the deleted version strings (Anitya's "delete all"
    sent object reprs, pitfall 15).
    """
    locked = Project.objects.select_for_update().get(pk=project.pk)
    rows = ProjectVersion.objects.filter(project=locked)
    if raw_versions is not None:
        rows = rows.filter(version__in=list(raw_versions))
    deleted = list(rows.order_by("created_on", "pk").values_list("version", flat=True))
    if not deleted:
        return []
    rows.delete()
    locked.__dict__.pop("sorted_versions", None)
    visible = locked.visible_versions
    locked.latest_version = visible[0][1].parsed if visible else None
    locked.updated_on = timezone.now()
    locked.save(update_fields=["latest_version", "updated_on"])
    emit(topics.version_remove_v2(locked, deleted, agent))
    _copy_fields(locked, project)
    return deleted


def _copy_fields(source: Project, target: Project) -> None:
    if source is target:
        return
    for field in Project._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target.__dict__.pop("sorted_versions", None)
    if hasattr(target, "_prefetched_objects_cache"):
        target._prefetched_objects_cache.clear()


# -- distros ----------------------------------------------------------------------------------


def _distro_name(name: Any) -> str:
    text = _text(name)
    if not text:
        raise InvalidInput({"name": "This field is required."})
    if len(text) > TEXT_MAX_LENGTH:
        raise InvalidInput({"name": f"At most {TEXT_MAX_LENGTH} characters are allowed."})
    return text


def find_distro(name: str) -> Distro | None:
    """The distro called ``name``, ignoring case (as every Anitya lookup does)."""
    return Distro.objects.annotate(lower=Lower("name")).filter(lower=name.strip().lower()).first()


@transaction.atomic
def distro_create(name: str, *, agent: str) -> Distro:
    """Create a distribution (``distro.add``); names are unique ignoring case."""
    name = _distro_name(name)
    if find_distro(name) is not None:
        raise DistroExists(name)
    try:
        with transaction.atomic():
            distro = Distro.objects.create(name=name)
    except IntegrityError:
        raise DistroExists(name) from None
    emit(topics.distro_add(distro, agent))
    return distro


@transaction.atomic
def distro_rename(distro: Distro, new_name: str, *, agent: str) -> bool:
    """Rename a distribution (``distro.edit``; mappings follow). False when unchanged."""
    new_name = _distro_name(new_name)
    locked = Distro.objects.select_for_update().get(pk=distro.pk)
    old_name = locked.name
    if new_name == old_name:
        return False
    other = find_distro(new_name)
    if other is not None and other.pk != locked.pk:
        raise DistroExists(new_name)
    locked.name = new_name
    try:
        with transaction.atomic():
            locked.save(update_fields=["name"])
    except IntegrityError:
        raise DistroExists(new_name) from None
    emit(topics.distro_edit(old_name, new_name, agent))
    distro.name = new_name
    return True


@transaction.atomic
def distro_delete(distro: Distro, *, agent: str) -> int:
    """Delete a distribution and its mappings (``distro.remove``); return how many mappings."""
    locked = Distro.objects.select_for_update().get(pk=distro.pk)
    mappings = locked.packages.count()
    message = topics.distro_remove(locked, agent)
    locked.delete()
    emit(message)
    return mappings


# -- mappings ---------------------------------------------------------------------------------


@transaction.atomic
def package_map(
    project: Project,
    *,
    distro: str,
    package_name: str,
    agent: str,
    previous: Package | None = None,
    create_distro: bool = True,
) -> Package:
    """Map ``project`` to ``package_name`` in ``distro``, or change the mapping ``previous``.

    The distro is found ignoring case; with ``create_distro`` (the website) a new one is
    created and announced, else :class:`DistroNotFound` (API v2). A package name maps to one
    project per distro: :class:`MappingClash` names the owner. Unlike Anitya (pitfall 16)
    saving an unchanged mapping is not an error; it changes nothing and sends nothing.
    Sends ``project.map.new`` or ``project.map.update``.
    """
    locked = Project.objects.select_for_update().get(pk=project.pk)
    if locked.archived:
        raise ProjectArchived(locked)
    errors = {}
    distro_name = _text(distro)
    name = _text(package_name)
    if not distro_name:
        errors["distro"] = "This field is required."
    if not name:
        errors["package_name"] = "This field is required."
    elif len(name) > TEXT_MAX_LENGTH:
        errors["package_name"] = f"At most {TEXT_MAX_LENGTH} characters are allowed."
    if errors:
        raise InvalidInput(errors)
    target = find_distro(distro_name)
    if target is None:
        if not create_distro:
            raise DistroNotFound(distro_name)
        target = distro_create(distro_name, agent=agent)
    clash = (
        Package.objects.select_related("project")
        .filter(distro=target, package_name=name)
        .exclude(pk=previous.pk if previous else None)
        .first()
    )
    if clash is not None:
        raise MappingClash(clash.project, target.name, name)
    if previous is not None:
        package = Package.objects.select_for_update().select_related("distro").get(pk=previous.pk)
        edited = []
        if package.distro_id != target.pk:
            edited.append("distribution")
        if package.package_name != name:
            edited.append("package_name")
        if not edited:
            return package
        prev = package.package_name
        package.distro, package.package_name = target, name
        package.save(update_fields=["distro", "package_name"])
        emit(topics.map_update(package, agent, prev, edited))
        return package
    try:
        with transaction.atomic():
            package = Package.objects.create(project=locked, distro=target, package_name=name)
    except IntegrityError:
        owner = Package.objects.get(distro=target, package_name=name).project
        raise MappingClash(owner, target.name, name) from None
    emit(topics.map_new(package, agent))
    return package


@transaction.atomic
def package_unmap(package: Package, *, agent: str) -> None:
    """Delete a mapping (``project.map.remove``)."""
    locked = (
        Package.objects.select_for_update().select_related("project", "distro").get(pk=package.pk)
    )
    message = topics.map_remove(locked, agent)
    locked.delete()
    emit(message)


# -- flags ------------------------------------------------------------------------------------


@transaction.atomic
def flag_create(project: Project, *, author: Any, reason: str) -> Flag:
    """A user reports a problem with a project (``project.flag``, agent = their username).

    Archived projects can be flagged: it is how users ask for one to be unarchived.
    """
    text = (reason or "").strip()
    if not text:
        raise InvalidInput({"reason": "This field is required."})
    flag = Flag.objects.create(project=project, author=author, reason=text)
    emit(topics.project_flag(flag, author.username))
    return flag


@transaction.atomic
def flag_set_state(flag: Flag, state: str, *, agent: str) -> bool:
    """Close or reopen a flag (``project.flag.set``); False when it already was in ``state``."""
    if state not in Flag.State.values:
        raise InvalidInput({"state": f'"{state}" is not a flag state (open or closed).'})
    locked = Flag.objects.select_for_update().get(pk=flag.pk)
    if locked.state == state:
        return False
    locked.state = state
    locked.updated_on = timezone.now()
    locked.save(update_fields=["state", "updated_on"])
    emit(topics.flag_set(locked, agent))
    flag.state, flag.updated_on = locked.state, locked.updated_on
    return True
