"""preview(spec): fetch -> parse -> filter -> order. Pure: no database, no Django models.

The check, the website's Test check, the API's dry run and the validation of a new project all
call :func:`preview`; a full check then hands the result to ``projects.check.record``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from backends import registry, versions
from backends.base import BackendError, NotModified, PartialListing, ProjectSpec, Release
from backends.http import HttpClient
from backends.latest_basis import latest_basis
from backends.withdrawals import WithdrawalChanges, withdrawal_changes

# Anitya's version column is 50 characters and it skips strings of 50 or more.
MAX_VERSION_LENGTH = 50


@dataclass(frozen=True)
class FoundVersion:
    """A version the upstream lists, with its parsed form under the project's scheme."""

    raw: str
    parsed: str
    prerelease: bool
    commit_url: str | None = None
    published_at: dt.datetime | None = None


@dataclass(frozen=True)
class Preview:
    """Everything a check found, before anything is stored."""

    scheme: str
    versions: tuple[FoundVersion, ...]
    """Every usable version the upstream lists, oldest first."""
    new_versions: tuple[FoundVersion, ...]
    """The versions not stored yet, oldest first."""
    latest_version: str | None
    """The parsed newest version once the new ones are stored (version filter applied)."""
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    skipped: tuple[str, ...] = ()
    """Why some upstream strings were not kept, for the logs."""
    complete: bool = False
    """The upstream's whole list was read (``lists_every_version``, not a 304, not a
    :class:`~backends.base.PartialListing`): only such a check withdraws stored versions for
    being missing."""
    listed: frozenset[str] = frozenset()
    """Every parsed version the upstream offers (filters not applied, withdrawn ones left
    out), which a complete check compares with the stored ones."""
    yanked: frozenset[str] = frozenset()
    """The parsed versions the upstream lists as withdrawn (yanked, retired, retracted): a
    stored one is marked withdrawn by any check, complete or not."""
    withdrawals: WithdrawalChanges = field(default_factory=WithdrawalChanges)
    """What a complete check withdraws or brings back, against the spec's stored versions."""
    latest_basis: str = ""
    """The digest of ``latest_version`` and what it follows from (:mod:`backends.latest_basis`)
    when the check leaves the stored versions as they are, else empty."""

    @property
    def found_versions(self) -> list[str]:
        """The new versions, parsed, newest first (the API's ``found_versions``)."""
        return [found.parsed for found in reversed(self.new_versions)]


def preview(
    spec: ProjectSpec, *, http: HttpClient | None = None, interactive: bool = False
) -> Preview:
    """Ask the project's upstream for its versions and work out what is new.

    ``interactive`` previews (a person waits for them: the site's Test check, the API's dry
    run, a new project's validation) get the shorter deadline. Raises :class:`BackendError`
    (or :class:`~backends.base.RateLimited`) when the upstream cannot be read, the check
    goes over its budget (:class:`~backends.budget.OverBudget`), or the project cannot be
    checked as configured.
    """
    try:
        backend = registry.get_backend(spec.backend)
        scheme = registry.resolve_scheme_name(
            spec.version_scheme, spec.ecosystem_name, spec.backend
        )
    except (registry.UnknownBackend, versions.UnknownVersionScheme) as error:
        raise BackendError(str(error)) from None

    client = http or HttpClient(
        insecure=spec.insecure,
        etag=spec.etag,
        last_modified=spec.last_modified,
        interactive=interactive,
        credentials=spec.credentials,
    )
    try:
        releases = backend.fetch(spec, client)
        client.budget.check_versions(len(releases))
        not_modified = False
    except NotModified:
        releases, not_modified = [], True
    finally:
        if http is None:
            client.close()

    if (
        not_modified
        and spec.latest_basis
        and spec.latest_basis == latest_basis(spec, scheme, spec.latest_version)
    ):
        # Nothing to parse: the stored latest version still follows from what it did.
        return Preview(
            scheme=scheme,
            versions=(),
            new_versions=(),
            latest_version=spec.latest_version,
            not_modified=True,
            etag=client.etag,
            last_modified=client.last_modified,
            latest_basis=spec.latest_basis,
        )
    offered = [release for release in releases if not release.withdrawn]
    found, skipped = _usable_versions(spec, scheme, offered)
    # Each stored version is parsed once, for what is new, withdrawn and latest.
    stored = {raw: _parse(spec, scheme, raw) for raw in spec.stored_versions}
    known = {version.parsed for version in stored.values()}
    new = tuple(version for version in found if version.parsed not in known)
    client.budget.check_new_versions(len(new))
    complete = (
        backend.lists_every_version
        and not not_modified
        and not isinstance(releases, PartialListing)
    )
    listed = _parsed_set(spec, scheme, offered)
    yanked = _parsed_set(spec, scheme, [release for release in releases if release.withdrawn])
    parsed = {raw: version.parsed for raw, version in stored.items()}
    changes = withdrawal_changes(
        parsed, spec.withdrawn_versions, listed, complete=complete, yanked=yanked
    )
    withdrawn = (set(spec.withdrawn_versions) - set(changes.restore)) | set(changes.withdraw)
    latest = _latest(spec, scheme, stored, new, withdrawn)
    return Preview(
        scheme=scheme,
        versions=found,
        new_versions=new,
        latest_version=latest,
        not_modified=not_modified,
        etag=client.etag,
        last_modified=client.last_modified,
        skipped=tuple(skipped),
        complete=complete,
        listed=listed,
        yanked=yanked,
        withdrawals=changes,
        # The stored versions stay as they are only without new versions or withdrawals.
        latest_basis="" if new or changes else latest_basis(spec, scheme, latest),
    )


def _parsed_set(spec: ProjectSpec, scheme: str, releases: list[Release]) -> frozenset[str]:
    return frozenset(
        _parse(spec, scheme, raw).parsed
        for release in releases
        if (raw := release.version.strip()) and len(raw) < MAX_VERSION_LENGTH
    )


def _parse(spec: ProjectSpec, scheme: str, raw: str) -> versions.Version:
    return versions.make_version(
        raw,
        scheme=scheme,
        version_prefix=spec.version_prefix,
        pre_release_filter=spec.pre_release_filter,
        version_pattern=spec.version_pattern,
    )


def _usable_versions(
    spec: ProjectSpec, scheme: str, releases: list[Release]
) -> tuple[tuple[FoundVersion, ...], list[str]]:
    """Drop empty, over-long, filtered and repeated versions; order the rest, oldest first."""
    kept: dict[str, tuple[versions.Version, Release]] = {}
    skipped: list[str] = []
    for release in releases:
        raw = release.version.strip()
        if not raw:
            continue
        if len(raw) >= MAX_VERSION_LENGTH:
            skipped.append(f"{raw[:60]!r} is too long (50 characters or more)")
            continue
        if versions.is_filtered(raw, spec.version_filter, spec.version_prefix):
            continue
        version = _parse(spec, scheme, raw)
        # Tags that become the same string once prefixes and "v" are stripped are one version.
        if version.parsed and version.parsed not in kept:
            kept[version.parsed] = (version, release)
    ordered = versions.sort_versions(version for version, _ in kept.values())
    found = tuple(
        FoundVersion(
            raw=version.raw,
            parsed=version.parsed,
            prerelease=version.is_prerelease(),
            commit_url=kept[version.parsed][1].commit_url,
            published_at=kept[version.parsed][1].published_at,
        )
        for version in ordered
    )
    return found, skipped


def _latest(
    spec: ProjectSpec,
    scheme: str,
    stored: dict[str, versions.Version],
    new: tuple[FoundVersion, ...],
    withdrawn: set[str],
) -> str | None:
    """The newest visible version among the stored (raw -> parsed, the ``withdrawn`` ones
    left out) and the new ones (pre-releases count)."""
    candidates = [
        version
        for raw, version in stored.items()
        if raw not in withdrawn
        and not versions.is_filtered(raw, spec.version_filter, spec.version_prefix)
    ]
    candidates += [_parse(spec, scheme, found.raw) for found in new]
    ordered = versions.sort_versions(candidates)
    return ordered[-1].parsed if ordered else None
