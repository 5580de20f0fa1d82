"""``HEAD`` works wherever ``GET`` does, and ``/favicon.ico`` is the site's icon (issue #14).

The routes come from the URL resolver (tests/releasemon/routes.py), so a new
route is covered without editing this file: each is asked with GET and with HEAD, by an
anonymous visitor and by a signed-in administrator, and must answer HEAD with GET's status and
content type, and no body.
"""

from __future__ import annotations

import struct

import pytest
from django.test import Client

from tests.releasemon.routes import ROUTES, url_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolated(settings, fresh_caches):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "none", "user": "none"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


#: Django's own admin sends a signed-in administrator from its login page to the index on GET
#: only (``AdminSite.login`` checks ``method == "GET"``); HEAD gets the page, a 200.
DJANGO_ADMIN_QUIRKS = {"/admin/login/: HEAD 200, GET 302"}


def _compare(client: Client, url: str) -> str | None:
    """None when HEAD answers like GET, else what differs."""
    head = client.head(url)
    get = client.get(url)
    if head.status_code != get.status_code:
        return f"{url}: HEAD {head.status_code}, GET {get.status_code}"
    if head.get("Content-Type") != get.get("Content-Type"):
        return f"{url}: HEAD {head.get('Content-Type')}, GET {get.get('Content-Type')}"
    if head.content:
        return f"{url}: HEAD has a body of {len(head.content)} bytes"
    return None


def test_the_site_has_get_routes_that_now_answer_head():
    labels = {route.label for route in ROUTES}
    assert {"/", "/projects/", "/favicon.ico", "/login/", "/api/v2/projects"} <= labels


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "admin"])
def test_head_answers_like_get_on_every_route(rows, signed_in):
    client = Client(raise_request_exception=False)
    if signed_in:
        client.force_login(rows.admin)
    differences = [_compare(client, url_for(route, rows)) for route in ROUTES]
    found = [difference for difference in differences if difference]
    if signed_in:
        found = [difference for difference in found if difference not in DJANGO_ADMIN_QUIRKS]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("url", ["/", "/projects/", "/about", "/distros/", "/login/", "/feed/"])
def test_head_of_the_pages_people_try_first_is_200(client, url):
    response = client.head(url)
    assert response.status_code == 200
    assert response.content == b""


def test_favicon_is_the_site_icon_as_an_ico(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert "max-age" in response["Cache-Control"]
    icon = response.content
    reserved, kind, count = struct.unpack("<HHH", icon[:6])
    assert (reserved, kind) == (0, 1)  # an icon resource
    sizes = []
    for index in range(count):
        width, height, _, _, _, _, length, offset = struct.unpack(
            "<BBBBHHII", icon[6 + 16 * index : 22 + 16 * index]
        )
        assert icon[offset : offset + 8] == b"\x89PNG\r\n\x1a\n"
        assert offset + length <= len(icon)
        sizes.append((width, height))
    assert (16, 16) in sizes and (32, 32) in sizes
    head = client.head("/favicon.ico")
    assert (head.status_code, head.content) == (200, b"")
    assert client.post("/favicon.ico").status_code == 405
