"""Which of an event's new versions a watch is told about: its rules, applied.

A watch's rules, in order (a version must pass all of them):

1. **Stable only** (when ``stable_only``): no version the project calls a pre-release, by its
   scheme and its pre-release filter (``Project.make_version(raw).is_prerelease()``, read from
   the stored raw string, so a filter entry that names the prefix still counts).
2. **Minimum change** (``min_change``): the version must be at least that big a step
   (:func:`backends.versions.change_level`) from its *baseline*: the newest stable version
   known below it. Known are the project's stored versions (those its version filter does not
   hide), the event's previous version and the event's new versions. A pre-release never
   serves as a baseline, so `1.3.0rc1` and `1.3.0` are both minor steps from `1.2.5`, and a
   watch of minor releases hears of `1.3.0` whether or not it heard of the candidate; a
   backport `1.1.9` is measured from `1.1.8`, not from the newest `1.2.5`. The baseline does
   not depend on the watch, so the result is the same whether two versions arrived in one
   check or in two. A version with no stable version below it (a first release) is major.
3. **Include pattern**: only versions it finds (a search anywhere in the version as users
   read it, e.g. ``^2\\.``); **exclude pattern**: never versions it finds. Patterns were
   validated when entered (the project regexes' safety rules) and run here with the same
   compile budget, match-memory bound and CPU time limit. A pattern that fails at match time
   (over a budget, too slow, rejected by a newer regex module) excludes nothing: the version
   stays, and one line is logged.
4. **Stream** (when ``stream`` is set, a project watch): only versions of the project's
   release stream of that name, compared ignoring case. A version's stream is the one the
   event recorded (its body's ``streams``), else the one it is in now
   (:func:`projects.selectors.streams.project_streams`, read once per event and only when a
   watch follows a stream).

:class:`EventVersions` reads an event's versions once (parsing, stability, baselines), so a
fan-out applies the rules of thousands of watches to one event without parsing anything
again; pattern results are kept per (pattern, version) for the same reason.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from backends import regexes
from backends.regexes import PatternFailed
from backends.versions import Change, Version, change_level, sort_versions
from projects.models import Project
from projects.notify.models import ChangeLevel, Watch
from projects.selectors.streams import project_streams, stream_names

logger = logging.getLogger(__name__)

#: The smallest change each ``Watch.min_change`` lets through.
MINIMUM: dict[str, Change] = {
    ChangeLevel.ANY: Change.SMALLER,
    ChangeLevel.PATCH: Change.PATCH,
    ChangeLevel.MINOR: Change.MINOR,
    ChangeLevel.MAJOR: Change.MAJOR,
}


@dataclass(frozen=True)
class NewVersion:
    """One new version of an event, read once."""

    text: str
    version: Version
    stable: bool
    change: Change


class EventVersions:
    """The new versions of one event for ``project``, ready for any number of watches."""

    def __init__(
        self,
        project: Project,
        new_versions: Sequence[str],
        old_version: str | None,
        streams: Mapping[str, str | None] | None = None,
    ):
        self.project = project
        self._recorded = {text: name for text, name in (streams or {}).items() if name}
        self._now: dict[str, str] | None = None
        stored = _stored_by_parsed(project)

        def read(text: str) -> Version:
            # The stored row's raw string when there is one: the pre-release filter reads it.
            found = stored.get(text)
            return found if found is not None else project.make_version(text)

        unique = dict.fromkeys(text for text in new_versions if text)
        news = {text: read(text) for text in unique}
        known = [*stored.values(), *news.values()]
        if old_version:
            known.append(read(old_version))
        baselines = sort_versions(version for version in known if not version.is_prerelease())
        text_of = {id(version): text for text, version in news.items()}
        self.versions: list[NewVersion] = []
        for version in sort_versions(news.values()):
            below = bisect.bisect_left(baselines, version)
            change = change_level(baselines[below - 1], version) if below else Change.MAJOR
            self.versions.append(
                NewVersion(text_of[id(version)], version, not version.is_prerelease(), change)
            )
        self._found: dict[tuple[str, str], bool | None] = {}

    def allowed_for(self, watch: Watch) -> list[str]:
        """The new versions ``watch`` is told about, oldest first."""
        minimum = MINIMUM.get(watch.min_change, Change.SMALLER)
        return [
            new.text
            for new in self.versions
            if (new.stable or not watch.stable_only)
            and new.change >= minimum
            and self._passes_patterns(watch, new.text)
            and self._in_stream(watch, new.text)
        ]

    def _in_stream(self, watch: Watch, text: str) -> bool:
        if not watch.stream:
            return True
        name = self._recorded.get(text)
        if name is None:
            if self._now is None:
                self._now = stream_names(project_streams(self.project))
            name = self._now.get(text)
        return name is not None and name.lower() == watch.stream.lower()

    def _passes_patterns(self, watch: Watch, text: str) -> bool:
        # A pattern that failed (None) excludes nothing.
        include, exclude = watch.include_pattern, watch.exclude_pattern
        if include and self._finds(watch, "include", include, text) is False:
            return False
        return not (exclude and self._finds(watch, "exclude", exclude, text))

    def _finds(self, watch: Watch, which: str, pattern: str, text: str) -> bool | None:
        """Whether ``pattern`` finds something in ``text``; None when it failed (logged)."""
        key = (pattern, text)
        if key not in self._found:
            try:
                self._found[key] = regexes.search(pattern, text)
            except PatternFailed as error:
                logger.warning(
                    "The %s pattern %r of watch %s failed on version %r and excludes nothing: %s",
                    which,
                    pattern,
                    watch.pk,
                    text,
                    error,
                )
                self._found[key] = None
        return self._found[key]


def _stored_by_parsed(project: Project) -> dict[str, Version]:
    """The project's stored versions its version filter does not hide, by parsed string."""
    stored: dict[str, Version] = {}
    for _row, version in project.visible_versions:  # newest first: the first spelling wins
        stored.setdefault(version.parsed, version)
    return stored


def allowed_versions(
    watch: Watch, project: Project, new_versions: Sequence[str], old_version: str | None
) -> list[str]:
    """The versions of ``new_versions`` (as the event spells them) that ``watch`` is told
    about, oldest first; ``old_version`` is the project's latest version before them. See
    the module docstring for the rules."""
    return EventVersions(project, new_versions, old_version).allowed_for(watch)
