"""Django settings, built from :mod:`releasemon.config` (environment + optional TOML file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import django_stubs_ext

from accounts.providers import ProviderConfigError, socialaccount_providers
from releasemon import config as _config
from releasemon.operations.logs import logging_settings

# Django's generic classes (ModelAdmin, ModelForm, QuerySet...) take type parameters at run
# time too, so annotations such as admin.ModelAdmin[Project] need no TYPE_CHECKING dance.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

CONFIG = _config.load()
RELEASEMON_VERSION = "0.1.0"


def _database(url: str | None) -> dict[str, Any]:
    """Translate a database URL (Anitya's SQLAlchemy style is accepted) into Django's form."""
    if not url:
        VAR_DIR.mkdir(exist_ok=True)
        url = f"sqlite:///{VAR_DIR / 'releasemon.sqlite3'}"
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme == "sqlite":
        # sqlite:////abs/path and sqlite:///relative/path, as SQLAlchemy spells them.
        name = unquote(url.split(":///", 1)[1]) if ":///" in url else ":memory:"
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            "OPTIONS": {
                # WAL lets the web server read while the q2 cluster writes; IMMEDIATE avoids
                # "database is locked" on lock upgrades; the timeout rides out short writes.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            "TEST": {"NAME": None},
        }
    if scheme in {"postgres", "postgresql", "pgsql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "releasemon",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": CONFIG["DB_CONN_MAX_AGE"],
            "CONN_HEALTH_CHECKS": True,
        }
    raise _config.ConfigError(
        f"database URL {parts.scheme}://...: only sqlite:// and postgresql:// are supported"
    )


def _secret_key() -> str:
    configured: str = CONFIG["SECRET_KEY"]
    if configured:
        return configured
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    return _config.DEFAULT_SECRET_KEY


DEBUG = CONFIG["DEBUG"]
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = CONFIG["ALLOWED_HOSTS"]
CSRF_TRUSTED_ORIGINS = CONFIG["CSRF_TRUSTED_ORIGINS"]
SITE_URL = CONFIG["SITE_URL"].rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    # Before allauth, so that the site's templates override allauth's layout.
    "releasemon",
    "allauth",
    # allauth's account and socialaccount apps, named apart from our "accounts" in the admin.
    "accounts.allauth_apps.EmailAddressesConfig",
    "accounts.allauth_apps.SignInProvidersConfig",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.gitlab",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "accounts",
    "projects",
    "projects.notify",
    "messaging",
]

MIDDLEWARE = [
    # First: every answer, even a refusal, carries the request id its log lines have.
    "releasemon.operations.logs.RequestId",
    "releasemon.operations.metrics.RequestMetrics",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the path, the query or the body: malformed ones get a 4xx.
    "projects.bad_input.RefuseBadInput",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous GETs of cached single-project answers skip the rest (projects/api/cached_lane.py).
    "projects.api.cached_lane.CachedLane",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After authentication: a banned user's session ends on their next request.
    "accounts.middleware.EndBannedSessions",
]

ROOT_URLCONF = "releasemon.urls"
WSGI_APPLICATION = "releasemon.wsgi.application"
ASGI_APPLICATION = "releasemon.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "releasemon.context_processors.site",
            ],
            # {% url %} with its links remembered per process (releasemon/remembered_urls.py).
            "builtins": ["releasemon.remembered_urls"],
        },
    },
]

DATABASES = {"default": _database(CONFIG["DB_URL"])}

# One cache for every process (projects/shared_cache.py): rate limits and other counters must agree
# across gunicorn workers and q2 clusters. Redis when REDIS_URL is set, else the database (its
# table is made by a migration, so SQLite and PostgreSQL need nothing else running).
if CONFIG["REDIS_URL"]:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CONFIG["REDIS_URL"],
            "KEY_PREFIX": "releasemon",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "projects.shared_cache.DatabaseCache",
            "LOCATION": "releasemon_cache",
            "KEY_PREFIX": "releasemon",
            # Counters of many clients must not be culled early; expired rows go first.
            "OPTIONS": {"MAX_ENTRIES": 200_000, "CULL_FREQUENCY": 4},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ActiveUserModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
SESSION_COOKIE_AGE = CONFIG["PERMANENT_SESSION_LIFETIME"]

SITE_ID = 1
LOCAL_ACCOUNTS = CONFIG["LOCAL_ACCOUNTS"]
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
# Nobody signs in with an address they have not proven: local sign-up mails a link (to
# SITE_URL, accounts/adapters.py) and sign-in waits until it is followed. Provider sign-ins
# count the provider's "verified" flag; an existing account is joined only through an address
# verified on both sides (accounts/adapters.py), so signing up with someone else's address
# never hands over their account.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
SOCIALACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[releasemon] "
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_ONLY = not LOCAL_ACCOUNTS
# Providers come from the configuration; each is enabled only when its client is configured.
try:
    SOCIALACCOUNT_PROVIDERS = socialaccount_providers(CONFIG)
except ProviderConfigError as error:
    # Reported like every other configuration error (manage.py: one line, no traceback).
    raise _config.ConfigError(str(error)) from None
# Sign-in buttons are forms posting to the provider's login URL (no sign-in by a mere link).
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_STORE_TOKENS = False
# GitHub: read /user/emails, whose "verified" flags decide who is matched by email.
SOCIALACCOUNT_QUERY_EMAIL = True
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10

# Outgoing mail (releasemon/config.py: email_settings): EMAIL_URL or EMAIL_HOST, else printed
# on the console. The test runner swaps in the in-memory backend by itself.
_EMAIL = _config.email_settings(CONFIG)
EMAIL_BACKEND = _EMAIL["EMAIL_BACKEND"]
EMAIL_HOST = _EMAIL.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _EMAIL.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _EMAIL.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _EMAIL.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _EMAIL.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _EMAIL.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = _EMAIL.get("EMAIL_TIMEOUT")
DEFAULT_FROM_EMAIL = SERVER_EMAIL = _EMAIL["DEFAULT_FROM_EMAIL"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # drf-spectacular's, saying which operations are public (projects/api/schema.py).
    "DEFAULT_SCHEMA_CLASS": "projects.api.schema.AutoSchema",
    # DRF's JSONParser recurses: this one refuses bodies nested too deep (projects/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "projects.api.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # API rate limits (projects/api/throttling.py): per API token or signed-in user, and per
    # anonymous client address; "none" switches one off.
    "DEFAULT_THROTTLE_RATES": {
        "user": CONFIG["API_THROTTLE_USER"],
        "anon": CONFIG["API_THROTTLE_ANON"],
    },
    # The client's address: behind the HTTPS proxy that SITE_URL implies (see the end of this
    # file), the last X-Forwarded-For entry; otherwise the connection's own (not spoofable).
    "NUM_PROXIES": 1 if not DEBUG and SITE_URL.startswith("https://") else 0,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "releasemon API",
    "DESCRIPTION": (
        "Release monitoring API, compatible with Anitya's v1 and v2 (same URLs, JSON and "
        "errors). Reads are public; v2 writes need `Authorization: Token <token>` (tokens: "
        "your settings page) or a signed-in session with its CSRF token."
    ),
    "VERSION": RELEASEMON_VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Each route exists with and without its trailing slash; the schema shows one spelling.
    "PREPROCESSING_HOOKS": ["projects.api.schema.keep_one_spelling"],
    # Malformed requests are refused with 400/413 on every operation (projects/bad_input.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "projects.api.schema.document_refusals",
    ],
    # The interactive pages' assets come with drf-spectacular-sidecar: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "TAGS": [
        {"name": "v1", "description": "Anitya's legacy API, unchanged."},
        {"name": "v2", "description": "Packages, projects and versions."},
        {
            "name": "notifications",
            "description": "Your watches, your channels (e-mail, signed webhooks) and their "
            "delivery log. Always needs your credentials.",
        },
    ],
}

# django-q2: the ORM broker needs nothing else; Redis is optional for larger sites.
Q_CLUSTER = _config.task_queue_settings(CONFIG)

# The service's own settings, read by the apps (names follow Anitya's configuration keys).
ADMIN_EMAIL = CONFIG["ADMIN_EMAIL"]
ANITYA_WEB_ADMINS = CONFIG["ANITYA_WEB_ADMINS"]
BLACKLISTED_USERS = CONFIG["BLACKLISTED_USERS"]
DEFAULT_REGEX = CONFIG["DEFAULT_REGEX"]
GITHUB_ACCESS_TOKEN = CONFIG["GITHUB_ACCESS_TOKEN"]
GITHUB_ACCESS_TOKENS = CONFIG["GITHUB_ACCESS_TOKENS"]
GITHUB_APP_ID = CONFIG["GITHUB_APP_ID"]
GITHUB_APP_INSTALLATION_ID = CONFIG["GITHUB_APP_INSTALLATION_ID"]
GITHUB_APP_PRIVATE_KEY_FILE = CONFIG["GITHUB_APP_PRIVATE_KEY_FILE"]
CRON_POOL = CONFIG["CRON_POOL"]
CHECK_TIMEOUT = CONFIG["CHECK_TIMEOUT"]
CHECK_ERROR_THRESHOLD = CONFIG["CHECK_ERROR_THRESHOLD"]
FORCED_CHECK_INTERVAL = CONFIG["FORCED_CHECK_INTERVAL"]
PREVIEW_CONCURRENCY_PER_USER = CONFIG["PREVIEW_CONCURRENCY_PER_USER"]
PREVIEW_CONCURRENCY_PER_PROCESS = CONFIG["PREVIEW_CONCURRENCY_PER_PROCESS"]
CHECK_BATCH_SIZE = CONFIG["CHECK_BATCH_SIZE"]
CHECK_TASKS = CONFIG["CHECK_TASKS"]
# Check projects without a recent release less often (projects/next_check.py: next_check_after).
ADAPTIVE_SCHEDULING = CONFIG["ADAPTIVE_SCHEDULING"]
ADAPTIVE_MAX_INTERVAL_HOURS = CONFIG["ADAPTIVE_MAX_INTERVAL_HOURS"]
DISTRO_MAPPING_LINKS = CONFIG["DISTRO_MAPPING_LINKS"]
HTTP_CONNECT_TIMEOUT = CONFIG["HTTP_CONNECT_TIMEOUT"]
HTTP_READ_TIMEOUT = CONFIG["HTTP_READ_TIMEOUT"]
HTTP_MAX_RESPONSE_BYTES = CONFIG["HTTP_MAX_RESPONSE_BYTES"]
HTTP_MAX_REDIRECTS = CONFIG["HTTP_MAX_REDIRECTS"]
FETCH_ALLOWED_NETWORKS = CONFIG["FETCH_ALLOWED_NETWORKS"]
REGEX_TIMEOUT = CONFIG["REGEX_TIMEOUT"]
CHECK_DEADLINE = CONFIG["CHECK_DEADLINE"]
PREVIEW_DEADLINE = CONFIG["PREVIEW_DEADLINE"]
CHECK_MAX_BYTES = CONFIG["CHECK_MAX_BYTES"]
CHECK_MAX_PAGES = CONFIG["CHECK_MAX_PAGES"]
CHECK_MAX_VERSIONS = CONFIG["CHECK_MAX_VERSIONS"]
CHECK_MAX_NEW_VERSIONS = CONFIG["CHECK_MAX_NEW_VERSIONS"]
PYPI_SIMPLE_CREDENTIALS = CONFIG["PYPI_SIMPLE_CREDENTIALS"]
AMQP_URL = CONFIG["AMQP_URL"]
AMQP_EXCHANGE = CONFIG["AMQP_EXCHANGE"]
AMQP_TOPIC_PREFIX = CONFIG["AMQP_TOPIC_PREFIX"]
OUTBOX_RETENTION_DAYS = CONFIG["OUTBOX_RETENTION_DAYS"]
# Notifications: retries, switching failing webhooks off, timeouts (projects/notify/delivery/).
NOTIFY_RETRY_HOURS = CONFIG["NOTIFY_RETRY_HOURS"]
NOTIFY_DISABLE_AFTER_DAYS = CONFIG["NOTIFY_DISABLE_AFTER_DAYS"]
NOTIFY_WEBHOOK_TIMEOUT = CONFIG["NOTIFY_WEBHOOK_TIMEOUT"]
NOTIFY_DELIVERY_THREADS = CONFIG["NOTIFY_DELIVERY_THREADS"]
NOTIFY_DIGEST_WORKERS = CONFIG["NOTIFY_DIGEST_WORKERS"]
# /readyz: what counts as stalled (releasemon/operations/readiness.py).
READY_CHECK_MAX_AGE = CONFIG["READY_CHECK_MAX_AGE"]
READY_OUTBOX_MAX_AGE = CONFIG["READY_OUTBOX_MAX_AGE"]
READY_DELIVERY_MAX_AGE = CONFIG["READY_DELIVERY_MAX_AGE"]
# /metrics: the networks that may read it, and the bearer token that may from anywhere.
METRICS_ALLOWED_NETWORKS = CONFIG["METRICS_ALLOWED_NETWORKS"]
METRICS_TOKEN = CONFIG["METRICS_TOKEN"]

LOGGING_CONFIG = "releasemon.operations.logs.configure"
try:
    LOGGING = logging_settings(CONFIG["LOG_FORMAT"], CONFIG["LOG_LEVEL"])
except ValueError as error:
    raise _config.ConfigError(str(error)) from None

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    CSRF_COOKIE_HTTPONLY = False
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
    if SITE_URL.startswith("https://"):
        SESSION_COOKIE_SECURE = True
        CSRF_COOKIE_SECURE = True
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Error reports (releasemon/operations/error_reports.py): only when SENTRY_DSN is set.
if CONFIG["SENTRY_DSN"]:
    from releasemon.operations.error_reports import BadDsn, start_error_reports

    try:
        start_error_reports(
            CONFIG["SENTRY_DSN"],
            environment=CONFIG["SENTRY_ENVIRONMENT"],
            release=RELEASEMON_VERSION,
            traces_sample_rate=CONFIG["SENTRY_TRACES_SAMPLE_RATE"],
        )
    except BadDsn as error:
        raise _config.ConfigError(str(error)) from None
