"""The configuration loader: environment over an Anitya-compatible TOML file over defaults."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from releasemon import config
from releasemon.checks import insecure_production_errors

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]


def test_defaults_without_file_or_environment():
    loaded = config.load({})
    assert loaded["CRON_POOL"] == 20
    assert loaded["CHECK_ERROR_THRESHOLD"] == 100
    assert loaded["DB_URL"] is None
    assert "%(name)s" in loaded["DEFAULT_REGEX"]


def test_anitya_sample_file_is_accepted():
    loaded = config.load({"RELEASEMON_CONFIG": str(FIXTURES / "anitya.toml")})
    assert loaded["DB_URL"] == "postgresql://anitya:secret@db.example.org:5432/anitya"
    assert loaded["GITHUB_ACCESS_TOKEN"] == "foobar"
    assert loaded["ANITYA_WEB_ADMINS"] == [
        "c0ffee00-0000-4000-8000-000000000001",
        "admin@example.org",
    ]
    assert loaded["DISTRO_MAPPING_LINKS"]["Fedora"] == "https://src.fedoraproject.org/rpms/%s"
    assert loaded["CHECK_TIMEOUT"] == 600


def test_good_file_overrides_defaults_and_environment_overrides_file(tmp_path):
    path = tmp_path / "releasemon.toml"
    path.write_text('cron_pool = 4\nadmin_email = "ops@example.org"\ncheck_timeout = 30\n')
    loaded = config.load({"RELEASEMON_CONFIG": str(path), "CHECK_TIMEOUT": "45"})
    assert loaded["CRON_POOL"] == 4
    assert loaded["ADMIN_EMAIL"] == "ops@example.org"
    assert loaded["CHECK_TIMEOUT"] == 45


def test_database_url_alias_from_environment():
    loaded = config.load({"DATABASE_URL": "postgresql://u@h/db"})
    assert loaded["DB_URL"] == "postgresql://u@h/db"


def test_missing_file_names_the_file(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(config.ConfigError, match=r"nope\.toml: configuration file not found"):
        config.load({"RELEASEMON_CONFIG": str(missing)})


def test_broken_file_names_the_file_and_the_line(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('cron_pool = 4\nadmin_email = "unterminated\n')
    with pytest.raises(config.ConfigError) as error:
        config.load({"RELEASEMON_CONFIG": str(path)})
    message = str(error.value)
    assert message.startswith(f"{path}: invalid TOML")
    assert "line 2" in message
    assert "\n" not in message


def test_wrong_type_in_file_is_refused(tmp_path):
    path = tmp_path / "typed.toml"
    path.write_text('cron_pool = "ten"\n')
    with pytest.raises(config.ConfigError, match="cron_pool must be int, got str"):
        config.load({"RELEASEMON_CONFIG": str(path)})


def test_bad_environment_value_is_refused():
    with pytest.raises(config.ConfigError, match="CRON_POOL: expected a whole number"):
        config.load({"CRON_POOL": "many"})


def test_list_from_environment_accepts_json_or_commas():
    assert config.load({"ALLOWED_HOSTS": "a.org, b.org"})["ALLOWED_HOSTS"] == ["a.org", "b.org"]
    assert config.load({"ALLOWED_HOSTS": '["c.org"]'})["ALLOWED_HOSTS"] == ["c.org"]


def test_manage_py_prints_one_line_for_a_broken_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("cron_pool = = 4\n")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO,
        env={"RELEASEMON_CONFIG": str(path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"releasemon: configuration error: {path}: invalid TOML")


def test_production_mode_refuses_the_default_secret_key():
    assert insecure_production_errors(debug=False, secret_key=config.DEFAULT_SECRET_KEY)
    assert insecure_production_errors(debug=False, secret_key="")
    assert not insecure_production_errors(debug=True, secret_key=config.DEFAULT_SECRET_KEY)
    assert not insecure_production_errors(debug=False, secret_key="a-real-random-key")


def test_manage_py_refuses_to_start_in_production_with_the_default_key(tmp_path):
    path = tmp_path / "prod.toml"
    path.write_text('secret_key = "changeme please"\n')
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO,
        env={"RELEASEMON_CONFIG": str(path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "releasemon.E001" in result.stderr


def test_the_database_connection_age_is_a_setting():
    from releasemon import config

    assert config.load({"DB_CONN_MAX_AGE": "0"})["DB_CONN_MAX_AGE"] == 0
    assert config.load({})["DB_CONN_MAX_AGE"] == 60
