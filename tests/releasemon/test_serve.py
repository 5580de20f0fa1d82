"""``manage.py serve`` (``bin/serve``): ``--port``, ``--bind``, and the ``SITE_URL`` and
``ALLOWED_HOSTS`` its processes get (issue #14)."""

from __future__ import annotations

import io
import json
import socket

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from releasemon.management.commands import serve
from releasemon.management.commands.serve import bind_address, site_environment

DEFAULT_HOSTS = ["127.0.0.1", "localhost", "[::1]"]


@pytest.mark.parametrize(
    ("bind", "port", "expected"),
    [
        (None, None, "127.0.0.1:8000"),
        (None, 8123, "127.0.0.1:8123"),
        ("0.0.0.0:8000", None, "0.0.0.0:8000"),
        ("[::1]:9000", None, "[::1]:9000"),
    ],
)
def test_bind_address(bind, port, expected):
    assert bind_address(bind, port) == expected


@pytest.mark.parametrize(
    ("bind", "port", "message"),
    [
        ("0.0.0.0:8000", 8123, "--port only changes the port of 127.0.0.1"),
        (None, 0, "--port 0: a port is a number from 1 to 65535"),
        (None, 70000, "--port 70000: a port is a number from 1 to 65535"),
    ],
)
def test_bad_bind_arguments_are_one_line(bind, port, message):
    with pytest.raises(CommandError) as error:
        bind_address(bind, port)
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


def _hosts(values: dict[str, str]) -> list[str]:
    return json.loads(values["ALLOWED_HOSTS"])


def test_the_default_bind_keeps_the_defaults():
    values = site_environment("127.0.0.1:8000", {})
    assert values["SITE_URL"] == "http://127.0.0.1:8000"
    assert _hosts(values) == DEFAULT_HOSTS


def test_site_url_follows_the_port():
    values = site_environment(bind_address(None, 8123), {})
    assert values["SITE_URL"] == "http://127.0.0.1:8123"
    assert _hosts(values) == DEFAULT_HOSTS


def test_a_named_host_is_the_site_url_and_an_allowed_host():
    values = site_environment("mon.example.org:8080", {})
    assert values["SITE_URL"] == "http://mon.example.org:8080"
    assert _hosts(values) == [*DEFAULT_HOSTS, "mon.example.org"]
    values = site_environment("192.0.2.7:80", {})
    assert values["SITE_URL"] == "http://192.0.2.7:80"
    assert _hosts(values)[-1] == "192.0.2.7"


def test_an_ipv6_bind_is_bracketed():
    values = site_environment("[2001:db8::1]:8000", {})
    assert values["SITE_URL"] == "http://[2001:db8::1]:8000"
    assert _hosts(values)[-1] == "[2001:db8::1]"


@pytest.mark.parametrize("bind", ["0.0.0.0:8000", "[::]:8000"])
def test_every_interface_names_the_machine(monkeypatch, bind):
    monkeypatch.setattr(socket, "gethostname", lambda: "box")
    monkeypatch.setattr(socket, "getfqdn", lambda: "box.example.org")
    values = site_environment(bind, {})
    assert values["SITE_URL"] == "http://box:8000"
    assert _hosts(values) == [*DEFAULT_HOSTS, "box", "box.example.org"]


def test_a_machine_without_a_name_links_to_the_loopback(monkeypatch):
    monkeypatch.setattr(socket, "gethostname", lambda: "localhost")
    monkeypatch.setattr(socket, "getfqdn", lambda: "localhost")
    values = site_environment("0.0.0.0:8000", {})
    assert values["SITE_URL"] == "http://127.0.0.1:8000"
    assert _hosts(values) == DEFAULT_HOSTS


def test_configured_values_win():
    environ = {"SITE_URL": "https://mon.example.org", "ALLOWED_HOSTS": "mon.example.org"}
    assert site_environment("127.0.0.1:8123", environ) == {}
    # SITE_URL configured alone: its host is accepted too (a proxy sends that Host).
    values = site_environment("127.0.0.1:8123", {"SITE_URL": "https://mon.example.org"})
    assert "SITE_URL" not in values
    assert _hosts(values) == [*DEFAULT_HOSTS, "mon.example.org"]


def test_the_configuration_file_counts_as_configured(tmp_path):
    file = tmp_path / "anitya.toml"
    file.write_text('site_url = "https://mon.example.org"\nallowed_hosts = ["mon.example.org"]\n')
    assert site_environment("127.0.0.1:8123", {"RELEASEMON_CONFIG": str(file)}) == {}


def test_a_unix_socket_keeps_the_default_site_url():
    values = site_environment("unix:/run/releasemon.sock", {})
    assert "SITE_URL" not in values
    assert _hosts(values) == DEFAULT_HOSTS


@pytest.mark.django_db
def test_serve_passes_them_to_the_web_server_and_the_cluster(monkeypatch):
    started = []

    class Process:
        def __init__(self, args, cwd, env):
            started.append((args, env))

    monkeypatch.delenv("SITE_URL", raising=False)
    monkeypatch.delenv("ALLOWED_HOSTS", raising=False)
    monkeypatch.delenv("RELEASEMON_CONFIG", raising=False)
    monkeypatch.setattr(serve, "call_command", lambda *args, **kwargs: None)
    monkeypatch.setattr(serve, "ensure_administrator", lambda: None)
    monkeypatch.setattr(serve.subprocess, "Popen", Process)
    monkeypatch.setattr(serve.Command, "_supervise", lambda self, processes: None)
    out = io.StringIO()
    call_command("serve", "--port", "8123", stdout=out)
    (web, web_env), (cluster, cluster_env) = started
    assert web[web.index("--bind") + 1] == "127.0.0.1:8123"
    assert web[web.index("--config") + 1] == str(settings.BASE_DIR / "gunicorn.conf.py")
    assert cluster[-1] == "qcluster"
    for env in (web_env, cluster_env):
        assert env["SITE_URL"] == "http://127.0.0.1:8123"
        assert json.loads(env["ALLOWED_HOSTS"]) == DEFAULT_HOSTS
    assert "Serving on 127.0.0.1:8123: http://127.0.0.1:8123/" in out.getvalue()


def test_port_and_bind_exclude_each_other():
    with pytest.raises(CommandError, match="--port only changes the port"):
        call_command("serve", "--port", "8123", "--bind", "0.0.0.0:8000")
