"""Projects, their versions, distros and package mappings, flags; and (in
:mod:`~projects.models.checks`) the checker's runs, tallies and rate-limit blocks.

Field names and meanings follow Anitya's data model (contract §1) so that the JSON we build
from them is Anitya's; see design.md §4 for the deliberate differences.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.functional import cached_property

from backends import ecosystems, registry, versions
from backends.base import ProjectSpec
from backends.versions import Version

VERSION_MAX_LENGTH = 50


def epoch(moment: dt.datetime | None) -> float | None:
    """A datetime as Anitya's whole-second float, but a true UTC epoch (design.md §4)."""
    if moment is None:
        return None
    return float(int(moment.timestamp()))


def validate_backend(value: str) -> None:
    if value not in registry.BACKENDS:
        raise ValidationError(f'No backend was found for "{value}"', code="unknown_backend")


def validate_version_scheme(value: str) -> None:
    try:
        versions.canonical_scheme_name(value)
    except versions.UnknownVersionScheme as error:
        raise ValidationError(str(error), code="unknown_version_scheme") from None


class Project(models.Model):
    """An upstream piece of software and how to find its versions."""

    name = models.CharField(max_length=200)
    homepage = models.URLField(max_length=200)
    backend = models.CharField(max_length=200, default="custom", validators=[validate_backend])
    ecosystem_name = models.CharField(max_length=200, editable=False)
    version_url = models.CharField(max_length=200, null=True, blank=True)
    regex = models.CharField(max_length=200, null=True, blank=True)
    version_prefix = models.CharField(max_length=200, null=True, blank=True)
    version_pattern = models.CharField(max_length=200, null=True, blank=True)
    version_scheme = models.CharField(
        max_length=50, null=True, blank=True, validators=[validate_version_scheme]
    )
    pre_release_filter = models.CharField(max_length=200, null=True, blank=True)
    version_filter = models.CharField(max_length=200, null=True, blank=True)
    insecure = models.BooleanField(default=False)
    releases_only = models.BooleanField(default=False)
    archived = models.BooleanField(default=False)

    latest_version = models.CharField(max_length=VERSION_MAX_LENGTH, null=True, blank=True)
    # The digest of what latest_version was worked out from (backends/latest_basis.py), written
    # by the checks; any other writer leaves it stale, which only costs the next check the work.
    latest_basis = models.CharField(max_length=32, blank=True, default="", editable=False)
    logs = models.TextField(null=True, blank=True)
    check_successful = models.BooleanField(null=True, default=None)
    error_counter = models.IntegerField(default=0)
    last_check = models.DateTimeField(null=True, blank=True)
    next_check = models.DateTimeField(default=timezone.now)
    # Why next_check is what it is, for the project page ("Checked every hour", ...).
    next_check_reason = models.CharField(max_length=200, blank=True, default="")
    # Validators of the last successful check, sent back as a conditional request.
    etag = models.CharField(max_length=512, blank=True, default="")
    last_modified = models.CharField(max_length=64, blank=True, default="")
    # Credentials typed into a URL field (https://user:password@host/), split off when saved
    # (projects.services): origin ("https://host[:port]") -> {"username": .., "password": ..}.
    # Never shown (pages, APIs, feeds, messages, admin); a check sends them to that origin only.
    url_credentials = models.JSONField(null=True, blank=True, default=None, editable=False)

    created_on = models.DateTimeField(default=timezone.now)
    updated_on = models.DateTimeField(default=timezone.now)

    #: The stored version strings, when a batch of checks read them for all its projects in
    #: one query (``projects.scheduler.cycle.load_claimed``); :meth:`to_spec` reads them then.
    preloaded_versions: tuple[str, ...] | None = None
    preloaded_withdrawn: tuple[str, ...] = ()

    class Meta:
        ordering = [Lower("name")]
        constraints = [
            models.UniqueConstraint(fields=["name", "homepage"], name="unique_project_homepage"),
            models.UniqueConstraint(
                fields=["name", "ecosystem_name"], name="UNIQ_PROJECT_NAME_PER_ECOSYSTEM"
            ),
        ]
        indexes = [
            # The claim's own order: a batch is the index's first rows, never a sort (#18).
            models.Index(
                fields=["next_check", "id"], condition=Q(archived=False), name="project_due_idx"
            ),
            models.Index(fields=["check_successful", "last_check"], name="project_status_idx"),
            models.Index(fields=["error_counter"], name="project_error_counter_idx"),
            models.Index(Lower("name"), name="project_lower_name_idx"),
            models.Index(fields=["created_on"], name="project_created_on_idx"),
            models.Index(fields=["ecosystem_name"], name="project_ecosystem_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Contract §1.9: the ecosystem follows the backend (index backends) or the homepage.
        self.ecosystem_name = ecosystems.derive_ecosystem_name(self.backend, self.homepage)
        update_fields: Iterable[str] | None = kwargs.get("update_fields")
        if update_fields is not None and {"backend", "homepage"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "ecosystem_name"}
        super().save(*args, **kwargs)

    def take_saved_state(self, saved: Project) -> None:
        """Become the row a writer just saved (``saved``, usually the locked copy), so the
        caller's instance shows the change without reading it again."""
        if saved is self:
            return
        for field in Project._meta.concrete_fields:
            setattr(self, field.attname, getattr(saved, field.attname))
        self.__dict__.pop("sorted_versions", None)
        self.preloaded_versions = None
        self.preloaded_withdrawn = ()
        if hasattr(self, "_prefetched_objects_cache"):
            self._prefetched_objects_cache.clear()

    # -- versions, as Anitya computes them ------------------------------------------------

    @property
    def version_scheme_name(self) -> str:
        """The scheme that orders this project's versions (project, ecosystem, backend, RPM)."""
        return registry.resolve_scheme_name(self.version_scheme, self.ecosystem_name, self.backend)

    def make_version(self, raw: str) -> Version:
        return versions.make_version(
            raw,
            scheme=self.version_scheme_name,
            version_prefix=self.version_prefix,
            pre_release_filter=self.pre_release_filter,
            version_pattern=self.version_pattern,
        )

    def is_version_filtered(self, raw: str) -> bool:
        return versions.is_filtered(raw, self.version_filter, self.version_prefix)

    @cached_property
    def sorted_versions(self) -> list[tuple[ProjectVersion, Version]]:
        """Stored versions with their parsed form, newest first, filtered ones included."""
        if self.pk is None:  # an unsaved (temporary or previewed) project has none
            return []
        rows = {}
        for stored in self.versions.all():
            version = self.make_version(stored.version)
            rows[id(version)] = (stored, version)
        # The pipeline's order, ties included, so the stored latest version matches a preview's.
        ordered = versions.sort_versions(version for _, version in rows.values())
        return [rows[id(version)] for version in reversed(ordered)]

    @property
    def visible_versions(self) -> list[tuple[ProjectVersion, Version]]:
        """Newest first, without the versions the project's version filter hides."""
        return [
            pair for pair in self.sorted_versions if not self.is_version_filtered(pair[0].version)
        ]

    @property
    def latest_stored_version(self) -> str | None:
        """The newest version shown and not withdrawn: what checks, deletions of versions and
        edits of how versions are read store as ``latest_version``."""
        return next(
            (version.parsed for row, version in self.visible_versions if row.withdrawn_on is None),
            None,
        )

    @property
    def version_strings(self) -> list[str]:
        return [version.parsed for _, version in self.visible_versions]

    @property
    def stable_version_strings(self) -> list[str]:
        return [
            version.parsed for _, version in self.visible_versions if not version.is_prerelease()
        ]

    def to_spec(self) -> ProjectSpec:
        """The frozen view of this project that backends and the check pipeline read."""
        stored, withdrawn = self._stored_version_strings()
        return ProjectSpec(
            name=self.name,
            homepage=self.homepage,
            backend=self.backend,
            version_url=self.version_url,
            regex=self.regex,
            version_prefix=self.version_prefix,
            version_scheme=self.version_scheme,
            version_pattern=self.version_pattern,
            pre_release_filter=self.pre_release_filter,
            version_filter=self.version_filter,
            insecure=self.insecure,
            releases_only=self.releases_only,
            ecosystem_name=self.ecosystem_name,
            etag=self.etag or None,
            last_modified=self.last_modified or None,
            stored_versions=stored,
            withdrawn_versions=withdrawn,
            latest_version=self.latest_version,
            latest_basis=self.latest_basis,
            credentials=self.spec_credentials,
        )

    def _stored_version_strings(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The stored raw versions, and those of them marked withdrawn."""
        if self.preloaded_versions is not None:
            return self.preloaded_versions, self.preloaded_withdrawn
        rows = list(self.versions.all()) if self.pk else []
        return (
            tuple(row.version for row in rows),
            tuple(row.version for row in rows if row.withdrawn_on is not None),
        )

    @property
    def spec_credentials(self) -> dict[str, tuple[str, str]]:
        """The stored credentials as the check uses them: origin -> (username, password)."""
        return {
            origin: (str(value.get("username") or ""), str(value.get("password") or ""))
            for origin, value in (self.url_credentials or {}).items()
            if isinstance(value, dict)
        }

    @property
    def credential_origins(self) -> list[str]:
        """Where credentials are stored for (never what they are): for the forms."""
        return sorted(self.url_credentials or {})

    def as_json(self, *, detailed: bool = False) -> dict[str, Any]:
        """Anitya's Project JSON (contract §1.3), keys sorted as Flask's jsonify sorts them."""
        data: dict[str, Any] = {
            "backend": self.backend,
            "created_on": epoch(self.created_on),
            "ecosystem": self.ecosystem_name,
            "homepage": self.homepage,
            "id": self.pk,
            "name": self.name,
            "regex": self.regex,
            "stable_versions": self.stable_version_strings,
            "updated_on": epoch(self.updated_on),
            "version": self.latest_version,
            "version_url": self.version_url,
            "versions": self.version_strings,
        }
        if detailed:
            data["packages"] = [package.as_json() for package in self.sorted_packages]
        return dict(sorted(data.items()))

    @property
    def sorted_packages(self) -> list[Package]:
        return sorted(self.packages.all(), key=lambda p: (p.distro.name.lower(), p.package_name))


class ProjectVersion(models.Model):
    """One version as the upstream spells it (prefix not removed)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(max_length=VERSION_MAX_LENGTH)
    created_on = models.DateTimeField(default=timezone.now, help_text="When it was retrieved.")
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="When the upstream published it, where it says."
    )
    commit_url = models.URLField(max_length=500, null=True, blank=True)
    withdrawn_on = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a check found it gone upstream (deleted, yanked).",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="unique_project_version")
        ]
        indexes = [models.Index(fields=["created_on"], name="version_created_on_idx")]

    def __str__(self) -> str:
        return self.version


class Distro(models.Model):
    """A distribution whose packages are mapped to projects. Names are unique ignoring case."""

    name = models.CharField(max_length=200)

    class Meta:
        ordering = [Lower("name")]
        constraints = [models.UniqueConstraint(Lower("name"), name="unique_distro_name_ci")]

    def __str__(self) -> str:
        return self.name


class Package(models.Model):
    """A mapping: in ``distro``, the package ``package_name`` packages ``project``."""

    distro = models.ForeignKey(Distro, on_delete=models.CASCADE, related_name="packages")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="packages")
    package_name = models.CharField(max_length=200)

    class Meta:
        ordering = ["package_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["distro", "package_name"], name="unique_package_per_distro"
            )
        ]

    def __str__(self) -> str:
        return f"{self.package_name} ({self.distro})"

    def as_json(self) -> dict[str, str]:
        return {"distro": self.distro.name, "package_name": self.package_name}


class Catalogue(models.Model):
    """One row whose ``generation`` moves whenever what the project lists hold or how they are
    ordered may have changed: a project added or deleted, a change of its name, ecosystem,
    homepage, backend, regex, version URL or archived flag; a mapping or a distro added,
    changed or deleted. Database triggers (migration 0005) move it, so every writer counts,
    the admin and raw SQL included, and never a check, which only moves ``updated_on`` and
    ``latest_version``.

    Caches of list membership (which ids are on page N, how many there are) stay valid while
    it does not move (``projects/catalogue.py``). On PostgreSQL the trigger runs at commit, once
    per transaction, so a reader that sees generation N sees every change counted up to N.
    """

    generation = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"catalogue generation {self.generation}"


# The audit log, flags; the checker's own records: its runs, its tallies, upstreams' rate limits.
from projects.models.audit import AuditEntry  # noqa: E402
from projects.models.checks import CheckRun, CheckTally, RateLimitBlock  # noqa: E402
from projects.models.counters import HitCounter  # noqa: E402
from projects.models.flags import Flag  # noqa: E402
from projects.models.github import GitHubPoolEntry  # noqa: E402
from projects.models.streams import ReleaseStream  # noqa: E402

__all__ = [
    "VERSION_MAX_LENGTH",
    "AuditEntry",
    "Catalogue",
    "CheckRun",
    "CheckTally",
    "Distro",
    "Flag",
    "GitHubPoolEntry",
    "HitCounter",
    "Package",
    "Project",
    "ProjectVersion",
    "RateLimitBlock",
    "ReleaseStream",
    "epoch",
    "validate_backend",
    "validate_version_scheme",
]
