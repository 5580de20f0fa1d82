"""Bad input is a 4xx, never a 500, on every route (issue #13).

The routes come from the URL resolver, so a new route is covered without editing this file:
every one is requested with control characters in its path parameters and its query (400 from
``projects.bad_input.RefuseBadInput``), with odd but well-formed values that reach the
views (long, huge, negative, non-ASCII), and with NUL in the usual form fields. Then the
bodies: JSON nested 100,000 deep, bodies over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (with a
Content-Length, chunked, and under ASGI with a lying one), and NUL in each field of the site's
project form and the API's POST bodies.

Run it on PostgreSQL too (``DATABASE_URL=postgresql://...``): PostgreSQL refuses NUL in text
where SQLite stores it, so that is where a NUL reaching a query shows up as a 500.
"""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any
from urllib.parse import quote, unquote

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings as django_settings
from django.core.handlers.asgi import ASGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.urls import resolve

from accounts.models import ApiToken
from projects.api.parsers import MAX_JSON_DEPTH
from projects.api.v2.serializers import (
    PackageCreateInput,
    ProjectCreateInput,
    ProjectPreviewInput,
    VersionCheckInput,
)
from tests.factories import (
    ProjectFactory,
)
from tests.releasemon.routes import ROUTES, Route, url_for

pytestmark = pytest.mark.django_db

NUL_FIELD = "Null characters are not allowed."

#: Refused anywhere in a path (C0, DEL, C1), and in a query (C0 but tab, LF, CR).
PATH_CONTROLS = ["\x00", "\x01", "\x08", "\t", "\n", "\x1b", "\x7f", "\x85"]
QUERY_CONTROLS = ["\x00", "\x01", "\x0b", "\x1b"]

#: Query arguments the views read (and some they do not): each request sets all of them.
QUERY_NAMES = [
    "pattern", "name", "homepage", "ecosystem", "distribution", "distro", "package_name",
    "page", "items_per_page", "project_id", "sort", "exact", "log", "refresh", "exclude",
    "after", "limit", "topic", "next", "q", "o", "p", "e", "all", "id", "version", "status",
    "format", "_changelist_filters", "_popup", "_to_field", "term", "app_label", "model_name",
    "field_name",
]  # fmt: skip

#: Form fields the site's and the admin's views read: a POST sets all of them to NUL text.
FORM_NAMES = [
    "name", "homepage", "backend", "version_url", "version_scheme", "version_pattern",
    "version_prefix", "pre_release_filter", "version_filter", "regex", "distro",
    "package_name", "reason", "description", "version", "action", "confirm", "post", "next",
    "login", "password", "username", "email", "remember", "q", "index", "test", "id",
]  # fmt: skip

ODD_TEXT = "ü☃ '\"<>%;*_\\,.()[]{}|^`~$!@\u2028\U0001f600"
ODD_QUERY = ODD_TEXT + "&=+#?/\t\r\n"
HUGE = "9" * 30


def test_the_routes_include_every_family():
    labels = {route.label for route in ROUTES}
    assert {
        "/project/<project_id>/",  # the site
        "/distro/<name>/feed/",  # feeds
        "/api/projects",  # API v1
        "/api/v2/projects",  # API v2 (a regex route)
        "/api/v2/events/",
        "/admin/projects/project/<object_id>/change/",
        "/login/",  # accounts
        "/accounts/login/",  # allauth
    } <= labels
    assert len(ROUTES) > 100


# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _isolated(settings, monkeypatch, fresh_caches):
    """No rate limits, fast passwords, empty caches, and no check ever leaves the process."""
    from backends import registry
    from backends.base import Backend, Release

    class Scripted(Backend):
        name = "custom"

        def fetch(self, spec: Any, http: Any) -> list[Release]:
            return [Release("1.0")]

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "none", "user": "none"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(registry, "get_backend", lambda name: Scripted())


@pytest.fixture
def admin_client(rows) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(rows.admin)
    return client


@pytest.fixture
def anonymous() -> Client:
    return Client(raise_request_exception=False)


@pytest.fixture
def token_client(rows) -> Client:
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {rows.secret}")


def _describe(response: Any) -> str:
    return f"{response.status_code} {response.content[:300]!r}"


def _assert_refused(response: Any, api: bool, status: int = 400) -> None:
    assert response.status_code == status, _describe(response)
    if api:
        assert response["Content-Type"] == "application/json", _describe(response)
        assert set(response.json()) == {"error"}
    else:
        assert response["Content-Type"].startswith("text/html"), _describe(response)


# -- every route: paths and queries ---------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.label)
def test_control_characters_in_paths_and_queries_are_refused(route, rows, admin_client):
    for char in PATH_CONTROLS:
        url = url_for(route, rows, wanted=f"a{char}b")
        if char not in unquote(url):  # no parameter takes it: add it to the path itself
            url = url.rstrip("/") + quote(f"/a{char}b")
        response = admin_client.get(url)
        _assert_refused(response, route.is_api)
    url = url_for(route, rows)
    for char in QUERY_CONTROLS:
        response = admin_client.get(url, dict.fromkeys(QUERY_NAMES, f"a{char}b"))
        _assert_refused(response, route.is_api)
        # In a name too, and one argument alone is enough.
        response = admin_client.get(f"{url}?{quote(f'x{char}')}=1&page=2")
        _assert_refused(response, route.is_api)


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.label)
def test_odd_values_reach_the_views_and_get_no_server_error(route, rows, admin_client):
    variants = [
        (ODD_TEXT, ODD_QUERY),
        (HUGE, HUGE),
        ("-1", "-1"),
        ("a" * 3000, "b" * 3000),
        (None, ""),
    ]
    for in_path, in_query in variants:
        url = url_for(route, rows, wanted=in_path)
        admin_client.force_login(rows.admin)  # a route may have signed the client out
        response = admin_client.get(url, dict.fromkeys(QUERY_NAMES, in_query))
        assert response.status_code < 500, f"GET {url}: {_describe(response)}"


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.label)
def test_nul_in_form_fields_gets_no_server_error(route, rows, admin_client):
    url = url_for(route, rows)
    response = admin_client.post(url, dict.fromkeys(FORM_NAMES, "a\x00b"))
    assert response.status_code < 500, f"POST {url}: {_describe(response)}"


@pytest.mark.parametrize(
    ("url", "api"),
    [
        ("/project/%00/", False),
        ("/distro/%00/", False),
        ("/distro/%00/feed/", False),
        ("/projects/similar?name=%00", False),
        ("/projects/search/?pattern=%00", False),
        ("/admin/projects/project/?q=%00", False),
        ("/api/project/%00", True),
        ("/api/projects/?pattern=%00", True),
        ("/api/v2/projects/?name=%00", True),
        ("/api/v2/events/?topic=%00", True),
        ("/static/%00.css", False),
    ],
)
def test_the_reported_urls_are_refused_with_a_reason(anonymous, url, api):
    response = anonymous.get(url)
    _assert_refused(response, api)
    reason = response.json()["error"] if api else response.content.decode()
    assert "control character" in reason


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("/projects/search/?pattern=%ff", "not valid UTF-8"),
        ("/projects/search/?pattern=%ed%a0%80", "not valid UTF-8"),  # an encoded surrogate
        ("/projects/search/?pattern=%zz", "malformed percent escape"),
        ("/projects/search/?pattern=50%", "malformed percent escape"),
        ("/project/%ff/", "not valid UTF-8"),
        ("/api/project/Fedora/%c3%28", "not valid UTF-8"),
        ("/api/v2/projects/?name=%e2%82", "not valid UTF-8"),
    ],
)
def test_malformed_encodings_are_refused(anonymous, url, reason):
    response = anonymous.get(url)
    assert response.status_code == 400, _describe(response)
    assert reason in response.content.decode()


def test_tabs_and_newlines_in_query_values_are_allowed(anonymous):
    ProjectFactory(name="tool")
    response = anonymous.get("/api/projects/", {"pattern": "to\tol\r\n"})
    assert response.status_code == 200
    assert response.json()["total"] == 0


def test_a_bad_content_length_is_refused(anonymous):
    response = anonymous.post(
        "/api/v2/projects/", "{}", content_type="application/json", CONTENT_LENGTH="many"
    )
    _assert_refused(response, api=True)
    assert "Content-Length" in response.json()["error"]


@pytest.mark.parametrize(
    "header",
    ["HTTP_AUTHORIZATION", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_ACCEPT"],
)
@pytest.mark.parametrize("url", ["/api/v2/projects/", "/api/projects", "/projects/", "/feed/"])
def test_nul_in_headers_gets_no_server_error(rows, anonymous, header, url):
    response = anonymous.get(url, **{header: "Token a\x00b" if "AUTH" in header else "a\x00b"})
    assert response.status_code < 500, _describe(response)


# -- API bodies -----------------------------------------------------------------------------


#: The parameters an API route answering POST may take here: a project's (its preview).
POST_PARAMS = {(), ("project_id",)}


def _api_post_routes() -> list[Route]:
    """The API routes answering POST (their view classes say so), one spelling each."""
    routes = {}
    for route in ROUTES:
        if not route.is_api or route.params not in POST_PARAMS:
            continue
        match = resolve("/" + route.prefix + route.template % dict.fromkeys(route.params, "1"))
        view_class = getattr(match.func, "view_class", None)
        if view_class is not None and hasattr(view_class, "post"):
            routes.setdefault(view_class, route)
    return list(routes.values())


API_POSTS = _api_post_routes()


def test_the_api_posts_are_found():
    labels = {route.label.rstrip("/") for route in API_POSTS}
    assert labels == {
        "/api/v2/projects",
        "/api/v2/projects/purls",
        "/api/v2/projects/<project_id>/preview",
        "/api/v2/packages",
        "/api/v2/versions",
        "/api/version/get",
        "/api/v2/watches",
        "/api/v2/channels",
    }


@pytest.mark.parametrize("route", API_POSTS, ids=lambda route: route.label)
@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_json_nested_100000_deep_is_a_400(route, rows, token_client, opening):
    body = opening * 100_000
    url = url_for(route, rows)
    response = token_client.post(url, body, content_type="application/json")
    assert response.status_code == 400, _describe(response)
    assert response["Content-Type"] == "application/json"
    if "v2" in url:
        assert response.json() == {
            "message": {"json": f"JSON nested deeper than {MAX_JSON_DEPTH} levels."}
        }


def test_json_nested_up_to_the_limit_is_parsed(token_client):
    # Deep, but within the limit: parsed, then refused by the fields' rules.
    body = '{"name": ' + "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1) + "}"
    response = token_client.post("/api/v2/versions/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"message": {"name": "Not a valid string."}}
    # Brackets inside strings are text, not nesting.
    body = json.dumps({"name": "[" * 100_000})
    response = token_client.post("/api/v2/versions/", body, content_type="application/json")
    assert response.status_code == 400
    assert "Missing arguments" in response.json()


def _too_large_body() -> str:
    return json.dumps({"name": "x" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})


def _assert_too_large(response: Any) -> None:
    limit = django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert response.status_code == 413, _describe(response)
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": f"The request body is larger than {limit} bytes."}


@pytest.mark.parametrize("route", API_POSTS, ids=lambda route: route.label)
@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_a_body_too_large_is_a_413_with_its_content_length(route, rows, token_client, content_type):
    url = url_for(route, rows)
    _assert_too_large(token_client.post(url, _too_large_body(), content_type=content_type))


@pytest.mark.parametrize("route", API_POSTS, ids=lambda route: route.label)
def test_a_chunked_body_too_large_is_a_413(route, rows, token_client):
    url = url_for(route, rows)
    response = token_client.post(
        url,
        _too_large_body(),
        content_type="application/json",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input_terminated": True},
    )
    _assert_too_large(response)


def test_a_chunked_body_within_the_limit_is_read(rows, token_client):
    body = json.dumps(
        {
            "distribution": "Fedora",
            "package_name": "tool-ng",
            "project_name": "nothing",
            "project_ecosystem": "pypi",
        }
    )
    response = token_client.post(
        "/api/v2/packages/",
        body,
        content_type="application/json",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        # A server's input gives what it has (the test client's asserts on reading past it).
        **{"wsgi.input_terminated": True, "wsgi.input": io.BytesIO(body.encode())},
    )
    assert response.status_code == 400
    assert response.json() == {"error": 'Project "nothing" in ecosystem "pypi" not found'}


def test_a_large_get_body_is_a_413_too(anonymous):
    response = anonymous.generic(
        "GET", "/api/v2/projects/", _too_large_body(), content_type="application/json"
    )
    _assert_too_large(response)


def test_the_site_answers_a_body_too_large_with_a_page(rows, admin_client):
    data = "name=" + "x" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = admin_client.post(
        "/project/new", data, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert b"larger than" in response.content


def test_without_the_middleware_the_api_still_answers_413(settings, token_client):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("RefuseBadInput")]
    response = token_client.post(
        "/api/v2/projects/", _too_large_body(), content_type="application/json"
    )
    _assert_too_large(response)


def test_too_many_form_fields_is_a_400_everywhere(settings, rows, admin_client, token_client):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    fields = {f"field{index}": "x" for index in range(10)}
    response = admin_client.post("/project/new", fields)
    _assert_refused(response, api=False)
    response = token_client.post("/api/v2/projects/", fields)
    _assert_refused(response, api=True)


def _asgi(path: str, body: bytes, headers: list[tuple[bytes, bytes]]) -> tuple[int, dict, bytes]:
    """One request through Django's ASGI handler, the body in chunks as a server sends it."""
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)] or [b""]
    messages = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    sent: list[dict] = []

    async def receive() -> dict:
        if messages:
            return messages.pop(0)
        await asyncio.sleep(60)  # the client waits for the answer (Django cancels this)
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    # The handler closes "old" connections around the request: that would end the test's.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        async_to_sync(ASGIHandler())(scope, receive, send)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    start = next(message for message in sent if message["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), content


@pytest.mark.parametrize("length", [None, b"10"])
def test_asgi_bodies_too_large_are_a_413_whatever_the_content_length(length):
    headers = [(b"content-type", b"application/json")]
    if length is not None:
        headers.append((b"content-length", length))
    status, headers, content = _asgi("/api/v2/projects/", _too_large_body().encode(), headers)
    assert status == 413
    assert headers[b"Content-Type"] == b"application/json"
    assert b"larger than" in content


# -- NUL in fields: the site's forms and the API's bodies -------------------------------------


@pytest.mark.parametrize(
    "field",
    [
        "name",
        "homepage",
        "version_url",
        "version_pattern",
        "version_prefix",
        "pre_release_filter",
        "version_filter",
        "regex",
        "distro",
        "package_name",
    ],
)
def test_nul_in_the_project_form_names_the_field(rows, admin_client, field):
    data = {
        "name": "newtool",
        "homepage": "https://example.org/newtool",
        "backend": "custom",
        "version_url": "https://example.org/newtool/releases/",
        "version_scheme": "RPM",
        field: "a\x00b",
    }
    response = admin_client.post("/project/new", data)
    assert response.status_code == 400, _describe(response)
    assert NUL_FIELD in response.context["form"].errors[field]


@pytest.mark.parametrize(
    ("url", "data", "field"),
    [
        ("/project/{pk}/flag", {"reason": "a\x00b"}, "reason"),
        ("/project/{pk}/map", {"distro": "Fedora", "package_name": "a\x00b"}, "package_name"),
        ("/project/{pk}/map", {"distro": "a\x00b", "package_name": "tool2"}, "distro"),
        ("/distro/add", {"name": "a\x00b"}, "name"),
    ],
)
def test_nul_in_the_other_site_forms_names_the_field(rows, admin_client, url, data, field):
    response = admin_client.post(url.format(pk=rows.project.pk), data)
    assert response.status_code < 500, _describe(response)
    assert NUL_FIELD in response.context["form"].errors[field]


def test_nul_in_a_token_description_is_refused(rows, admin_client):
    response = admin_client.post("/settings/tokens/", {"description": "a\x00b"})
    assert response.status_code == 400
    assert NUL_FIELD in response.context["form"].errors["description"]
    assert ApiToken.objects.filter(user=rows.admin).count() == 1  # the fixture's only


def test_nul_in_a_version_to_delete_is_no_such_version(rows, admin_client):
    url = f"/project/{rows.project.pk}/delete/version"
    response = admin_client.post(url, {"version": "1.0\x00", "confirm": "1"})
    assert response.status_code == 404
    assert rows.project.versions.count() == 1


def _text_fields(serializer_class: type) -> list[str]:
    return [
        name for name, field in serializer_class().fields.items() if type(field).__name__ == "Text"
    ]


API_TEXT_FIELDS = (
    [
        ("/api/v2/projects/", name, {"name": "n", "homepage": "https://n.example", "backend": "x"})
        for name in _text_fields(ProjectCreateInput)
    ]
    + [
        ("/api/v2/packages/", name, dict.fromkeys(_text_fields(PackageCreateInput), "n"))
        for name in _text_fields(PackageCreateInput)
    ]
    + [("/api/v2/versions/", name, {"id": 1}) for name in _text_fields(VersionCheckInput)]
    + [("/api/v2/projects/1/preview/", name, {}) for name in _text_fields(ProjectPreviewInput)]
)


@pytest.mark.parametrize(("url", "field", "body"), API_TEXT_FIELDS, ids=str)
@pytest.mark.parametrize("as_json", [True, False], ids=["json", "form"])
def test_nul_in_api_fields_names_the_field(token_client, url, field, body, as_json):
    body = {**body, field: "a\x00b"}
    if as_json:
        response = token_client.post(url, json.dumps(body), content_type="application/json")
    else:
        response = token_client.post(url, body)
    assert response.status_code == 400, _describe(response)
    assert response.json() == {"message": {field: NUL_FIELD}}


@pytest.mark.parametrize("data", [{"id": "1\x00"}, {"id": "\x00"}, {"id": "1", "test": "\x00"}])
def test_nul_in_v1_version_get_is_no_server_error(rows, anonymous, data):
    response = anonymous.post("/api/version/get", data)
    assert response.status_code < 500, _describe(response)
    assert response["Content-Type"] == "application/json"
