"""Schema-driven fuzzing: schemathesis sends what /api/v2/schema/ allows (and what it does
not) to every operation, through the WSGI application, and checks that nothing answers 500
and that every answer is what the schema says (status, content type, body shape).

The number of examples is bounded so the suite stays fast; raise ``FUZZ_EXAMPLES`` to dig.
Checks never leave the machine: the backends are replaced by a scripted one.

Bad input (issue #13): the generated strings may hold NUL bytes, a second run puts a NUL in
every generated string (query, path, body), and every operation taking JSON gets bodies nested
deeper than the parser allows; all must be documented 4xx answers, never a 500.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

from accounts.models import ApiToken
from projects.api.parsers import MAX_JSON_DEPTH, TOO_DEEP
from tests.factories import (
    DistroFactory,
    PackageFactory,
    ProjectFactory,
    ProjectVersionFactory,
    UserFactory,
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
SCHEMA_URL = "/api/v2/schema/?format=json"

# The token fixture's rows, and the database the cache (projects/shared_cache.py) lives in.
pytestmark = pytest.mark.django_db

# The schema needs no database: it is read once, at collection.
schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, WSGIHandler())
# NUL bytes in generated strings (schemathesis' default, stated: PostgreSQL refuses them).
schema.config.generation.update(allow_x00=True)

# The same operations, with a NUL byte added to every string the generator makes (the hooks
# apply to generated cases: the fuzzing phase alone, the others replay fixed examples).
nul_schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, WSGIHandler())
nul_schema.config.phases.update(phases=["fuzzing"])


def _with_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value[: len(value) // 2] + "\x00" + value[len(value) // 2 :]
    if isinstance(value, dict):
        return {key: _with_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_nul(item) for item in value]
    return value


for _part in ("query", "path_parameters", "body"):
    nul_schema.hook(f"map_{_part}")(lambda context, value: _with_nul(value))

CONFORMANCE = [
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def token(db, settings, fake_backend):
    """A token for the writes, some rows to find, no rate limits, and an open transaction."""
    # The WSGI handler closes "old" database connections around each request, which would
    # end the test's transaction: keep it open for the duration of the test.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "none", "user": "none"},
    }
    fedora = DistroFactory(name="Fedora")
    for index in range(3):
        project = ProjectFactory(name=f"tool{index}")
        ProjectVersionFactory(project=project, version="1.0")
        PackageFactory(project=project, distro=fedora)
    _, secret = ApiToken.issue(UserFactory(email="fuzz@example.org"), "fuzz")
    try:
        yield secret
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors_and_answers_match_the_schema(case, token):
    response = case.call(headers={"Authorization": f"Token {token}"})
    conformance = CONFORMANCE
    if case.path.startswith("/api/v2/events/"):
        conformance = []  # messaging's endpoint: its 400s are not in its description yet
    case.validate_response(response, checks=[checks.not_a_server_error, *conformance])


@nul_schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_nul_bytes_anywhere_get_no_server_error(case, token):
    response = case.call(headers={"Authorization": f"Token {token}"})
    conformance = [] if case.path.startswith("/api/v2/events/") else CONFORMANCE
    case.validate_response(response, checks=[checks.not_a_server_error, *conformance])
    if any(isinstance(value, str) and "\x00" in value for value in (case.query or {}).values()):
        assert response.status_code == 400  # a NUL in the query: refused before any view


JSON_BODIES = [
    operation
    for operation in (result.ok() for result in schema.get_all_operations())
    if operation.body and "application/json" in [body.media_type for body in operation.body]
]


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000])
@pytest.mark.parametrize("operation", JSON_BODIES, ids=lambda op: f"{op.method} {op.path}")
def test_json_nested_too_deep_is_a_documented_400(operation, depth, token):
    body = b'{"name":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"
    ids = {parameter.name: 1 for parameter in operation.path_parameters}  # /watches/{watch_id}/
    case = operation.Case(body=body, media_type="application/json", path_parameters=ids)
    response = case.call(headers={"Authorization": f"Token {token}"})
    case.validate_response(response, checks=[checks.not_a_server_error, *CONFORMANCE])
    assert response.status_code == 400
    assert response.json() == {"message": {"json": TOO_DEEP}}
