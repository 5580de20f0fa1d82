"""The edit page's Preview changes button (issue #20): a plain POST that shows, before saving,
what the page would list with the values typed and what a fresh check with them finds."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from messaging.models import OutboxMessage
from projects import limits
from projects.models import Project
from tests.factories import ProjectFactory, ProjectVersionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada():
    user = UserFactory(username="ada")
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture(autouse=True)
def _fresh_limits(settings, fresh_caches):
    limits._process_slots = None
    yield
    limits._process_slots = None


def geany(*versions: str, **fields) -> Project:
    project = ProjectFactory(name="geany", homepage="https://www.geany.org/", **fields)
    for raw in versions:
        ProjectVersionFactory(project=project, version=raw)
    return project


def form_of(project: Project, **changes) -> dict:
    form = {
        "name": project.name,
        "homepage": project.homepage,
        "backend": project.backend,
        "version_url": project.version_url,
        "version_scheme": project.version_scheme or "",
        "version_prefix": project.version_prefix or "",
        "pre_release_filter": project.pre_release_filter or "",
        "version_filter": project.version_filter or "",
        "regex": project.regex or "",
        "preview": "1",
    }
    form.update(changes)
    return form


def section(html: str, heading: str) -> str:
    """The text from an <h3> to the next one."""
    match = re.search(rf"<h3>{re.escape(heading)}.*?</h3>(.*?)(?=<h3>|</section>)", html, re.S)
    assert match, heading
    return match.group(1)


def versions_in(fragment: str) -> list[str]:
    return re.findall(r'class="version">([^<]*)<', fragment)


def test_the_edit_page_has_the_button(ada):
    project = geany("1.0")
    page = ada.get(f"/project/{project.pk}/edit").content.decode()
    assert 'name="preview"' in page and "Preview changes" in page
    assert 'name="preview"' not in ada.get("/project/new").content.decode()


def test_the_preview_shows_hidden_revealed_and_the_latest_and_saves_nothing(ada, fake_backend):
    project = geany("1.0", "1.1", "2.0-rc1", "1.2-beta", version_filter="beta")
    fake_backend.script["geany"] = ["1.0", "1.1", "1.2-beta", "2.0-rc1", "2.0"]

    response = ada.post(f"/project/{project.pk}/edit", form_of(project, version_filter="rc"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview of your changes" in html
    assert versions_in(section(html, "Hidden (1)")) == ["2.0-rc1"]
    assert versions_in(section(html, "Revealed (1)")) == ["1.2-beta"]
    latest = section(html, "Latest version")
    assert '<span class="version">2.0-rc1</span> now' in latest
    assert '<strong class="version">1.2-beta</strong> after saving' in latest
    fresh = section(html, "Fresh check with the new values")
    assert versions_in(fresh) == ["2.0", "2.0"]  # the latest after the check, the new version
    assert "New versions it would store (1)" in fresh
    # The form keeps the values typed, and nothing was saved or sent.
    assert 'value="rc"' in html
    project.refresh_from_db()
    assert project.version_filter == "beta"
    assert OutboxMessage.objects.count() == 0


def test_moves_and_relabels_are_listed(ada, fake_backend):
    project = geany("release-1.0", "release-1.2", "1.1")

    html = ada.post(
        f"/project/{project.pk}/edit", form_of(project, version_prefix="release-")
    ).content.decode()

    assert 'release-1.0</span> becomes <span class="version">1.0' in html
    assert "place 2 now, place 1 after saving" in section(html, "Order")


def test_an_unchanged_form_says_nothing_would_change(ada, fake_backend):
    project = geany("1.0", "1.1")
    html = ada.post(f"/project/{project.pk}/edit", form_of(project)).content.decode()
    assert "saving would change nothing" in html
    assert "The page would list the same 2 versions in the same order." in html


def test_long_lists_are_capped_with_a_count(ada, fake_backend):
    project = geany(*(f"1.{n}" for n in range(60)))
    html = ada.post(f"/project/{project.pk}/edit", form_of(project, version_filter="1.")).content
    hidden = section(html.decode(), "Hidden (60)")
    assert len(versions_in(hidden)) == 50
    assert "and 10 more." in hidden


def test_bad_values_are_form_errors(ada, fake_backend):
    project = geany("1.0")
    response = ada.post(
        f"/project/{project.pk}/edit", form_of(project, regex="(", version_scheme="Roman")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Preview of your changes" not in html
    assert fake_backend.calls["geany"] == 0


def test_a_failing_upstream_is_shown_with_the_comparison(ada, fake_backend):
    from backends.base import BackendError

    project = geany("1.0", "1.1")
    fake_backend.script["geany"] = BackendError("HTTP 404")

    response = ada.post(f"/project/{project.pk}/edit", form_of(project, version_filter="1.1"))

    html = response.content.decode()
    assert response.status_code == 200
    assert versions_in(section(html, "Hidden (1)")) == ["1.1"]
    assert "The check failed: HTTP 404" in html


def test_the_fresh_check_obeys_the_preview_limit(ada, fake_backend, settings):
    settings.PREVIEW_CONCURRENCY_PER_USER = 1
    project = geany("1.0", "1.1")

    with limits.preview_slot(f"user:{ada.user.pk}"):
        response = ada.post(f"/project/{project.pk}/edit", form_of(project, version_filter="1.1"))

    assert response.status_code == 429
    html = response.content.decode()
    assert f"Not checked: {limits.TOO_BUSY}" in html
    assert versions_in(section(html, "Hidden (1)")) == ["1.1"]  # the comparison still shows
    assert fake_backend.calls["geany"] == 0


def test_previewing_needs_a_signed_in_user(client):
    project = geany("1.0")
    response = client.post(f"/project/{project.pk}/edit", form_of(project))
    assert response.status_code == 302 and "login" in response["Location"]
