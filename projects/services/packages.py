"""Mappings: which package, in which distribution, packages a project (``project.map.*``)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from messaging.outbox import emit
from projects import messages
from projects.models import Package, Project
from projects.services import history
from projects.services.distros import distro_create, find_distro
from projects.services.errors import DistroNotFound, InvalidInput, MappingClash, ProjectArchived
from projects.services.fields import TEXT_MAX_LENGTH, optional_text


def _mapping_names(distro: str, package_name: str) -> tuple[str, str]:
    """The distro and package names, stripped; :class:`InvalidInput` names each bad one."""
    errors = {}
    distro_name = optional_text(distro)
    name = optional_text(package_name)
    if not distro_name:
        errors["distro"] = "This field is required."
    if not name:
        errors["package_name"] = "This field is required."
    elif len(name) > TEXT_MAX_LENGTH:
        errors["package_name"] = f"At most {TEXT_MAX_LENGTH} characters are allowed."
    if distro_name and name and not errors:
        return distro_name, name
    raise InvalidInput(errors)


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
    distro_name, name = _mapping_names(distro, package_name)
    target = find_distro(distro_name)
    if target is None:
        if not create_distro:
            raise DistroNotFound(distro_name)
        target = distro_create(distro_name, agent=agent)
    clashes = Package.objects.select_related("project").filter(distro=target, package_name=name)
    if previous is not None:
        clashes = clashes.exclude(pk=previous.pk)
    clash = clashes.first()
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
        prev, prev_distro = package.package_name, package.distro.name
        package.distro, package.package_name = target, name
        package.save(update_fields=["distro", "package_name"])
        history.mapping_edited(package, agent, distro=prev_distro, package_name=prev)
        emit(messages.map_update(package, agent, prev, edited))
        return package
    try:
        with transaction.atomic():
            package = Package.objects.create(project=locked, distro=target, package_name=name)
    except IntegrityError:
        owner = Package.objects.get(distro=target, package_name=name).project
        raise MappingClash(owner, target.name, name) from None
    history.mapping_added(package, agent)
    emit(messages.map_new(package, agent))
    return package


@transaction.atomic
def package_unmap(package: Package, *, agent: str) -> None:
    """Delete a mapping (``project.map.remove``)."""
    locked = (
        Package.objects.select_for_update().select_related("project", "distro").get(pk=package.pk)
    )
    message = messages.map_remove(locked, agent)
    history.mapping_removed(locked, agent)
    locked.delete()
    emit(message)
