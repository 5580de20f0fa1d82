"""The preview of an edit (issue #20): the stored versions as the page would show them with
the new settings, and a fresh check with them; nothing is written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backends import registry
from backends.base import Backend, BackendError, Release
from backends.versions.edit_diff import ShownVersion, latest, latest_stable
from messaging.models import OutboxMessage
from projects import check, services
from projects.models import AuditEntry, Project, ProjectVersion
from tests.backends.versions.strategies import version_like
from tests.factories import ProjectFactory, ProjectVersionFactory

pytestmark = pytest.mark.django_db

WITHDRAWN_ON = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)


def stored_project(*raws: str, withdrawn: tuple[str, ...] = (), **fields) -> Project:
    project = ProjectFactory(**fields)
    for raw in raws:
        ProjectVersionFactory(
            project=project, version=raw, withdrawn_on=WITHDRAWN_ON if raw in withdrawn else None
        )
    return project


def page_shows(project_id: int) -> list[ShownVersion]:
    """What the project's page lists, read again from the database."""
    project = Project.objects.get(pk=project_id)
    return [
        ShownVersion(row.version, version.parsed, version.is_prerelease(), bool(row.withdrawn_on))
        for row, version in project.visible_versions
    ]


def parsed(shown) -> list[str]:
    return [version.parsed for version in shown]


# -- the comparison ---------------------------------------------------------------------------


def test_a_new_version_filter_hides_versions_and_moves_the_latest():
    project = stored_project("1.0", "1.1", "2.0-rc1", latest_version="2.0-rc1")

    preview = services.edit_preview(project, {"version_filter": "rc"})

    assert preview.changes == {"version_filter": (None, "rc")}
    assert parsed(preview.diff.hidden) == ["2.0-rc1"]
    assert preview.diff.revealed == ()
    assert preview.diff.latest_before.parsed == "2.0-rc1"
    assert preview.diff.latest_after.parsed == "1.1"
    assert preview.diff.moved == ()


def test_dropping_a_filter_reveals_versions():
    project = stored_project("1.0", "1.1-beta", "1.1", version_filter="beta")

    diff = services.edit_preview(project, {"version_filter": ""}).diff

    assert parsed(diff.revealed) == ["1.1-beta"]
    assert parsed(diff.after) == ["1.1", "1.1-beta", "1.0"]


def test_a_prefix_change_relabels_versions():
    project = stored_project("release-1.0", "release-1.2", "1.1")

    diff = services.edit_preview(project, {"version_prefix": "release-"}).diff

    assert parsed(diff.before) == ["1.1", "release-1.2", "release-1.0"]
    assert parsed(diff.after) == ["1.2", "1.1", "1.0"]
    assert [(item.before.parsed, item.after.parsed) for item in diff.relabelled] == [
        ("release-1.2", "1.2"),
        ("release-1.0", "1.0"),
    ]
    # 1.1 was listed before every release- version (numbers sort above letters); now it sits
    # between them: one move explains the new order.
    assert [(move.version.raw, move.before, move.after) for move in diff.moved] == [
        ("release-1.2", 2, 1)
    ]


def test_a_pre_release_filter_changes_the_latest_stable_version():
    project = stored_project("1.0", "1.1-hotfix")

    diff = services.edit_preview(project, {"pre_release_filter": "hotfix"}).diff

    assert diff.latest_stable_before.parsed == "1.1-hotfix"
    assert diff.latest_stable_after.parsed == "1.0"
    assert diff.latest_after.parsed == "1.1-hotfix"  # pre-releases can be the latest
    assert [item.after.prerelease for item in diff.relabelled] == [True]


def test_a_withdrawn_version_is_listed_but_never_the_latest():
    project = stored_project("1.0", "1.1", "1.2", withdrawn=("1.2",), version_filter="1.1")

    diff = services.edit_preview(project, {"version_filter": ""}).diff

    assert parsed(diff.after) == ["1.2", "1.1", "1.0"]
    assert diff.latest_before.parsed == "1.0"
    assert diff.latest_after.parsed == "1.1"


def test_a_regex_change_leaves_the_stored_versions_alone():
    project = stored_project("1.0", "1.1")

    preview = services.edit_preview(project, {"regex": r"tool-([\d.]+)\.tar"})

    assert set(preview.changes) == {"regex"}
    assert not preview.diff.changes_anything


def test_the_preview_writes_nothing():
    project = stored_project("1.0", "1.1")
    before = Project.objects.get(pk=project.pk).updated_on

    services.edit_preview(project, {"version_filter": "1.1", "version_prefix": "x"})

    fresh = Project.objects.get(pk=project.pk)
    assert (fresh.version_filter, fresh.version_prefix, fresh.updated_on) == (None, None, before)
    assert OutboxMessage.objects.count() == 0


def test_bad_fields_are_refused_as_the_edit_refuses_them():
    project = stored_project("1.0")
    with pytest.raises(services.InvalidInput) as refused:
        services.edit_preview(project, {"version_scheme": "Roman", "name": ""})
    assert set(refused.value.errors) == {"version_scheme", "name"}


def test_an_archived_project_cannot_be_previewed():
    project = stored_project("1.0", archived=True)
    with pytest.raises(services.ProjectArchived):
        services.edit_preview(project, {"version_filter": "1"})


def test_a_name_taken_is_refused():
    taken = ProjectFactory(name="taken", homepage="https://example.org/taken")
    project = stored_project("1.0", homepage=taken.homepage)
    with pytest.raises(services.ProjectExists):
        services.edit_preview(project, {"name": "taken"})


# -- exactness: what the preview shows is what the project shows once saved -------------------

_stored = st.lists(
    version_like.map(str.strip).filter(lambda raw: 0 < len(raw) < 50),
    min_size=0,
    max_size=12,
    unique=True,
)
_prefixes = st.sampled_from([None, "", "v", "release-", "v;release-", "1.", "rc"])
_filters = st.sampled_from([None, "", "rc", "beta;dev", "1.", "v", "a;b;~"])
_pre_release = st.sampled_from([None, "", "rc", "beta;alpha", "dev;pre", "v"])
_schemes = st.sampled_from([None, "RPM", "Semantic", "Python (PEP 440)", "Calendar"])
_regexes = st.sampled_from([None, r"tool-([\d.]+)\.tar", "DEFAULT"])
_patterns = st.sampled_from([None, "", "YYYY.MM", "YY.0M.MICRO", "MAJOR.MINOR.MICRO"])
_settings = st.fixed_dictionaries(
    {
        "version_prefix": _prefixes,
        "version_filter": _filters,
        "pre_release_filter": _pre_release,
        "version_scheme": _schemes,
        "version_pattern": _patterns,
        "regex": _regexes,
    }
)
_SETTING_NAMES = [
    "version_prefix",
    "version_filter",
    "pre_release_filter",
    "version_scheme",
    "version_pattern",
    "regex",
]
#: Where the project lives changes the scheme its versions are read with when it sets none
#: (an index's ecosystem: PyPI reads PEP 440, npm semantic versions).
_places = st.sampled_from(
    [
        {},
        {"backend": "PyPI", "homepage": "https://pypi.org/project/tool"},
        {"backend": "npmjs", "homepage": "https://www.npmjs.com/package/tool"},
        {"backend": "custom", "homepage": "https://example.org/tool"},
    ]
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    raws=_stored,
    withdrawn=st.sets(st.integers(0, 11), max_size=3),
    before=_settings,
    edit=_settings,
    keys=st.sets(st.sampled_from(_SETTING_NAMES), min_size=1),
    place=_places,
)
def test_the_preview_is_what_the_page_shows_after_saving(
    client, raws, withdrawn, before, edit, keys, place
):
    fields = {**{key: edit[key] for key in keys}, **place}
    with transaction.atomic():
        project = ProjectFactory(**before)
        for index, raw in enumerate(raws):
            ProjectVersion.objects.create(
                project=project,
                version=raw,
                withdrawn_on=WITHDRAWN_ON if index in withdrawn else None,
            )
        # The latest version as the last check stored it.
        Project.objects.filter(pk=project.pk).update(
            latest_version=Project.objects.get(pk=project.pk).latest_stored_version
        )
        shown_before = page_shows(project.pk)

        preview = services.edit_preview(project, fields)
        services.project_edit(project, agent="someone", **fields)

        shown_after = page_shows(project.pk)
        assert list(preview.diff.before) == shown_before
        assert list(preview.diff.after) == shown_after
        assert preview.diff.latest_after == latest(shown_after)
        assert preview.diff.latest_stable_after == latest_stable(shown_after)
        hidden = {version.raw for version in shown_before} - {v.raw for v in shown_after}
        assert {version.raw for version in preview.diff.hidden} == hidden
        # The latest version the preview showed is the project's at once, not after a check:
        # stored, in API v1's project and in API v2's versions.
        latest_after = preview.diff.latest_after.parsed if preview.diff.latest_after else None
        assert Project.objects.get(pk=project.pk).latest_version == latest_after
        v1 = client.get(f"/api/project/{project.pk}").json()
        assert v1["version"] == latest_after
        assert v1["versions"] == parsed(preview.diff.after)
        assert v1["stable_versions"] == [v.parsed for v in preview.diff.after if not v.prerelease]
        v2 = client.get("/api/v2/versions/", {"project_id": project.pk}).json()
        assert v2["latest_version"] == latest_after
        assert v2["versions"] == parsed(shown_after)
        transaction.set_rollback(True)


# -- the fresh check --------------------------------------------------------------------------


class Listing(Backend):
    """Lists the given versions; ``complete``: it lists every version (PyPI, npm, ...)."""

    name = "custom"

    def __init__(self, versions, *, complete, error=None):
        self.versions = versions
        self.lists_every_version = complete  # type: ignore[misc]
        self.error = error

    def fetch(self, spec, http):
        if self.error:
            raise BackendError(self.error)
        assert spec.etag is None and spec.last_modified is None  # a fresh answer, never a 304
        return [Release(raw) for raw in self.versions]


@pytest.fixture
def listing(monkeypatch):
    def script(*versions, complete=False, error=None):
        backend = Listing(versions, complete=complete, error=error)
        monkeypatch.setattr(registry, "get_backend", lambda name: backend)

    return script


def test_a_complete_list_withdraws_the_versions_it_no_longer_offers(listing):
    project = stored_project("1.0", "1.1", "1.2", "1.3", "2.0", etag='"abc"')
    listing("1.0", "1.1", "1.2", "2.0", "2.1-rc1", "2.1-beta", complete=True)

    preview = services.edit_preview(project, {"version_filter": "beta"})
    check = services.fresh_check(preview)

    assert check.error is None
    assert check.new_versions == ("2.1-rc1",)  # the new filter hides 2.1-beta
    assert check.not_found == ("1.3",)
    assert check.withdrawn == ("1.3",)
    assert check.latest_version == "2.1-rc1"
    assert ProjectVersion.objects.filter(project=project).count() == 5  # nothing stored


def test_a_list_that_is_not_complete_withdraws_nothing(listing):
    project = stored_project("1.0", "1.1", "1.2")
    listing("1.2", "1.3")

    check = services.fresh_check(services.edit_preview(project, {"version_prefix": "v"}))

    assert check.not_found == ("1.1", "1.0")
    assert check.withdrawn == ()
    assert not check.complete
    assert check.latest_version == "1.3"


def test_the_withdrawal_guard_is_reported(listing):
    project = stored_project("1.0", "1.1", "1.2")
    listing("1.2", complete=True)

    check = services.fresh_check(services.edit_preview(project, {"version_prefix": "v"}))

    assert check.not_found == ("1.1", "1.0")
    assert check.withdrawn == ()
    assert "none marked withdrawn" in check.warning


def test_a_version_listed_again_is_restored(listing):
    project = stored_project("1.0", "1.1", withdrawn=("1.1",))
    listing("1.0", "1.1", complete=True)

    check = services.fresh_check(services.edit_preview(project, {"version_filter": "x"}))

    assert check.restored == ("1.1",)
    assert check.latest_version == "1.1"


def test_an_upstream_failure_is_the_checks_error(listing):
    project = stored_project("1.0")
    listing(error="The upstream answered 500")

    check = services.fresh_check(services.edit_preview(project, {"version_filter": "x"}))

    assert check.error == "The upstream answered 500"
    assert check.new_versions == ()


# -- exactness of the fresh check: what it says is what saving and checking does --------------

_VOCABULARY = ["0.9", "1.0", "1.1", "v1.2", "1.2-beta1", "2.0-rc1", "2.0", "release-3.0", "3.0"]


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    stored=st.lists(st.sampled_from(_VOCABULARY), max_size=7, unique=True),
    withdrawn=st.sets(st.integers(0, 6), max_size=2),
    upstream=st.lists(st.sampled_from([*_VOCABULARY, "3.1", "4.0-rc1", "v4.0"]), unique=True),
    complete=st.booleans(),
    edit=_settings,
)
def test_the_fresh_check_is_what_a_check_after_saving_does(
    monkeypatch, stored, withdrawn, upstream, complete, edit
):
    monkeypatch.setattr(registry, "get_backend", lambda name: Listing(upstream, complete=complete))
    fields = {key: edit[key] for key in ("version_prefix", "version_filter", "version_scheme")}
    with transaction.atomic():
        project = ProjectFactory()
        for index, raw in enumerate(stored):
            ProjectVersion.objects.create(
                project=project,
                version=raw,
                withdrawn_on=WITHDRAWN_ON if index in withdrawn else None,
            )
        marked = set(project.versions.filter(withdrawn_on__isnull=False).values_list("version"))

        fresh = services.fresh_check(services.edit_preview(project, fields))
        services.project_edit(project, agent="someone", **fields)
        result = check.check_project(project)

        assert fresh.error is None and result.outcome is check.Outcome.SUCCESS
        assert set(result.new_versions) == set(fresh.new_versions)
        now_marked = set(project.versions.filter(withdrawn_on__isnull=False).values_list("version"))
        assert {(raw,) for raw in fresh.withdrawn} == now_marked - marked
        assert {(raw,) for raw in fresh.restored} == marked - now_marked
        project.refresh_from_db()
        assert project.latest_version == fresh.latest_version
        transaction.set_rollback(True)


# -- saving: the project shows at once what the preview showed ---------------------------------


def test_saving_a_new_filter_moves_the_latest_version_at_once(client):
    project = stored_project("1.0", "1.1", "2.0-rc1", latest_version="2.0-rc1")

    services.project_edit(project, agent="someone", version_filter="rc")

    assert project.latest_version == "1.1"
    assert client.get(f"/api/project/{project.pk}").json()["version"] == "1.1"
    entry = AuditEntry.objects.get(project_id=project.pk, kind=AuditEntry.Kind.PROJECT_EDIT)
    assert entry.before == {"version_filter": None, "latest_version": "2.0-rc1"}
    assert entry.after == {"version_filter": "rc", "latest_version": "1.1"}
    # The message names the fields edited, as Anitya's does: the latest version is not one.
    (message,) = OutboxMessage.objects.filter(topic__endswith="project.edit")
    assert set(message.body["message"]["changes"]) == {"version_filter"}


def test_an_edit_of_other_settings_leaves_the_latest_version_to_the_next_check():
    project = stored_project("1.0", "1.1", latest_version="1.0")

    services.project_edit(project, agent="someone", name="renamed", insecure=True)

    assert Project.objects.get(pk=project.pk).latest_version == "1.0"
