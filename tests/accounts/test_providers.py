"""Sign-in providers from the configuration (environment or Anitya-style TOML file)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from accounts.providers import ProviderConfigError, socialaccount_providers
from releasemon.config import load

REPO = Path(__file__).resolve().parents[2]


def test_nothing_configured_means_no_provider():
    assert socialaccount_providers(load({})) == {}


def test_anitya_fedora_and_google_keys_from_the_toml_file(tmp_path):
    path = tmp_path / "anitya.toml"
    path.write_text(
        'fedora_client_id = "fed-id"\n'
        'fedora_client_secret = "fed-secret"\n'
        'google_client_id = "goo-id"\n'
        'google_client_secret = "goo-secret"\n'
        'google_client_kwargs = {scope = "email"}\n'
    )
    providers = socialaccount_providers(load({"RELEASEMON_CONFIG": str(path)}))
    fedora, google = providers["openid_connect"]["APPS"]
    assert fedora == {
        "provider_id": "fedora",
        "name": "Fedora Accounts",
        "client_id": "fed-id",
        "secret": "fed-secret",
        "settings": {
            "server_url": "https://id.fedoraproject.org/.well-known/openid-configuration",
            "username_claim": "preferred_username",
            "email_domain": "fedoraproject.org",
            "token_auth_method": "client_secret_post",
        },
    }
    assert google["provider_id"] == "google"
    assert google["settings"] == {
        "server_url": "https://accounts.google.com/.well-known/openid-configuration",
        "username_claim": "email",
    }
    assert set(providers) == {"openid_connect"}


def test_a_generic_issuer_github_and_gitlab_from_the_toml_file(tmp_path):
    path = tmp_path / "releasemon.toml"
    path.write_text(
        'github_client_id = "gh"\n'
        'github_client_secret = "gh-s"\n'
        'gitlab_client_id = "gl"\n'
        'gitlab_client_secret = "gl-s"\n'
        'gitlab_url = "https://gitlab.example.org/"\n'
        "[[oidc_providers]]\n"
        'id = "keycloak"\n'
        'name = "Company SSO"\n'
        'server_url = "https://sso.example.org/realms/main"\n'
        'client_id = "kc"\n'
        'client_secret = "kc-s"\n'
        'scope = ["openid", "email"]\n'
    )
    providers = socialaccount_providers(load({"RELEASEMON_CONFIG": str(path)}))
    [sso] = providers["openid_connect"]["APPS"]
    assert sso == {
        "provider_id": "keycloak",
        "name": "Company SSO",
        "client_id": "kc",
        "secret": "kc-s",
        "settings": {
            "server_url": "https://sso.example.org/realms/main",
            "scope": ["openid", "email"],
        },
    }
    assert providers["github"]["APPS"][0]["client_id"] == "gh"
    assert "user:email" in providers["github"]["SCOPE"]
    gitlab = providers["gitlab"]["APPS"][0]
    assert gitlab["settings"] == {"gitlab_url": "https://gitlab.example.org"}


def test_a_provider_needs_both_its_id_and_secret():
    assert socialaccount_providers({"GITHUB_CLIENT_ID": "gh", "GITHUB_CLIENT_SECRET": ""}) == {}
    assert socialaccount_providers({"FEDORA_CLIENT_ID": "f"}) == {}


@pytest.mark.parametrize(
    ("entry", "error"),
    [
        ("not a table", "expected a table"),
        ({"id": "x", "server_url": "https://a"}, "missing client_id, client_secret"),
        (
            {"id": "Bad Id", "server_url": "https://a", "client_id": "c", "client_secret": "s"},
            "must be lower-case",
        ),
        (
            {"id": "github", "server_url": "https://a", "client_id": "c", "client_secret": "s"},
            "must be lower-case",
        ),
        (
            {"id": "x", "server_url": "ftp://a", "client_id": "c", "client_secret": "s"},
            "server_url must be an http(s) URL",
        ),
        (
            {
                "id": "x",
                "server_url": "https://a",
                "client_id": "c",
                "client_secret": "s",
                "scope": "openid",
            },
            "scope must be a list",
        ),
    ],
)
def test_a_bad_oidc_provider_entry_is_a_clear_configuration_error(entry, error):
    with pytest.raises(ProviderConfigError, match=re.escape(error)) as raised:
        socialaccount_providers({"OIDC_PROVIDERS": [entry]})
    assert str(raised.value).startswith("oidc_providers[0]: ")


def test_two_providers_with_one_id_are_refused():
    entry = {"id": "sso", "server_url": "https://a", "client_id": "c", "client_secret": "s"}
    with pytest.raises(ProviderConfigError, match="'sso' is configured twice"):
        socialaccount_providers({"OIDC_PROVIDERS": [entry, entry]})


def test_manage_py_prints_one_line_for_a_bad_provider(tmp_path):
    """The providers' error is a configuration error like any other: one line, no traceback."""
    path = tmp_path / "providers.toml"
    path.write_text('[[oidc_providers]]\nid = "sso"\n')
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO,
        env={"RELEASEMON_CONFIG": str(path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "releasemon: configuration error: oidc_providers[0]: missing server_url, client_id, "
        "client_secret"
    ]
