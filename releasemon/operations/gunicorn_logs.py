"""gunicorn's own lines in releasemon's format: its error log (start, workers booted, timed out
or killed, shutdown) and its access log (one line a request). ``gunicorn.conf.py`` at the top
of the repository names :class:`Logger` as gunicorn's ``logger_class``.

With ``LOG_FORMAT=plain`` (the default) gunicorn writes as it always does. With
``LOG_FORMAT=json`` every line is one JSON object (:class:`~releasemon.operations.logs.
JsonFormatter`), and an access line carries the request id the answer was sent with (its
``X-Request-ID`` header), the method, path, status code, duration and the client's address.

gunicorn's master process reads the setting before any Django code runs, from the environment
and ``RELEASEMON_CONFIG`` as the settings do (:func:`releasemon.config.load`); nothing here
needs Django.
"""

from __future__ import annotations

import datetime as dt
import traceback
from typing import Any

from gunicorn import glogging
from gunicorn.config import Config

from releasemon import config
from releasemon.operations.logs import HEADER, JsonFormatter


def json_wanted() -> bool:
    """Whether releasemon's settings ask for JSON lines (an unreadable configuration leaves
    gunicorn's lines plain: the web workers then stop with the reason)."""
    try:
        return bool(config.load()["LOG_FORMAT"] == "json")
    except config.ConfigError:
        return False


class Logger(glogging.Logger):  # type: ignore[misc]  # gunicorn has no type hints: Any
    """gunicorn's logger, writing JSON lines when ``LOG_FORMAT=json``."""

    writes_json = False

    def setup(self, cfg: Config) -> None:
        super().setup(cfg)
        self.writes_json = json_wanted()
        if self.writes_json:
            formatter = JsonFormatter()
            for log in (self.error_log, self.access_log):
                for handler in log.handlers:
                    handler.setFormatter(formatter)

    def access(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: dt.timedelta
    ) -> None:
        if not self.writes_json:
            super().access(resp, req, environ, request_time)
            return
        if not getattr(self, "access_log_enabled", True):
            return
        try:
            atoms = self.atoms(resp, req, environ, request_time)
            status = int(str(atoms["s"]))
            self.access_log.info(
                "%s %s",
                atoms["r"],
                status,
                extra={
                    "request_id": atoms.get("{%s}o" % HEADER.lower()),  # noqa: UP031 (gunicorn's atom)
                    "status_code": status,
                    "method": atoms["m"],
                    "path": environ.get("RAW_URI") or atoms["U"],
                    "duration_ms": round(request_time.total_seconds() * 1000, 3),
                    "remote_addr": atoms["h"],
                },
            )
        except Exception:
            self.error(traceback.format_exc())
