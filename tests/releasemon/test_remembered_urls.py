"""{% url %} remembers its links (releasemon/remembered_urls.py) and answers as Django's does."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from releasemon import remembered_urls


def _render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_links_are_djangos_and_remembered():
    remembered_urls._links.clear()
    page = _render("{% url 'projects:project' pk %} {% url 'projects:list' %}", pk=12)
    assert page == f"{reverse('projects:project', args=[12])} {reverse('projects:list')}"
    assert len(remembered_urls._links) == 2
    assert _render("{% url 'projects:project' pk %}", pk=13) == reverse(
        "projects:project", args=[13]
    )


def test_a_link_follows_the_script_prefix():
    assert _render("{% url 'projects:list' %}") == "/projects/"
    try:
        set_script_prefix("/monitor/")
        assert _render("{% url 'projects:list' %}") == "/monitor/projects/"
    finally:
        set_script_prefix("/")


def test_objects_as_arguments_are_reversed_each_time():
    class Named:
        def __init__(self, name: str) -> None:
            self.name = name

        def __str__(self) -> str:
            return self.name

    distro = Named("Fedora")
    assert _render("{% url 'projects:distro' distro %}", distro=distro).endswith("/Fedora/")
    distro.name = "Debian"  # the same object, another text: never a remembered link
    assert _render("{% url 'projects:distro' distro %}", distro=distro).endswith("/Debian/")


def test_unknown_names_raise_or_set_nothing_as_djangos():
    with pytest.raises(NoReverseMatch):
        _render("{% url 'projects:nothing-here' %}")
    assert _render("{% url 'projects:nothing-here' as link %}[{{ link }}]") == "[]"


def test_links_are_escaped_where_the_template_escapes():
    page = _render("{% url 'projects:distro' name %}", name="a&b")
    assert "&amp;" in page or "%26" in page


def test_static_urls_are_djangos_and_follow_the_settings(settings):
    from django.templatetags.static import static

    assert _render("{% static 'releasemon/site.css' %}") == static("releasemon/site.css")
    settings.STATIC_URL = "/assets/"
    assert _render("{% static 'releasemon/site.css' %}") == "/assets/releasemon/site.css"
    assert _render("{% static path as link %}[{{ link }}]", path="a b.css") == "[/assets/a%20b.css]"


def test_relative_static_urls_are_under_the_script_prefix_as_djangos(settings):
    from django.templatetags.static import static

    settings.STATIC_URL = "static/"  # relative: under the script prefix, as Django puts it
    try:
        set_script_prefix("/monitor/")
        page = _render("{% static 'releasemon/site.css' %}")
        assert page == static("releasemon/site.css") == "/monitor/static/releasemon/site.css"
    finally:
        set_script_prefix("/")
    assert _render("{% static 'releasemon/site.css' %}") == static("releasemon/site.css")
