"""``manage.py sar``: everything stored about a person, checked key by key."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import ApiToken
from tests.factories import FlagFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def sar(**options) -> list[dict]:
    out = StringIO()
    call_command("sar", stdout=out, **options)
    return json.loads(out.getvalue())


def test_sar_of_a_user_with_tokens_flags_a_linked_account_and_admin_actions(settings):
    joined = timezone.now() - dt.timedelta(days=30)
    user = UserFactory(email="ada@example.org", username="ada", admin=True, date_joined=joined)
    settings.ANITYA_WEB_ADMINS = []
    token, secret = ApiToken.issue(user, description="ci bot")
    used = timezone.now()
    ApiToken.objects.filter(pk=token.pk).update(last_used=used)
    token.refresh_from_db()
    project = ProjectFactory(name="geany")
    flag = FlagFactory(project=project, author=user, reason="Moved to GitHub")
    FlagFactory(project=project)  # someone else's
    account = SocialAccount.objects.create(
        user=user, provider="fedora", uid="ada-sub", extra_data={"userinfo": {"sub": "ada-sub"}}
    )
    EmailAddress.objects.create(user=user, email="ada@example.org", verified=True, primary=True)
    entry = LogEntry.objects.log_actions(
        user_id=user.pk,
        queryset=[project],
        action_flag=CHANGE,
        change_message="Archived",
        single_object=True,
    )

    [record] = sar(email="ADA@example.org")

    assert list(record)[:4] == ["id", "email", "username", "active"]  # Anitya's keys first
    assert record["id"] == str(user.pk)
    assert record["email"] == "ada@example.org"
    assert record["username"] == "ada"
    assert record["active"] is True
    assert record["admin"] is True
    assert record["configured_admin"] is False
    assert record["date_joined"] == joined.isoformat()
    assert record["last_login"] is None
    assert record["local_password"] is True
    assert record["email_addresses"] == [
        {"email": "ada@example.org", "verified": True, "primary": True}
    ]
    assert record["social_accounts"] == [
        {
            "provider": "fedora",
            "uid": "ada-sub",
            "date_joined": account.date_joined.isoformat(),
            "last_login": account.last_login.isoformat(),
            "extra_data": {"userinfo": {"sub": "ada-sub"}},
        }
    ]
    assert record["api_tokens"] == [
        {
            "id": token.pk,
            "prefix": secret[:8],
            "description": "ci bot",
            "created": token.created.isoformat(),
            "last_used": used.isoformat(),
        }
    ]
    assert record["flags"] == [
        {
            "id": flag.pk,
            "project_id": project.pk,
            "project": "geany",
            "reason": "Moved to GitHub",
            "state": "open",
            "created_on": flag.created_on.isoformat(),
            "updated_on": flag.updated_on.isoformat(),
        }
    ]
    assert record["admin_log"] == [
        {
            "action_time": entry.action_time.isoformat(),
            "action": "change",
            "content_type": "projects.project",
            "object_id": str(project.pk),
            "object_repr": "geany",
            "change_message": "Archived",
        }
    ]
    assert set(record) == {
        "id", "email", "username", "active", "admin", "configured_admin", "date_joined",
        "last_login", "local_password", "email_addresses", "social_accounts", "api_tokens",
        "flags", "changes", "admin_log",
    }  # fmt: skip
    text = json.dumps(record)
    assert secret not in text and token.key_hash not in text and user.password not in text


def test_sar_by_username_finds_every_user_of_that_name_once():
    first = UserFactory(email="a@example.org", username="same")
    second = UserFactory(email="b@example.org", username="same")
    UserFactory(username="other")
    records = sar(username="same", email="a@example.org")
    assert [record["id"] for record in records] == [str(first.pk), str(second.pk)]
    assert all(record["api_tokens"] == [] and record["flags"] == [] for record in records)


def test_sar_lists_the_changes_a_user_made():
    from projects import services
    from projects.models import AuditEntry

    user = UserFactory(email="ada@example.org", username="ada")
    project = ProjectFactory(name="geany")
    services.project_edit(project, agent="ada@example.org", version_prefix="v")
    services.project_edit(project, agent="bob", version_prefix="w")  # someone else's
    entry = AuditEntry.objects.get(agent="ada@example.org")
    [record] = sar(email="ada@example.org")
    assert record["changes"] == [
        {
            "id": entry.pk,
            "project_id": project.pk,
            "project": "geany",
            "kind": "project.edit",
            "agent": "ada@example.org",
            "when": entry.when.isoformat(),
        }
    ]
    assert user.audit_entries.count() == 1


def test_sar_of_nobody_is_an_empty_list():
    UserFactory(email="a@example.org")
    assert sar(email="nobody@example.org") == []
    assert sar(username="nobody") == []


def test_sar_reads_anitya_environment_variables(monkeypatch):
    user = UserFactory(username="envuser")
    monkeypatch.setenv("SAR_USERNAME", "envuser")
    assert [record["id"] for record in sar()] == [str(user.pk)]


def test_sar_without_arguments_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("SAR_EMAIL", raising=False)
    monkeypatch.delenv("SAR_USERNAME", raising=False)
    with pytest.raises(CommandError, match="give --email and/or --username"):
        call_command("sar")


def test_sar_without_arguments_exits_non_zero_with_one_line():
    env = {
        key: value for key, value in os.environ.items() if key not in {"SAR_EMAIL", "SAR_USERNAME"}
    }
    env["SECRET_KEY"] = "dev-not-secret"
    result = subprocess.run(
        [sys.executable, "manage.py", "sar"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "CommandError: give --email and/or --username (or SAR_EMAIL / SAR_USERNAME)"
    ]
