"""Outgoing mail settings: EMAIL_URL, the separate SMTP keys, and the console by default."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from releasemon import config

REPO = Path(__file__).resolve().parents[2]
SMTP = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE = "django.core.mail.backends.console.EmailBackend"


def _mail(**keys: str) -> dict:
    """Mail settings as the service computes them from these environment variables."""
    return config.email_settings(config.load(keys))


def test_nothing_configured_prints_mails_on_the_console():
    mail = _mail()
    assert mail == {"EMAIL_BACKEND": CONSOLE, "DEFAULT_FROM_EMAIL": "admin@example.org"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://user:p%40ss%2Fword@mail.example.org:587?tls=1",
            ("mail.example.org", 587, "user", "p@ss/word", True, False),
        ),
        ("smtp://mail.example.org?tls", ("mail.example.org", 587, "", "", True, False)),
        (
            "smtps://me@example.org:secret@mail.example.org",
            ("mail.example.org", 465, "me@example.org", "secret", False, True),
        ),
        ("smtp://relay.internal", ("relay.internal", 25, "", "", False, False)),
        ("SMTP://relay.internal:2525?tls=0", ("relay.internal", 2525, "", "", False, False)),
    ],
)
def test_smtp_urls(url, expected):
    mail = _mail(EMAIL_URL=url)
    assert mail["EMAIL_BACKEND"] == SMTP
    assert expected == (
        mail["EMAIL_HOST"],
        mail["EMAIL_PORT"],
        mail["EMAIL_HOST_USER"],
        mail["EMAIL_HOST_PASSWORD"],
        mail["EMAIL_USE_TLS"],
        mail["EMAIL_USE_SSL"],
    )
    assert mail["EMAIL_TIMEOUT"] == 10


def test_console_and_dummy_urls():
    assert _mail(EMAIL_URL="console://")["EMAIL_BACKEND"] == CONSOLE
    assert _mail(EMAIL_URL="dummy://")["EMAIL_BACKEND"].endswith("dummy.EmailBackend")


def test_timeout_option():
    assert _mail(EMAIL_URL="smtp://h?timeout=2.5")["EMAIL_TIMEOUT"] == 2.5


def test_separate_keys_without_a_url():
    mail = _mail(
        EMAIL_HOST="mail.example.org",
        EMAIL_HOST_USER="user",
        EMAIL_HOST_PASSWORD="secret",
        EMAIL_USE_SSL="true",
        DEFAULT_FROM_EMAIL="releasemon <noreply@example.org>",
    )
    assert mail["EMAIL_BACKEND"] == SMTP
    assert (mail["EMAIL_HOST"], mail["EMAIL_PORT"], mail["EMAIL_USE_SSL"]) == (
        "mail.example.org",
        465,
        True,
    )
    assert (mail["EMAIL_HOST_USER"], mail["EMAIL_HOST_PASSWORD"]) == ("user", "secret")
    assert mail["DEFAULT_FROM_EMAIL"] == "releasemon <noreply@example.org>"


def test_separate_keys_override_the_url():
    mail = _mail(EMAIL_URL="smtp://user@mail.example.org?tls=1", EMAIL_HOST_PASSWORD="s3cret")
    assert (mail["EMAIL_HOST_USER"], mail["EMAIL_HOST_PASSWORD"]) == ("user", "s3cret")
    assert _mail(EMAIL_URL="smtp://mail.example.org", EMAIL_PORT="2525")["EMAIL_PORT"] == 2525


def test_the_toml_file_spells_the_keys_in_lower_case(tmp_path):
    path = tmp_path / "releasemon.toml"
    path.write_text('email_url = "smtps://u:p@mail.example.org"\ndefault_from_email = "a@b.c"\n')
    mail = _mail(RELEASEMON_CONFIG=str(path))
    assert (mail["EMAIL_HOST"], mail["EMAIL_USE_SSL"]) == ("mail.example.org", True)
    assert mail["DEFAULT_FROM_EMAIL"] == "a@b.c"


@pytest.mark.parametrize(
    ("keys", "error"),
    [
        ({"EMAIL_URL": "smtp.example.org"}, "email_url: unknown scheme '(none)'"),
        ({"EMAIL_URL": "smpt://mail.example.org"}, "email_url: unknown scheme 'smpt'"),
        ({"EMAIL_URL": "smtp://"}, "email_url: smtp:// needs the mail server's host name"),
        ({"EMAIL_URL": "smtp://u:secret@h:99999"}, "email_url: the port must be a number"),
        ({"EMAIL_URL": "smtp://u:secret@h:port"}, "email_url: the port must be a number"),
        ({"EMAIL_URL": "smtp://h?tsl=1"}, "email_url: unknown option 'tsl'"),
        ({"EMAIL_URL": "smtp://h?tls=maybe"}, "email_url: tls='maybe' must be 1 or 0"),
        ({"EMAIL_URL": "smtp://h?timeout=soon"}, "email_url: timeout must be a number"),
        ({"EMAIL_URL": "smtp://h/inbox"}, "email_url: smtp://host names no path"),
        (
            {"EMAIL_URL": "smtps://h?tls=1"},
            "email: STARTTLS (tls, email_use_tls) and TLS from the start",
        ),
        (
            {"EMAIL_HOST": "h", "EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"},
            "email: STARTTLS (tls, email_use_tls) and TLS from the start",
        ),
        ({"EMAIL_HOST": "h", "EMAIL_PORT": "70000"}, "email_port must be a number"),
        ({"EMAIL_HOST_PASSWORD": "secret"}, "email_host_password is set, but neither"),
    ],
)
def test_malformed_mail_settings_are_one_readable_line(keys, error):
    with pytest.raises(config.ConfigError) as raised:
        _mail(**keys)
    message = str(raised.value)
    assert message.startswith(error)
    assert "\n" not in message
    assert "secret" not in message  # the password is never repeated


def test_manage_py_refuses_to_start_with_a_malformed_email_url():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO,
        env={"EMAIL_URL": "smtp://user:secret@mail.example.org:smtp", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "releasemon: configuration error: email_url: the port must be a number from 1 to 65535"
    ]
