"""``manage.py distros add|list``: the first distributions of a fresh install (issue #14)."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from messaging.models import OutboxMessage
from projects.models import Distro
from tests.factories import DistroFactory, PackageFactory

pytestmark = pytest.mark.django_db


def command(*args: str) -> tuple[str, CommandError | None]:
    """Run the command; return its stdout and the error it ended with (exit 1)."""
    out = io.StringIO()
    try:
        call_command("distros", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


def test_add_creates_each_distribution_and_announces_it():
    out, error = command("add", "Fedora", "Debian")
    assert error is None
    assert out == "Added distribution Fedora.\nAdded distribution Debian.\n"
    assert sorted(Distro.objects.values_list("name", flat=True)) == ["Debian", "Fedora"]
    messages = OutboxMessage.objects.filter(topic="distro.add").order_by("pk")
    assert [m.body["distro"]["name"] for m in messages] == ["Fedora", "Debian"]
    assert {m.body["message"]["agent"] for m in messages} == {"admin"}


def test_the_agent_can_be_named():
    command("add", "Arch", "--agent", "ops")
    message = OutboxMessage.objects.get(topic="distro.add")
    assert message.body["message"]["agent"] == "ops"


@pytest.mark.parametrize(
    ("names", "reason"),
    [
        (["Arch", ""], "a distribution name cannot be empty"),
        (["  "], "a distribution name cannot be empty"),
        (["Debian", "debian"], '"debian" is named twice'),
        (["fedora"], 'A distribution named "Fedora" already exists.'),
        (["x" * 201], '"' + "x" * 40 + '...": a distribution name has at most 200 characters'),
        (["a\x00b"], "'a\\x00b': a distribution name cannot contain NUL characters"),
    ],
)
def test_bad_names_stop_the_command_before_anything_is_created(names, reason):
    DistroFactory(name="Fedora")
    out, error = command("add", *names)
    assert error is not None
    assert str(error) == reason
    assert "\n" not in str(error)
    assert out == ""
    assert list(Distro.objects.values_list("name", flat=True)) == ["Fedora"]
    assert not OutboxMessage.objects.filter(topic="distro.add").exists()


def test_list_prints_the_distributions_by_name_with_their_packages():
    fedora = DistroFactory(name="Fedora")
    DistroFactory(name="arch")
    PackageFactory(distro=fedora, package_name="geany")
    PackageFactory(distro=fedora, package_name="gedit")
    out, error = command("list")
    assert error is None
    assert out == "arch    0 packages\nFedora  2 packages\n"


def test_list_says_when_there_is_none():
    out, error = command("list")
    assert error is None
    assert out.startswith("No distributions yet")


def test_a_subcommand_is_required():
    with pytest.raises(CommandError, match=re.escape("required: {add,list}")):
        call_command("distros")


@pytest.mark.django_db(transaction=True)
def test_from_the_command_line_bad_input_is_one_line_and_exit_1(tmp_path):
    """As a person runs it: ``manage.py distros add`` against a database of its own."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "SECRET_KEY": "test"}
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*manage, *args], env={**_base_env(), **env}, capture_output=True, text=True
        )

    assert run("migrate", "--verbosity", "0").returncode == 0
    added = run("distros", "add", "Fedora", "Debian")
    assert (added.returncode, added.stdout, added.stderr) == (
        0,
        "Added distribution Fedora.\nAdded distribution Debian.\n",
        "",
    )
    again = run("distros", "add", "Fedora")
    assert again.returncode == 1
    assert again.stdout == ""
    assert again.stderr == 'CommandError: A distribution named "Fedora" already exists.\n'
    empty = run("distros", "add", "")
    assert (empty.returncode, empty.stderr) == (
        1,
        "CommandError: a distribution name cannot be empty\n",
    )
    listed = run("distros", "list")
    assert listed.stdout == "Debian  0 packages\nFedora  0 packages\n"


def _base_env() -> dict[str, str]:
    import os

    return {
        key: value
        for key, value in os.environ.items()
        if key in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH"}
    }
