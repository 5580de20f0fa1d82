"""Configuration: environment variables over an optional TOML file over defaults.

The TOML file (named by ``RELEASEMON_CONFIG``) accepts Anitya's keys, lower-case as in
``anitya.toml``, so an Anitya operator can reuse their file. Environment variables use the same
names upper-cased (``DB_URL`` or ``DATABASE_URL``, ``SECRET_KEY``, ``CRON_POOL``, ...).
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

# Anitya's default regex and the regex time limit are the backends' own defaults.
from backends.config import DEFAULT_REGEX, DEFAULT_REGEX_TIMEOUT

DEFAULT_SECRET_KEY = "changeme please"

# Every key the service reads, with its default. Keys Anitya had keep Anitya's defaults where
# they still make sense; ``None`` means "not set".
DEFAULTS: dict[str, Any] = {
    "DEBUG": False,
    "SECRET_KEY": None,
    "DB_URL": None,
    "ALLOWED_HOSTS": ["127.0.0.1", "localhost", "[::1]"],
    "CSRF_TRUSTED_ORIGINS": [],
    "SITE_URL": "http://127.0.0.1:8000",
    "ADMIN_EMAIL": "admin@example.org",
    "ANITYA_WEB_ADMINS": [],
    "BLACKLISTED_USERS": [],
    "PERMANENT_SESSION_LIFETIME": 3600 * 24 * 14,
    "DEFAULT_REGEX": DEFAULT_REGEX,
    "GITHUB_ACCESS_TOKEN": None,
    # More tokens for the GitHub backend, used in turn with GITHUB_ACCESS_TOKEN (a list; in the
    # environment a JSON list or comma-separated), and a GitHub App whose installation tokens
    # join them (docs/operations.md, "GitHub tokens").
    "GITHUB_ACCESS_TOKENS": [],
    "GITHUB_APP_ID": 0,
    "GITHUB_APP_INSTALLATION_ID": 0,
    "GITHUB_APP_PRIVATE_KEY_FILE": "",
    # Threads per check task: at 50 ms upstreams two tasks of 10 mostly waited (issue 18).
    "CRON_POOL": 20,
    "CHECK_TIMEOUT": 600,
    "CHECK_ERROR_THRESHOLD": 100,
    # Checks people ask for (projects/limits.py): one full check of a project per interval
    # (seconds; 0: no limit), and how many previews or full checks run at once per user and
    # per web process (keep the latter below the web server's threads per process).
    "FORCED_CHECK_INTERVAL": 60,
    "PREVIEW_CONCURRENCY_PER_USER": 2,
    "PREVIEW_CONCURRENCY_PER_PROCESS": 2,
    "CHECK_BATCH_SIZE": 200,
    # How many q2 tasks share one check cycle (0: one per q2 worker but one, at least 1).
    "CHECK_TASKS": 0,
    "Q2_WORKERS": 3,
    "ADAPTIVE_SCHEDULING": False,
    "ADAPTIVE_MAX_INTERVAL_HOURS": 24,
    "DISTRO_MAPPING_LINKS": {},
    "LOCAL_ACCOUNTS": True,
    "HTTP_CONNECT_TIMEOUT": 10.0,
    "HTTP_READ_TIMEOUT": 30.0,
    "HTTP_MAX_RESPONSE_BYTES": 32 * 1024 * 1024,
    "HTTP_MAX_REDIRECTS": 5,
    "FETCH_ALLOWED_NETWORKS": [],
    "REGEX_TIMEOUT": DEFAULT_REGEX_TIMEOUT,
    # What one check may cost in all (backends/budget.py).
    "CHECK_DEADLINE": 60.0,
    "PREVIEW_DEADLINE": 20.0,
    "CHECK_MAX_BYTES": 64 * 1024 * 1024,
    "CHECK_MAX_PAGES": 50,
    "CHECK_MAX_VERSIONS": 10_000,
    "CHECK_MAX_NEW_VERSIONS": 5_000,
    "PYPI_SIMPLE_CREDENTIALS": {},
    "AMQP_URL": None,
    "AMQP_EXCHANGE": "amq.topic",
    "AMQP_TOPIC_PREFIX": "org.release-monitoring.prod",
    "OUTBOX_RETENTION_DAYS": 30,
    # Notifications (docs/notifications.md): how long a delivery is retried, after how many
    # days of failures a webhook is switched off, one webhook request's time limit (seconds)
    # and how many deliveries one worker sends at once; how many q2 tasks share a digest run.
    "NOTIFY_RETRY_HOURS": 26,
    "NOTIFY_DISABLE_AFTER_DAYS": 3,
    "NOTIFY_WEBHOOK_TIMEOUT": 10.0,
    "NOTIFY_DELIVERY_THREADS": 8,
    "NOTIFY_DIGEST_WORKERS": 2,
    "Q2_BROKER": "orm",
    "REDIS_URL": None,
    # Outgoing mail (address verification): EMAIL_URL, or EMAIL_HOST and friends; see
    # email_settings(). Nothing set: mails are printed on the console.
    "EMAIL_URL": None,
    "EMAIL_HOST": "",
    "EMAIL_PORT": 0,
    "EMAIL_HOST_USER": "",
    "EMAIL_HOST_PASSWORD": "",
    "EMAIL_USE_TLS": False,
    "EMAIL_USE_SSL": False,
    "DEFAULT_FROM_EMAIL": "",
    "OIDC_PROVIDERS": [],
    # Anitya's Fedora Accounts and Google sign-in keys (accounts/providers.py).
    "FEDORA_CLIENT_ID": "",
    "FEDORA_CLIENT_SECRET": "",
    "FEDORA_SERVER_METADATA_URL": "",
    "GOOGLE_CLIENT_ID": "",
    "GOOGLE_CLIENT_SECRET": "",
    "GOOGLE_SERVER_METADATA_URL": "",
    "GITHUB_CLIENT_ID": "",
    "GITHUB_CLIENT_SECRET": "",
    "GITLAB_CLIENT_ID": "",
    "GITLAB_CLIENT_SECRET": "",
    "GITLAB_URL": "https://gitlab.com",
    "API_THROTTLE_ANON": "600/hour",
    "API_THROTTLE_USER": "3600/hour",
    "LOG_LEVEL": "INFO",
    # Seconds a PostgreSQL connection is kept after a request or task (0: closed each time,
    # as PgBouncer in transaction mode wants; docs/production.md).
    "DB_CONN_MAX_AGE": 60,
    # "plain" lines, or "json": one object per line (releasemon/operations/logs.py).
    "LOG_FORMAT": "plain",
    # Error reports to Sentry (or a compatible service) when set; see docs/production.md.
    "SENTRY_DSN": "",
    "SENTRY_ENVIRONMENT": "production",
    "SENTRY_TRACES_SAMPLE_RATE": 0.0,
    # /readyz (releasemon/operations/readiness.py): how long, in seconds, a project may wait
    # once due, the oldest unsent message, and the oldest due notification, before it is 503.
    "READY_CHECK_MAX_AGE": 900.0,
    "READY_OUTBOX_MAX_AGE": 300.0,
    "READY_DELIVERY_MAX_AGE": 900.0,
    # /metrics (releasemon/operations/metrics.py): who may read it.
    "METRICS_ALLOWED_NETWORKS": ["127.0.0.1/32", "::1/128"],
    "METRICS_TOKEN": "",
}

# Environment variables that are spelled differently from their key.
ENV_ALIASES = {"DATABASE_URL": "DB_URL", "RELEASEMON_DEBUG": "DEBUG"}


class ConfigError(Exception):
    """The configuration cannot be used; the message is one line naming the file and problem."""


def load_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a TOML configuration file and return its keys upper-cased."""
    file = Path(path)
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{file}: configuration file not found") from None
    except OSError as error:
        raise ConfigError(f"{file}: cannot read configuration file: {error.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{file}: configuration file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{file}: invalid TOML: {error}") from None
    return {key.upper(): value for key, value in data.items()}


def _coerce(key: str, value: str, default: Any) -> Any:
    """Turn an environment string into the type of the key's default."""
    if isinstance(default, bool):
        lowered = value.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigError(f"environment variable {key}: expected true or false, got {value!r}")
    if isinstance(default, int):
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"environment variable {key}: expected a whole number") from None
    if isinstance(default, float):
        try:
            return float(value)
        except ValueError:
            raise ConfigError(f"environment variable {key}: expected a number") from None
    if isinstance(default, list | dict):
        stripped = value.strip()
        if stripped.startswith(("[", "{")):
            try:
                return json.loads(stripped)
            except json.JSONDecodeError as error:
                raise ConfigError(f"environment variable {key}: invalid JSON: {error}") from None
        if isinstance(default, list):
            return [item.strip() for item in value.split(",") if item.strip()]
        raise ConfigError(f"environment variable {key}: expected a JSON object")
    return value


def _check_types(values: Mapping[str, Any], source: str) -> None:
    for key, value in values.items():
        default = DEFAULTS.get(key)
        if default is None or value is None:
            continue
        expected: type | tuple[type, ...] = type(default)
        if isinstance(default, float):
            expected = (int, float)
        if isinstance(default, bool) != isinstance(value, bool) or not isinstance(value, expected):
            raise ConfigError(
                f"{source}: {key.lower()} must be {type(default).__name__}, "
                f"got {type(value).__name__}"
            )


def load(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The effective configuration: defaults, then the TOML file, then the environment."""
    environ = os.environ if environ is None else environ
    config = dict(DEFAULTS)
    path = environ.get("RELEASEMON_CONFIG")
    if path:
        from_file = load_file(path)
        _check_types(from_file, str(path))
        config.update(from_file)
    for name, value in environ.items():
        key = ENV_ALIASES.get(name, name)
        if key in DEFAULTS:
            config[key] = _coerce(name, value, DEFAULTS[key])
    return config


def is_set(key: str, environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``key`` is configured (by the environment or the TOML file), not defaulted."""
    environ = os.environ if environ is None else environ
    if any(ENV_ALIASES.get(name, name) == key for name in environ):
        return True
    path = environ.get("RELEASEMON_CONFIG")
    return path is not None and path != "" and key in load_file(path)


# -- outgoing mail --------------------------------------------------------------------------------

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_BACKENDS = {
    "smtp": SMTP_BACKEND,
    "smtps": SMTP_BACKEND,
    "console": CONSOLE_BACKEND,
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}
# Seconds an SMTP conversation may take (Django's default waits forever, and so would sign-up).
EMAIL_TIMEOUT = 10
_SMTP_KEYS = (
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
)


def _url_flag(options: dict[str, list[str]], name: str, default: bool) -> bool:
    if name not in options:
        return default
    value = options[name][-1].strip().lower()
    if value in {"1", "true", "yes", "on", ""}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"email_url: {name}={value!r} must be 1 or 0")


def parse_email_url(url: str) -> dict[str, Any]:
    """Django's ``EMAIL_*`` settings for an ``EMAIL_URL``.

    ``smtp://user:password@host:587?tls=1`` (STARTTLS), ``smtps://user:password@host``
    (TLS from the first byte), ``smtp://host`` (plain, port 25), ``console://`` (print the
    mails) or ``dummy://`` (drop them). User and password are percent-decoded; the options are
    ``tls``, ``ssl`` and ``timeout`` (seconds). ``EMAIL_PORT`` is None when the URL names no
    port. Raises ConfigError, without repeating the password, when the URL is malformed.
    """
    parts = urlsplit(str(url).strip())
    scheme = parts.scheme.lower()
    if scheme not in EMAIL_BACKENDS:
        raise ConfigError(
            f"email_url: unknown scheme {parts.scheme or '(none)'!r}: "
            "use smtp://, smtps://, console:// or dummy://"
        )
    values: dict[str, Any] = {"EMAIL_BACKEND": EMAIL_BACKENDS[scheme]}
    if values["EMAIL_BACKEND"] != SMTP_BACKEND:
        return values
    try:
        port = parts.port
    except ValueError:
        raise ConfigError("email_url: the port must be a number from 1 to 65535") from None
    if not parts.hostname:
        raise ConfigError(f"email_url: {scheme}:// needs the mail server's host name")
    if parts.path not in {"", "/"} or parts.fragment:
        raise ConfigError(f"email_url: {scheme}://host names no path; options go after '?'")
    options = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(options) - {"tls", "ssl", "timeout"})
    if unknown:
        raise ConfigError(f"email_url: unknown option {unknown[0]!r} (known: tls, ssl, timeout)")
    timeout: float = EMAIL_TIMEOUT
    if "timeout" in options:
        try:
            timeout = float(options["timeout"][-1])
        except ValueError:
            raise ConfigError("email_url: timeout must be a number of seconds") from None
    values.update(
        EMAIL_HOST=parts.hostname,
        EMAIL_PORT=port,
        EMAIL_HOST_USER=unquote(parts.username or ""),
        EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
        EMAIL_USE_TLS=_url_flag(options, "tls", False),
        EMAIL_USE_SSL=_url_flag(options, "ssl", scheme == "smtps"),
        EMAIL_TIMEOUT=timeout,
    )
    return values


def task_queue_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """django-q2's Q_CLUSTER: the database as broker, or Redis with Q2_BROKER=redis."""
    cluster: dict[str, Any] = {
        "name": "releasemon",
        "workers": config["Q2_WORKERS"],
        # q2 stops a task a minute after its check's own deadline; its retry must come later.
        "timeout": config["CHECK_TIMEOUT"] + 60,
        "retry": config["CHECK_TIMEOUT"] + 120,
        "max_attempts": 1,
        "catch_up": False,
        "orm": "default",
        "poll": 1,
        "ack_failures": True,
        "label": "Task queue",
    }
    if config["Q2_BROKER"] == "redis" and config["REDIS_URL"]:
        del cluster["orm"]
        cluster["redis"] = config["REDIS_URL"]
    return cluster


def email_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """Django's mail settings from the configuration.

    ``EMAIL_URL`` when set, else an SMTP server named by ``EMAIL_HOST`` (with ``EMAIL_PORT``,
    ``EMAIL_HOST_USER``, ``EMAIL_HOST_PASSWORD``, ``EMAIL_USE_TLS``, ``EMAIL_USE_SSL``), else the
    console backend. Those keys set next to an SMTP ``EMAIL_URL`` override its parts (e.g. a
    password kept out of the URL). The sender is ``DEFAULT_FROM_EMAIL``, else ``ADMIN_EMAIL``.
    """
    host = str(config.get("EMAIL_HOST") or "")
    if config.get("EMAIL_URL"):
        values = parse_email_url(str(config["EMAIL_URL"]))
    elif host:
        values = {"EMAIL_BACKEND": SMTP_BACKEND, "EMAIL_HOST": host, "EMAIL_TIMEOUT": EMAIL_TIMEOUT}
    else:
        stray = [key for key in _SMTP_KEYS if config.get(key)]
        if stray:
            raise ConfigError(
                f"{stray[0].lower()} is set, but neither email_url nor email_host names the "
                "mail server"
            )
        values = {"EMAIL_BACKEND": CONSOLE_BACKEND}
    if values["EMAIL_BACKEND"] == SMTP_BACKEND:
        if host:
            values["EMAIL_HOST"] = host
        for key in ("EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD"):
            if config.get(key):
                values[key] = config[key]
        for key in ("EMAIL_USE_TLS", "EMAIL_USE_SSL"):
            values[key] = bool(values.get(key) or config.get(key))
        if values["EMAIL_USE_TLS"] and values["EMAIL_USE_SSL"]:
            raise ConfigError(
                "email: STARTTLS (tls, email_use_tls) and TLS from the start (smtps://, ssl, "
                "email_use_ssl) exclude each other; choose one"
            )
        port = values.get("EMAIL_PORT")
        if not port:
            port = 465 if values["EMAIL_USE_SSL"] else 587 if values["EMAIL_USE_TLS"] else 25
        if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
            raise ConfigError("email_port must be a number from 1 to 65535")
        values["EMAIL_PORT"] = port
    values["DEFAULT_FROM_EMAIL"] = str(
        config.get("DEFAULT_FROM_EMAIL") or config.get("ADMIN_EMAIL") or "webmaster@localhost"
    )
    return values
