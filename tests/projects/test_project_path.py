"""Links to project pages in lists: what ``{% url %}`` gives, made without it."""

from __future__ import annotations

from django.urls import reverse, set_script_prefix

from projects.templatetags.projects_tags import project_path


def test_a_project_path_is_what_reverse_gives():
    for project_id in (1, 42, 987654321, 2**31 - 1):
        assert project_path(project_id) == reverse("projects:project", args=[project_id])


def test_a_project_path_follows_the_script_prefix():
    try:
        set_script_prefix("/monitor/")
        assert project_path(7) == "/monitor/project/7/" == reverse("projects:project", args=[7])
    finally:
        set_script_prefix("/")
    assert project_path(7) == "/project/7/"
