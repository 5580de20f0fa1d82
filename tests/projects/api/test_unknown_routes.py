"""Under ``/api/`` every refusal is JSON (issue #14): unknown paths are 404 whatever the method
(never Django's HTML "CSRF verification failed" page), wrong methods 405, each in the error
shape of its family (v1 ``{"output": "notok", "error": ...}``, v2 ``{"error": ...,
"error_description": ...}``); and the OpenAPI schema says which operations are public."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

V1_NOT_FOUND = {"output": "notok", "error": "Not found"}
V2_NOT_FOUND = {"error": "not_found", "error_description": "Not found."}


@pytest.fixture
def browser() -> Client:
    """A client that checks CSRF as a real browser's requests are checked."""
    return Client(enforce_csrf_checks=True, raise_request_exception=False)


@pytest.fixture
def signed_in(browser) -> Client:
    browser.force_login(UserFactory())
    browser.get("/")  # a CSRF cookie, as a browser would hold
    return browser


def _json(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    return response.json()


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/nothing/here", V1_NOT_FOUND),
        ("/api/nothing/", V1_NOT_FOUND),
        ("/api/v2/nothing", V2_NOT_FOUND),
        ("/api/v2/nothing/", V2_NOT_FOUND),
        ("/api/v2/projects/1", V2_NOT_FOUND),
        ("/api/v2", V2_NOT_FOUND),
    ],
)
def test_unknown_api_paths_are_json_404s_for_every_method(browser, method, path, body):
    assert _json(getattr(browser, method)(path), 404) == body


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_signed_in_without_a_csrf_token_an_unknown_path_is_still_a_json_404(signed_in, method):
    assert _json(getattr(signed_in, method)("/api/nothing"), 404) == V1_NOT_FOUND
    assert _json(getattr(signed_in, method)("/api/v2/nothing/"), 404) == V2_NOT_FOUND


@pytest.mark.parametrize("path", ["/api", "/api/"])
def test_the_api_root_redirects_reads_and_refuses_other_methods_in_json(browser, path):
    response = browser.get(path)
    assert (response.status_code, response["Location"]) == (302, "/api/v2/schema/swagger-ui/")
    assert browser.head(path).status_code == 302
    for method in ("post", "put", "delete"):
        response = getattr(browser, method)(path)
        body = _json(response, 405)
        assert body == {"output": "notok", "error": f'Method "{method.upper()}" not allowed.'}
        assert response["Allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    "path", ["/api/v2/schema/", "/api/v2/schema/swagger-ui/", "/api/v2/schema/redoc/"]
)
def test_the_docs_pages_refuse_other_methods_in_json(browser, path):
    for method in ("post", "delete"):
        body = _json(getattr(browser, method)(path), 405)
        assert body == {
            "error": "method_not_allowed",
            "error_description": f'Method "{method.upper()}" not allowed.',
        }
    assert browser.get(path).status_code == 200  # the pages themselves are unchanged
    assert browser.get("/api/v2/schema/")["Content-Type"].startswith("application/vnd.oai")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("delete", "/api/projects", {"output": "notok", "error": 'Method "DELETE" not allowed.'}),
        ("put", "/api/version/get", {"output": "notok", "error": 'Method "PUT" not allowed.'}),
    ],
)
def test_known_routes_refuse_a_wrong_method_with_a_json_405(browser, method, path, body):
    assert _json(getattr(browser, method)(path), 405) == body


def test_v2_refuses_a_wrong_method_with_a_json_405_once_authenticated(api, alice):
    # Anonymous: v2 asks for credentials first (401), as for any write.
    assert _json(api.delete("/api/v2/projects/"), 401)["error"] == "authentication_required"
    assert _json(alice.client.delete("/api/v2/projects/"), 405) == {
        "error": "method_not_allowed",
        "error_description": 'Method "DELETE" not allowed.',
    }


def test_the_event_log_refuses_a_wrong_method_with_a_json_405(browser):
    assert set(_json(browser.post("/api/v2/events/"), 405)) == {"detail"}


# -- the OpenAPI schema: which operations are public -------------------------------------------


@pytest.fixture
def schema(api) -> dict:
    response = api.get("/api/v2/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _public(operation: dict) -> bool:
    """OpenAPI: no requirement at all, or the empty one among them, lets anyone call it."""
    return operation["security"] == [] or {} in operation["security"]


def test_v2_reads_are_public_and_v2_writes_need_a_token(schema):
    paths = schema["paths"]
    for path in ("/api/v2/projects/", "/api/v2/packages/", "/api/v2/versions/"):
        read, write = paths[path]["get"], paths[path]["post"]
        assert _public(read), path
        assert {"tokenAuth": []} in read["security"]  # a token is welcome (its rate limit)
        assert not _public(write), path
        assert {"tokenAuth": []} in write["security"]


def test_every_operation_anyone_may_call_says_so(schema):
    public = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if _public(operation)
    }
    private = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    } - public
    # The notification endpoints are the caller's own: every method needs credentials.
    own = {
        (method, path)
        for (method, path) in private
        if path.startswith(("/api/v2/watches/", "/api/v2/channels/", "/api/v2/deliveries/"))
    }
    assert len(own) == 14
    assert private - own == {
        ("POST", "/api/v2/packages/"),
        ("POST", "/api/v2/projects/"),
        ("POST", "/api/v2/projects/{project_id}/preview/"),
        ("POST", "/api/v2/versions/"),
    }
    # v1 needs nothing, its check included (as in Anitya); the event log takes no credentials.
    assert ("POST", "/api/version/get") in public
    assert schema["paths"]["/api/v2/events/"]["get"]["security"] == []


def test_the_schema_s_promise_holds_for_an_anonymous_caller(api):
    assert api.get("/api/v2/projects/").status_code == 200
    assert api.post("/api/v2/projects/", {"name": "x"}).status_code == 401
