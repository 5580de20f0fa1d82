"""preview(spec): fetch -> parse -> filter -> order. Pure: no database, no Django models.

The check, the website's Test check, the API's dry run and the validation of a new project all
call :func:`preview`; a full check then hands the result to ``projects.check.record``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
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

    parse = _Parser(spec, scheme)
    offered = [release for release in releases if not release.withdrawn]
    found, skipped = _usable_versions(spec, parse, offered)
    # The stored versions are parsed when something needs them, each once (parse keeps them):
    # an unchanged check whose digest still matches needs none of them.
    stored = _ParsedStored(spec.stored_versions, parse)
    new = _new_versions(found, stored)
    client.budget.check_new_versions(len(new))
    complete = (
        backend.lists_every_version
        and not not_modified
        and not isinstance(releases, PartialListing)
    )
    listed = _parsed_set(parse, offered)
    yanked = _parsed_set(parse, [release for release in releases if release.withdrawn])
    changes = withdrawal_changes(
        stored, spec.withdrawn_versions, listed, complete=complete, yanked=yanked
    )
    # The stored versions stay as they are only without new versions or withdrawals.
    unchanged = not (new or changes)
    if (
        unchanged
        and spec.latest_basis
        and spec.latest_basis == latest_basis(spec, scheme, spec.latest_version)
    ):
        latest, basis = spec.latest_version, spec.latest_basis
    else:
        withdrawn = (set(spec.withdrawn_versions) - set(changes.restore)) | set(changes.withdraw)
        latest = _latest(spec, parse, new, withdrawn)
        basis = latest_basis(spec, scheme, latest) if unchanged else ""
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
        latest_basis=basis,
    )


class _Parser:
    """The project's versions parsed under its settings, each raw string once per check: the
    upstream's list is read for what is found and for what is listed, the stored versions
    for what is new, withdrawn and latest."""

    def __init__(self, spec: ProjectSpec, scheme: str) -> None:
        self._spec, self._scheme = spec, scheme
        self._parsed: dict[str, versions.Version] = {}

    def __call__(self, raw: str) -> versions.Version:
        version = self._parsed.get(raw)
        if version is None:
            version = self._parsed[raw] = versions.make_version(
                raw,
                scheme=self._scheme,
                version_prefix=self._spec.version_prefix,
                pre_release_filter=self._spec.pre_release_filter,
                version_pattern=self._spec.version_pattern,
            )
        return version


class _ParsedStored(Mapping[str, str]):
    """The stored versions, raw -> parsed, each parsed when first looked up."""

    def __init__(self, raws: tuple[str, ...], parse: _Parser) -> None:
        self.raws, self.parse = raws, parse
        self.raw_set = frozenset(raws)

    def __getitem__(self, raw: str) -> str:
        if raw not in self.raw_set:
            raise KeyError(raw)
        return self.parse(raw).parsed

    def __iter__(self) -> Iterator[str]:
        return iter(self.raws)

    def __len__(self) -> int:
        return len(self.raws)


def _new_versions(
    found: tuple[FoundVersion, ...], stored: _ParsedStored
) -> tuple[FoundVersion, ...]:
    """The found versions not stored yet. A raw string stored as it is reads the same, so
    only a list with some other string needs the stored versions parsed."""
    if all(version.raw in stored.raw_set for version in found):
        return ()
    known = set(stored.values())
    return tuple(version for version in found if version.parsed not in known)


def _parsed_set(parse: _Parser, releases: list[Release]) -> frozenset[str]:
    return frozenset(
        parse(raw).parsed
        for release in releases
        if (raw := release.version.strip()) and len(raw) < MAX_VERSION_LENGTH
    )


def _usable_versions(
    spec: ProjectSpec, parse: _Parser, releases: list[Release]
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
        version = parse(raw)
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
    spec: ProjectSpec, parse: _Parser, new: tuple[FoundVersion, ...], withdrawn: set[str]
) -> str | None:
    """The newest visible version among the stored (the ``withdrawn`` ones left out) and the
    new ones (pre-releases count)."""
    candidates = [
        parse(raw)
        for raw in spec.stored_versions
        if raw not in withdrawn
        and not versions.is_filtered(raw, spec.version_filter, spec.version_prefix)
    ]
    candidates += [parse(found.raw) for found in new]
    ordered = versions.sort_versions(candidates)
    return ordered[-1].parsed if ordered else None
