"""The errors services raise: ``str()`` of each is the reason, worded for the user (a form
error, an API error body). Nothing is written when one is raised."""

from __future__ import annotations

from collections.abc import Mapping

from projects.models import Project


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
