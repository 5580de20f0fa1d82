"""Logs an operator's tools can read: a request id on every line of a request, and one JSON
object per line when ``LOG_FORMAT=json``.

- :class:`RequestId` (the first middleware) takes the caller's ``X-Request-ID`` when it is a
  plain token (a proxy's or a load balancer's id, so one id follows the request through
  them), else makes one, keeps it for the request's log lines and echoes it in the answer's
  ``X-Request-ID`` header.
- :class:`AddRequestId` (a logging filter on the handler) puts it on every record logged while
  the request runs, in any thread that copied the context, and on Django's own lines about a
  request (``django.request``: a 404, a 500), which Django may write after the middlewares
  have returned: those carry the request itself.
- :class:`JsonFormatter`: ``time``, ``level``, ``logger``, ``message``, ``request_id``, and the
  ``project_id`` and ``outcome`` that a check's lines carry (``extra=``), the status code of
  Django's and gunicorn's lines about a request, the traceback as ``exception``. Plain text
  stays the default.
- :func:`configure` (Django's ``LOGGING_CONFIG``) also routes Python's warnings to logging
  (``py.warnings``), so that they are lines in the same format. gunicorn's own lines go
  through :mod:`~releasemon.operations.gunicorn_logs`.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import logging.config
import re
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "releasemon_request_id", default=None
)
#: A request id we take from the caller: a plain token, never a line break or markup.
INBOUND_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
HEADER = "X-Request-ID"
#: The request id of lines logged outside a request (tasks, commands).
NO_REQUEST = "-"
#: Where the middleware leaves the request's id in ``request.META``, for Django's own lines.
META_KEY = "releasemon.request_id"
#: Record attributes a JSON line carries when a log call set them (``extra=``).
CONTEXT_FIELDS = (
    "request_id",
    "project_id",
    "outcome",
    "backend",
    "host",
    "status_code",
    "method",
    "path",
    "duration_ms",
    "remote_addr",
)
LOG_FORMATS = ("plain", "json")
#: The loggers of the service's own apps, at LOG_LEVEL (the rest at WARNING).
OWN_LOGGERS = ("releasemon", "projects", "backends", "accounts", "messaging")


def logging_settings(log_format: str, level: str) -> dict[str, Any]:
    """Django's LOGGING for ``LOG_FORMAT`` and ``LOG_LEVEL``: one console handler, every line
    with its request id; ValueError (one line) for an unknown format. The settings call it:
    nothing here may need Django set up."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": f"{__name__}.AddRequestId"}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"},
            "json": {"()": f"{__name__}.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": "WARNING"},
        "loggers": {
            **{name: {"level": level, "propagate": True} for name in OWN_LOGGERS},
            # Django's lines go through the one handler too (its defaults add a plain console
            # while DEBUG is on, and e-mails to ADMINS, which releasemon has none of).
            "django": {"handlers": [], "level": "INFO", "propagate": True},
            "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }


def configure(config: dict[str, Any]) -> None:
    """Django's LOGGING_CONFIG: apply ``config`` and route Python's warnings to logging
    (``py.warnings``, at WARNING), so that they are lines like any other."""
    logging.config.dictConfig(config)
    logging.captureWarnings(True)


def current_request_id() -> str | None:
    return _request_id.get()


class RequestId:
    """Middleware: the request's id, taken or made, kept for its log lines, echoed back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        inbound = request.headers.get(HEADER, "")
        request_id = inbound if INBOUND_ID.fullmatch(inbound) else uuid.uuid4().hex
        request.META[META_KEY] = request_id
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response[HEADER] = request_id
        return response


class AddRequestId(logging.Filter):
    """Give every record the id of the request it was logged in (``-`` outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = _from_request(record) or _request_id.get() or NO_REQUEST
        return True


def _from_request(record: logging.LogRecord) -> str | None:
    """The id the middleware gave the request a record is about (Django's ``extra``)."""
    meta = getattr(getattr(record, "request", None), "META", None)
    found = meta.get(META_KEY) if isinstance(meta, dict) else None
    return found if isinstance(found, str) else None


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None and value != NO_REQUEST:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)
