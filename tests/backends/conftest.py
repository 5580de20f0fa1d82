"""Fixtures for backend tests: stubbed DNS, a `responses` mock, and recorded upstream answers.

There is no network here, and external names must not resolve to addresses the SSRF guard
refuses, so every hostname resolves to one public address unless a test says otherwise.
Recorded answers live in ``tests/fixtures/upstream-recordings`` (its README says where they
come from); a missing one fails the tests that need it.
The helpers at the end replay a recording the way every upstream's tests do, compare its
result with the case's ``expected`` as the pipeline would see it, and check failure answers.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import fields as dataclass_fields
from email.message import Message
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from backends import http
from backends.base import BackendError, ProjectSpec, Release
from backends.http import guard
from backends.registry import get_backend, resolve_scheme_name
from backends.versions import is_filtered, make_version, sort_versions

# An address outside every range the guard refuses (it is not contacted: `responses` answers).
PUBLIC_ADDRESS = "93.184.215.14"

REPO_ROOT = Path(__file__).resolve().parents[2]
RECORDINGS = REPO_ROOT / "tests" / "fixtures" / "upstream-recordings"

# Hop-by-hop or body-framing headers: the recorded body is already decoded and reframed.
_DROPPED_HEADERS = {"content-length", "content-encoding", "transfer-encoding"}
_SPEC_FIELDS = {f.name for f in dataclass_fields(ProjectSpec)}


@pytest.fixture(autouse=True)
def public_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Resolve every hostname to a public address, so mocked upstream calls pass the guard.

    IP literals in URLs are never resolved, so the guard still refuses ``http://127.0.0.1/``.
    Tests of the guard itself monkeypatch ``backends.http.guard.resolve_host`` again or pass a
    ``resolver`` to the client.
    """
    monkeypatch.setattr(guard, "resolve_host", lambda host, port: [PUBLIC_ADDRESS])


@pytest.fixture(autouse=True)
def github_pool_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """No database here: GitHub tokens set through ``settings`` rotate within each check
    (backends.github_tokens.LocalTokenPool), not through the database pool of the web app."""
    from projects import backend_settings

    monkeypatch.setattr(backend_settings, "github_pool_in_database", False)


@pytest.fixture
def mock_http() -> Iterator[responses.RequestsMock]:
    """An active `responses` mock; unregistered URLs raise ConnectionError (-> FetchError)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@cache
def _load(filename: str) -> dict[str, Any]:
    """One recording file; a missing one is an error (at collection), never a skip."""
    return json.loads((RECORDINGS / filename).read_text(encoding="utf-8"))


def recording_cases(filename: str) -> list[Any]:
    """The cases of one recording file, as ``pytest.param``s named after their ids.

    Use with ``@pytest.mark.parametrize("case", recording_cases("pypi.json"))``. Each case
    carries its ``backend`` even where only the file names it.
    """
    data = _load(filename)
    params = []
    for case in data["cases"]:
        case = {"backend": data.get("backend", ""), **case}
        params.append(pytest.param(case, id=case["id"]))
    return params


def _charset(content_type: str | None) -> str:
    if not content_type:
        return "utf-8"
    message = Message()
    message["content-type"] = content_type
    return message.get_content_charset() or "utf-8"


def _body_bytes(interaction: dict[str, Any], content_type: str | None) -> bytes:
    body = interaction.get("body") or ""
    if interaction.get("body_encoding") == "base64":
        return base64.b64decode(body)
    # Re-encode with the charset the upstream declared, so the client decodes it back exactly.
    try:
        return body.encode(_charset(content_type))
    except (LookupError, UnicodeEncodeError):
        return body.encode("utf-8")


def replay(mock: responses.RequestsMock, case: dict[str, Any]) -> None:
    """Register a case's recorded interactions, in order, with an active `responses` mock.

    URLs match exactly, query string included. The same URL recorded twice answers in order.
    Redirects are replayed as recorded (status + Location), for the client to follow.
    Request bodies are not matched: our queries may be spelled differently from Anitya's.
    """
    for interaction in case["interactions"]:
        headers: dict[str, str] = {}
        content_type = None
        for key, value in (interaction.get("headers") or {}).items():
            lowered = key.lower()
            if lowered in _DROPPED_HEADERS:
                continue
            if lowered == "content-type":
                content_type = value
                continue
            headers[key] = value
        mock.add(
            interaction.get("method", "GET").upper(),
            interaction["url"],
            body=_body_bytes(interaction, content_type),
            status=int(interaction["status"]),
            headers=headers,
            content_type=content_type,
        )


def make_spec(case: dict[str, Any] | None = None, /, **fields: Any) -> ProjectSpec:
    """A ProjectSpec from a recording case's ``project`` (plus overrides in ``fields``).

    Keys ProjectSpec does not have are ignored; ``backend`` comes from the case.
    """
    values: dict[str, Any] = {"name": "", "homepage": "", "backend": ""}
    if case is not None:
        values["backend"] = case.get("backend", "")
        values.update(case.get("project") or {})
    values.update(fields)
    values = {key: value for key, value in values.items() if key in _SPEC_FIELDS}
    if values.get("homepage") is None:
        values["homepage"] = ""
    if isinstance(values.get("stored_versions"), list):
        values["stored_versions"] = tuple(values["stored_versions"])
    return ProjectSpec(**values)


def apply_config(settings: Any, case: dict[str, Any]) -> None:
    """Put a case's ``config`` (e.g. GITHUB_ACCESS_TOKEN) on pytest-django's ``settings``."""
    for key, value in (case.get("config") or {}).items():
        setattr(settings, key, value)


def recorded_case(filename: str, case_id: str) -> dict[str, Any]:
    """The case ``case_id`` of one recording file (with its ``backend``), for a single test."""
    return next(param.values[0] for param in recording_cases(filename) if param.id == case_id)


def fetch_recording(case: dict[str, Any]) -> list[Release]:
    """Run a case's check with its backend and a client like the pipeline's; replay it first."""
    project = make_spec(case)
    return get_backend(project.backend).fetch(project, http.HttpClient(insecure=project.insecure))


def recording_error(case: dict[str, Any]) -> BackendError:
    """The :class:`BackendError` a case's check raises (replay it first); it must raise one."""
    with pytest.raises(BackendError) as raised:
        fetch_recording(case)
    return raised.value


def pipeline_versions(case: dict[str, Any], releases: list[Release]) -> tuple[list[str], list[str]]:
    """``(raw, ordered)``: the versions the project's filter keeps, in the upstream's order and
    sorted oldest first by the project's scheme, as :mod:`backends.pipeline` would see them
    (releases the upstream withdrew left out)."""
    project = make_spec(case)
    raw = [
        r.version
        for r in releases
        if not r.withdrawn
        and not is_filtered(r.version, project.version_filter, project.version_prefix)
    ]
    scheme = resolve_scheme_name(project.version_scheme, project.ecosystem_name, project.backend)
    ordered = [
        v.raw
        for v in sort_versions(
            make_version(r, scheme=scheme, version_prefix=project.version_prefix) for r in raw
        )
    ]
    return raw, ordered


def assert_matches_recording(case: dict[str, Any], releases: list[Release]) -> None:
    """Assert that ``releases`` give what the case's ``expected`` recorded.

    ``version``: the newest version. ``versions``: the list, in version order when ``order``
    is ``version_ascending``, else in the upstream's order; compared as sets of names when
    ``compare`` is ``sorted`` or ``order`` is ``any``, else exactly.
    """
    expected = case["expected"]
    raw, ordered = pipeline_versions(case, releases)
    if expected["kind"] == "version":
        assert ordered[-1] == expected["value"]
        return
    assert expected["kind"] == "versions"
    found = ordered if expected.get("order") == "version_ascending" else raw
    if expected.get("compare") == "sorted" or expected.get("order") == "any":
        assert sorted(found) == sorted(expected["value"])
    else:
        assert found == expected["value"]


def timeout_param(message: str) -> Any:
    """The ``(answer, error, message)`` row of a failure table for an upstream that never
    accepts the connection: a :class:`BackendError` whose text ``message`` must search."""
    answer = {"body": requests.exceptions.ConnectTimeout()}
    return pytest.param(answer, BackendError, message, id="timeout")


def upstream_failure(
    mock: responses.RequestsMock,
    url: str,
    answer: dict[str, Any],
    error: type[Exception],
    fetch: Callable[[], object],
    *,
    match: str | None = None,
    method: str = "GET",
) -> Exception:
    """Answer ``url`` with ``answer`` (``responses`` keywords: status, body, json, headers...),
    call ``fetch`` and return the ``error`` it must raise (whose text ``match`` must search)."""
    mock.add(method, url, **answer)
    with pytest.raises(error, match=match) as raised:
        fetch()
    return raised.value
