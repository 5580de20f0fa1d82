"""Logs an operator's tools read: a request id echoed in ``X-Request-ID`` and carried by every
line of the request (the service's own, and Django's about a 404 or a 500), check lines with
the project id and outcome, and ``LOG_FORMAT=json`` writing one valid JSON object per line,
Python's warnings and a real gunicorn's own lines included (plain text stays the default)."""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from gunicorn.config import Config

from releasemon.operations import views as operations
from releasemon.operations.gunicorn_logs import Logger
from releasemon.operations.logs import AddRequestId, JsonFormatter, configure, logging_settings
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


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The service's logging exactly as ``LOG_FORMAT=json`` configures it (Django's loggers,
    the request id filter, the formatter), its one handler writing into a buffer."""
    (console,) = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, AddRequestId) for f in handler.filters)
    ]
    stream = io.StringIO()
    config = logging_settings("json", "DEBUG")
    config["handlers"]["console"]["stream"] = stream
    configure(config)
    yield stream
    handlers = {"console": {**settings.LOGGING["handlers"]["console"], "stream": console.stream}}
    configure({**settings.LOGGING, "handlers": handlers})


def lines_of(stream: io.StringIO) -> list[dict]:
    """Every line written, each parsed as JSON (a line that is not fails the test)."""
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_every_line_of_a_request_carries_its_id(client, upstream, json_log):
    project = ProjectFactory(name="widget", version_url=f"{upstream}/downloads/")
    client.force_login(UserFactory())

    answer = client.post(f"/project/{project.pk}/check")

    assert answer.status_code == 302
    lines = lines_of(json_log)
    assert lines and {line["logger"] for line in lines} >= {"projects.checks"}
    assert {line.get("request_id") for line in lines} == {answer["X-Request-ID"]}


@pytest.mark.parametrize(
    "path",
    [
        "/no/such/page/",  # no route: Django raises, and logs within the middlewares
        "/api/v2/projects/999999/",  # the API answers 404: Django logs after them
    ],
)
def test_djangos_line_about_a_404_carries_the_request_id(client, json_log, path):
    answer = client.get(path, HTTP_X_REQUEST_ID="proxy-id-404-0001")

    assert answer.status_code == 404 and answer["X-Request-ID"] == "proxy-id-404-0001"
    (line,) = [line for line in lines_of(json_log) if line["logger"] == "django.request"]
    assert line["message"] == f"Not Found: {path}" and line["level"] == "WARNING"
    assert line["request_id"] == "proxy-id-404-0001" and line["status_code"] == 404


def test_djangos_line_about_a_500_carries_the_request_id_and_the_traceback(
    client, json_log, monkeypatch
):
    def broken(now=None):
        raise RuntimeError("the database caught fire")

    monkeypatch.setattr(operations, "readiness", broken)
    client.raise_request_exception = False

    answer = client.get("/readyz")

    assert answer.status_code == 500
    lines = lines_of(json_log)
    (line,) = [line for line in lines if line["logger"] == "django.request"]
    assert line["message"] == "Internal Server Error: /readyz" and line["level"] == "ERROR"
    assert line["request_id"] == answer["X-Request-ID"] and line["status_code"] == 500
    assert "RuntimeError: the database caught fire" in line["exception"]
    assert {line.get("request_id") for line in lines} == {answer["X-Request-ID"]}


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
        import warnings
        warnings.warn("this setting will go away", DeprecationWarning, stacklevel=1)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=REPOSITORY, capture_output=True, check=True
    )
    return done.stderr.decode()


def test_json_logs_are_one_valid_object_per_line():
    lines = _logged_by_a_process("json").splitlines()
    assert len(lines) == 3
    first, second, warned = (json.loads(line) for line in lines)
    assert first["message"] == 'two\nlines, quotes " and unicode é'
    assert first["level"] == "WARNING" and "request_id" not in first
    assert "ZeroDivisionError" in second["exception"]
    # Python's warnings are lines too, in the same format.
    assert warned["logger"] == "py.warnings" and warned["level"] == "WARNING"
    assert "DeprecationWarning: this setting will go away" in warned["message"]


def test_plain_text_stays_the_default():
    text = _logged_by_a_process(None)
    assert "WARNING projects.checks [-]: two" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text.splitlines()[0])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, request_id: str) -> tuple[int, str]:
    """(status, the X-Request-ID answered) of a GET with ``request_id`` as the proxy's id."""
    request = urllib.request.Request(url, headers={"X-Request-ID": request_id})
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            return answer.status, answer.headers["X-Request-ID"]
    except urllib.error.HTTPError as error:
        return error.code, error.headers["X-Request-ID"]


def test_under_gunicorn_every_line_is_json_and_requests_carry_their_id(tmp_path):
    """A real gunicorn started as the systemd unit starts it (gunicorn.conf.py), on a free
    port of 127.0.0.1: its own lines, its access lines, the service's and Django's are all
    JSON, and each request's lines carry the id its answer was sent with. The database has
    no tables, so the project page fails: a real 500."""
    unit = (REPOSITORY / "docs/deploy/systemd/releasemon-web.service").read_text()
    assert "bin/gunicorn --config /opt/releasemon/gunicorn.conf.py" in unit
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "releasemon.settings",
        "SECRET_KEY": "logs-test",
        "LOG_FORMAT": "json",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "PYTHONPATH": str(REPOSITORY),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    command = [sys.executable, "-m", "gunicorn", "--config", str(REPOSITORY / "gunicorn.conf.py")]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--graceful-timeout", "5"]
    with out.open("wb") as stdout, err.open("wb") as stderr:
        server = subprocess.Popen(command, cwd=REPOSITORY, env=env, stdout=stdout, stderr=stderr)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    assert _get(f"{base}/healthz", "warming-up-0001")[0] == 200
                    break
                except OSError:
                    assert server.poll() is None and time.monotonic() < deadline, err.read_text()
                    time.sleep(0.2)
            answers = {
                path: _get(base + path, f"gunicorn-test-{index:04d}")
                for index, path in enumerate(["/healthz", "/no/such/page/", "/project/1/"])
            }
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)

    assert {path: status for path, (status, _) in answers.items()} == {
        "/healthz": 200,
        "/no/such/page/": 404,
        "/project/1/": 500,
    }
    access = [json.loads(line) for line in out.read_text().splitlines()]
    errors = [json.loads(line) for line in err.read_text().splitlines()]
    messages = [line["message"] for line in errors if line["logger"] == "gunicorn.error"]
    assert any(m.startswith("Listening at: http://127.0.0.1:") for m in messages), messages
    assert any(m.startswith("Booting worker") for m in messages), messages
    for path, (status, request_id) in answers.items():
        (line,) = [line for line in access if line.get("request_id") == request_id]
        assert line["logger"] == "gunicorn.access" and line["path"] == path
        assert line["status_code"] == status and line["method"] == "GET"
        assert line["message"] == f"GET {path} HTTP/1.1 {status}"
    django = {line["message"]: line for line in errors if line["logger"] == "django.request"}
    assert django["Not Found: /no/such/page/"]["request_id"] == answers["/no/such/page/"][1]
    failed = django["Internal Server Error: /project/1/"]
    assert failed["request_id"] == answers["/project/1/"][1] and "Traceback" in failed["exception"]


def test_gunicorns_lines_follow_log_format(monkeypatch, tmp_path):
    """Plain by default (gunicorn's own format), JSON with LOG_FORMAT=json, plain when the
    configuration cannot be read (the workers then stop with the reason)."""
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    monkeypatch.delenv("RELEASEMON_CONFIG", raising=False)
    cfg = Config()
    cfg.set("accesslog", "-")
    logger = Logger(cfg)
    try:

        def formatters() -> list[type]:
            handlers = [*logger.error_log.handlers, *logger.access_log.handlers]
            assert len(handlers) == 2
            return [type(handler.formatter) for handler in handlers]

        assert JsonFormatter not in formatters()
        monkeypatch.setenv("LOG_FORMAT", "json")
        logger.setup(cfg)
        assert formatters() == [JsonFormatter, JsonFormatter]
        monkeypatch.setenv("RELEASEMON_CONFIG", str(tmp_path / "missing.toml"))
        logger.setup(cfg)
        assert JsonFormatter not in formatters()
    finally:
        for log in (logger.error_log, logger.access_log):
            for handler in list(log.handlers):
                log.removeHandler(handler)
