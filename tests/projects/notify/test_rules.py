"""The rules of a watch: which of an event's new versions it is told about."""

import logging

import pytest

from backends import regexes
from backends.regexes import RegexTooLarge, searching
from projects.notify.models import ChangeLevel, Watch
from projects.notify.rules import EventVersions, allowed_versions
from tests.factories import ProjectFactory, ProjectVersionFactory

pytestmark = pytest.mark.django_db


def project_with(*stored: str, **fields):
    """A project whose stored versions are ``stored`` (raw strings)."""
    project = ProjectFactory(**fields)
    for raw in stored:
        ProjectVersionFactory(project=project, version=raw)
    return project


def allowed(project, new, old, **rules_):
    watch = Watch(project=project, **rules_)  # unsaved: the rules need no user
    return allowed_versions(watch, project, new, old)


# -- stable only ---------------------------------------------------------------------------


def test_stable_only_by_default_leaves_out_the_schemes_pre_releases():
    project = project_with("1.0", "1.1rc1", "1.1")
    assert allowed(project, ["1.1rc1", "1.1"], "1.0") == ["1.1"]


def test_stable_only_off_tells_pre_releases_too():
    project = project_with("1.0", "1.1rc1", "1.1")
    assert allowed(project, ["1.1rc1", "1.1"], "1.0", stable_only=False) == ["1.1rc1", "1.1"]


def test_the_projects_pre_release_filter_counts():
    project = project_with("1.0", "1.1-nightly", pre_release_filter="nightly")
    assert allowed(project, ["1.1-nightly"], "1.0") == []
    assert allowed(project, ["1.1-nightly"], "1.0", stable_only=False) == ["1.1-nightly"]


def test_the_pre_release_filter_reads_the_stored_raw_string_with_its_prefix():
    # The event carries "2.0" (prefix stripped); the filter names the raw tag's prefix.
    project = project_with("dev-1.0", "dev-2.0", version_prefix="dev-", pre_release_filter="dev-2")
    assert allowed(project, ["2.0"], "1.0") == []


def test_the_schemes_own_pre_releases():
    project = project_with("1.0.0", "2.0.0-beta.1", version_scheme="Semantic")
    assert allowed(project, ["2.0.0-beta.1"], "1.0.0") == []
    pep = project_with("1.0", "1.1.dev3", "1.1.post1", version_scheme="Python (PEP 440)")
    assert allowed(pep, ["1.1.dev3", "1.1.post1"], "1.0") == ["1.1.post1"]


# -- the minimum change ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (ChangeLevel.ANY, ["1.2.3.1", "1.2.4", "1.3.0", "2.0.0"]),
        (ChangeLevel.PATCH, ["1.2.4", "1.3.0", "2.0.0"]),
        (ChangeLevel.MINOR, ["1.3.0", "2.0.0"]),
        (ChangeLevel.MAJOR, ["2.0.0"]),
    ],
)
def test_minimum_change_from_the_previous_version_then_from_each_new_one(level, expected):
    news = ["1.2.3.1", "1.2.4", "1.3.0", "2.0.0"]
    project = project_with("1.2.3", *news)
    assert allowed(project, news, "1.2.3", min_change=level) == expected


def test_a_step_is_measured_from_the_version_just_below_even_when_not_told():
    # 1.2.4 is only a patch, so not told; 1.3.0 is still a minor step from it.
    project = project_with("1.2.3", "1.2.4", "1.2.9", "1.3.0", "1.3.1")
    news = ["1.2.4", "1.2.9", "1.3.0", "1.3.1"]
    assert allowed(project, news, "1.2.3", min_change=ChangeLevel.MINOR) == ["1.3.0"]


def test_the_answer_does_not_depend_on_how_the_versions_arrived():
    project = project_with("1.2.3", "1.3.0", "1.3.1", "1.4.0")
    together = allowed(project, ["1.3.0", "1.3.1", "1.4.0"], "1.2.3", min_change="minor")
    apart = [
        *allowed(project, ["1.3.0"], "1.2.3", min_change="minor"),
        *allowed(project, ["1.3.1"], "1.3.0", min_change="minor"),
        *allowed(project, ["1.4.0"], "1.3.1", min_change="minor"),
    ]
    assert together == apart == ["1.3.0", "1.4.0"]


def test_a_pre_release_is_never_the_baseline():
    # The previous latest version is the candidate: the release is still a minor step.
    project = project_with("1.2.5", "1.3.0rc1", "1.3.0")
    assert allowed(project, ["1.3.0"], "1.3.0rc1", min_change="minor") == ["1.3.0"]
    both = allowed(project, ["1.3.0rc1", "1.3.0"], "1.2.5", min_change="minor", stable_only=False)
    assert both == ["1.3.0rc1", "1.3.0"]


def test_a_backport_is_measured_from_its_own_series():
    project = project_with("1.1.8", "1.2.5", "1.1.9")
    assert allowed(project, ["1.1.9"], "1.2.5", min_change="patch") == ["1.1.9"]
    assert allowed(project, ["1.1.9"], "1.2.5", min_change="minor") == []


def test_a_first_release_is_a_major_change():
    project = project_with("0.1.0")
    assert allowed(project, ["0.1.0"], None, min_change="major") == ["0.1.0"]
    assert allowed(project, ["0.1.0"], "", min_change="major") == ["0.1.0"]


def test_the_previous_version_counts_when_it_is_not_stored_any_more():
    project = project_with("1.3.0")
    assert allowed(project, ["1.3.0"], "1.2.9", min_change="minor") == ["1.3.0"]
    assert allowed(project, ["1.3.0"], "1.3.0b1", min_change="minor") == ["1.3.0"]


def test_versions_the_version_filter_hides_are_no_baseline():
    project = project_with("1.2.0", "1.3.0-internal", "1.3.1", version_filter="internal")
    assert allowed(project, ["1.3.1"], "1.2.0", min_change="minor") == ["1.3.1"]


def test_change_levels_follow_the_projects_scheme():
    calendar = project_with(
        "2024.05.1",
        "2024.05.2",
        "2024.06.0",
        version_scheme="Calendar",
        version_pattern="YYYY.0M.MICRO",
    )
    news = ["2024.05.2", "2024.06.0"]
    assert allowed(calendar, news, "2024.05.1", min_change="minor") == ["2024.06.0"]
    assert allowed(calendar, news, "2024.05.1", min_change="major") == []
    pep = project_with("1.0", "1!0.1", version_scheme="Python (PEP 440)")
    assert allowed(pep, ["1!0.1"], "1.0", min_change="major") == ["1!0.1"]


# -- patterns -----------------------------------------------------------------------------


def test_include_pattern_keeps_only_what_it_finds():
    project = project_with("1.9", "2.0", "2.1", "3.0")
    assert allowed(project, ["2.0", "2.1", "3.0"], "1.9", include_pattern=r"^2\.") == ["2.0", "2.1"]


def test_exclude_pattern_drops_what_it_finds():
    project = project_with("1.9", "2.0", "2.1", "3.0")
    assert allowed(project, ["2.0", "2.1", "3.0"], "1.9", exclude_pattern=r"\.0$") == ["2.1"]


def test_include_and_exclude_together():
    project = project_with("1.9", "2.0", "2.1", "3.0")
    result = allowed(
        project, ["2.0", "2.1", "3.0"], "1.9", include_pattern="^2", exclude_pattern="1$"
    )
    assert result == ["2.0"]


def test_patterns_read_the_version_as_users_see_it():
    project = project_with("release-1.0", "release-2.0", version_prefix="release-")
    assert allowed(project, ["2.0"], "1.0", include_pattern="^2") == ["2.0"]
    assert allowed(project, ["2.0"], "1.0", exclude_pattern="release") == ["2.0"]


@pytest.mark.parametrize(
    "failure",
    [TimeoutError(), RegexTooLarge("The repeat {1000} would make it too large."), MemoryError()],
)
def test_a_pattern_that_fails_at_match_time_excludes_nothing_and_logs_one_line(
    failure, monkeypatch, caplog
):
    def fail(pattern):
        raise failure

    monkeypatch.setattr(searching, "compile_within_budget", fail)
    project = project_with("1.0", "1.1", "1.2")
    with caplog.at_level(logging.WARNING, logger="projects.notify.rules"):
        assert allowed(project, ["1.1", "1.2"], "1.0", include_pattern="x") == ["1.1", "1.2"]
        assert allowed(project, ["1.1", "1.2"], "1.0", exclude_pattern="1") == ["1.1", "1.2"]
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 4  # one per pattern and version
    assert all("\n" not in line and "excludes nothing" in line for line in lines)


def test_a_real_slow_pattern_is_stopped_by_the_time_limit(settings, caplog):
    settings.REGEX_TIMEOUT = 0.05
    project = project_with("1.0", "1" * 40)
    with caplog.at_level(logging.WARNING, logger="projects.notify.rules"):
        result = allowed(project, ["1" * 40], "1.0", exclude_pattern="(1|11)+2")
    assert result == ["1" * 40]
    assert "took too long" in caplog.text


def test_a_pattern_runs_once_per_version_for_any_number_of_watches(monkeypatch):
    calls = []
    real = regexes.search

    def counting(pattern, text):
        calls.append((pattern, text))
        return real(pattern, text)

    monkeypatch.setattr(regexes, "search", counting)
    project = project_with("1.0", "1.1")
    event = EventVersions(project, ["1.1"], "1.0")
    for _ in range(50):
        assert event.allowed_for(Watch(project=project, include_pattern="1")) == ["1.1"]
    assert calls == [("1", "1.1")]


# -- everything together -----------------------------------------------------------------------


def test_every_rule_together():
    news = ["1.2.4", "1.3.0rc1", "1.3.0", "1.3.1", "1.4.0", "2.0.0-beta", "2.0.0"]
    project = project_with("1.2.3", *news)
    result = allowed(
        project,
        news,
        "1.2.3",
        min_change="minor",
        include_pattern=r"^1\.",
        exclude_pattern=r"^1\.4",
    )
    assert result == ["1.3.0"]
    everything = allowed(project, news, "1.2.3", stable_only=False, min_change="any")
    assert everything == news


def test_repeated_and_empty_versions_are_told_once():
    project = project_with("1.0", "1.1")
    assert allowed(project, ["1.1", "", "1.1"], "1.0") == ["1.1"]
