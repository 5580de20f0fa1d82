"""Logs an operator's tools read: a request id echoed in ``X-Request-ID`` and carried by every
line of the request, check lines with the project id and outcome, and ``LOG_FORMAT=json``
writing one valid JSON object per line (plain text stays the default)."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from releasemon.operations.logs import AddRequestId, JsonFormatter
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

REPOSITORY = Path(__file__).resolve().parents[2]


def test_every_answer_carries_a_request_id(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first["X-Request-ID"]) == 32 and first["X-Request-ID"] != second["X-Request-ID"]


def test_a_proxys_request_id_is_kept_and_a_hostile_one_replaced(client):
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a9c21-0001")
    assert kept["X-Request-ID"] == "lb-7f3a9c21-0001"
    for hostile in ("x", "a" * 65, "<script>alert(1)</script>", "id with spaces here"):
        answer = client.get("/healthz", HTTP_X_REQUEST_ID=hostile)
        assert answer["X-Request-ID"] != hostile and len(answer["X-Request-ID"]) == 32


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the service's loggers write, as LOG_FORMAT=json writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(AddRequestId())
    logger = logging.getLogger("projects")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.DEBUG)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_a_checks_log_line_carries_the_request_id_project_and_outcome(client, upstream, json_lines):
    project = ProjectFactory(name="widget", version_url=f"{upstream}/gone/")
    client.force_login(UserFactory())

    answer = client.post(f"/project/{project.pk}/check")

    lines = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    (checked,) = [line for line in lines if line.get("project_id") == project.pk]
    assert checked["request_id"] == answer["X-Request-ID"]
    assert checked["outcome"] == "error" and checked["backend"] == "custom"
    assert checked["level"] == "INFO" and checked["logger"] == "projects.checks"
    assert checked["time"].endswith("+00:00")


def _logged_by_a_process(log_format: str | None) -> str:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "releasemon.settings",
        "SECRET_KEY": "logs-test",
        "PYTHONPATH": str(REPOSITORY),
    }
    env.pop("LOG_FORMAT", None)
    if log_format:
        env["LOG_FORMAT"] = log_format
    script = textwrap.dedent(
        """
        import logging, django
        django.setup()
        log = logging.getLogger("projects.checks")
        log.warning("two\\nlines, quotes \\" and unicode é")
        try:
            1 / 0
        except ZeroDivisionError:
            log.exception("it broke")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=REPOSITORY, capture_output=True, check=True
    )
    return done.stderr.decode()


def test_json_logs_are_one_valid_object_per_line():
    lines = _logged_by_a_process("json").splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == 'two\nlines, quotes " and unicode é'
    assert first["level"] == "WARNING" and "request_id" not in first
    assert "ZeroDivisionError" in second["exception"]


def test_plain_text_stays_the_default():
    text = _logged_by_a_process(None)
    assert "WARNING projects.checks [-]: two" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text.splitlines()[0])
