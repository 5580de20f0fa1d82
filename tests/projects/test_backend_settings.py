"""Django settings reach backends as one frozen configuration, rebuilt when a setting changes."""

from __future__ import annotations

import ipaddress

from django.test import override_settings

from backends.config import DEFAULT_REGEX, IndexCredentials, current
from backends.http import HttpClient
from projects.backend_settings import build_backends_config, index_credentials


def test_the_http_limits_come_from_settings(settings):
    settings.FETCH_ALLOWED_NETWORKS = ["10.0.0.0/8", "::1/128"]
    settings.HTTP_CONNECT_TIMEOUT = 3
    settings.HTTP_READ_TIMEOUT = 7
    settings.HTTP_MAX_RESPONSE_BYTES = 1000
    settings.HTTP_MAX_REDIRECTS = 2
    config = current().http
    assert config.allowed_networks == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
    )
    assert (config.connect_timeout, config.read_timeout) == (3.0, 7.0)
    assert (config.max_response_bytes, config.max_redirects) == (1000, 2)
    assert HttpClient().config is config


def test_the_user_agent_names_the_version_and_the_site(settings):
    settings.RELEASEMON_VERSION = "9.8"
    settings.SITE_URL = "https://mon.example.org"
    settings.ADMIN_EMAIL = ""
    assert current().http.user_agent == "releasemon/9.8 (+https://mon.example.org)"
    assert current().http.from_email is None


def test_the_check_budget_comes_from_settings(settings):
    settings.CHECK_DEADLINE = 5
    settings.PREVIEW_DEADLINE = 3
    settings.CHECK_MAX_BYTES = 2048
    settings.CHECK_MAX_PAGES = 4
    settings.CHECK_MAX_VERSIONS = 30
    settings.CHECK_MAX_NEW_VERSIONS = 20
    limits = current().http.limits
    assert (limits.deadline, limits.interactive_deadline) == (5.0, 3.0)
    assert (limits.max_total_bytes, limits.max_requests) == (2048, 4)
    assert (limits.max_versions, limits.max_new_versions) == (30, 20)


def test_tokens_credentials_and_regex_settings_reach_backends(settings):
    settings.GITHUB_ACCESS_TOKEN = "ghp_secret"
    settings.PYPI_SIMPLE_CREDENTIALS = {"pypi.example.org": {"username": "u", "password": "p"}}
    settings.REGEX_TIMEOUT = 0.5
    settings.DEFAULT_REGEX = r"%(name)s-([0-9.]+)"
    config = current()
    assert config.github_access_token == "ghp_secret"
    assert config.pypi_simple_credentials == (IndexCredentials("pypi.example.org", "u", "p"),)
    assert (config.regex_timeout, config.default_regex) == (0.5, r"%(name)s-([0-9.]+)")
    assert "ghp_secret" not in repr(config) and "'p'" not in repr(config)


def test_unset_or_empty_settings_take_the_backends_defaults(settings):
    settings.GITHUB_ACCESS_TOKEN = ""
    settings.DEFAULT_REGEX = ""
    del settings.PYPI_SIMPLE_CREDENTIALS
    config = current()
    assert config.github_access_token is None
    assert config.default_regex == DEFAULT_REGEX
    assert config.pypi_simple_credentials == ()


def test_an_override_ends_with_the_configuration_it_replaced():
    before = current()
    with override_settings(GITHUB_ACCESS_TOKEN="ghp_override"):
        assert current().github_access_token == "ghp_override"
    assert current() == before
    assert current() == build_backends_config()


def test_index_credentials_keep_the_order_and_mark_unusable_entries():
    configured = {
        "https://idx.example.org/simple/": {"username": "a", "password": "b"},
        "idx.example.org": {"username": "a", "password": 3},
        7: {"username": "a", "password": "b"},
        "other.example.org": "user:password",
    }
    assert index_credentials(configured) == (
        IndexCredentials("https://idx.example.org/simple/", "a", "b"),
        IndexCredentials("idx.example.org", None, None),
    )
    assert index_credentials(None) == ()
    assert index_credentials(["pypi.example.org"]) == ()
