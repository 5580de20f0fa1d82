"""Users in the moderation console: ban, unban, grant and revoke admin (configured
administrators protected), counts of flags and tokens, token and user deletion."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken, User
from messaging.models import OutboxMessage
from projects.models import Flag
from tests.factories import AdminFactory, FlagFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator():
    return AdminFactory(username="moderator", email="moderator@example.org")


@pytest.fixture
def admin_client(client, moderator):
    client.force_login(moderator)
    return client


def run_action(client, action, users):
    return client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": action, "_selected_action": [str(user.pk) for user in users], "index": "0"},
        follow=True,
    )


def page_messages(response):
    return [str(message) for message in response.context["messages"]]


def log_entries(user):
    return [
        (entry.action_flag, entry.change_message)
        for entry in LogEntry.objects.filter(object_id=str(user.pk)).order_by("id")
    ]


def test_ban_and_unban_from_the_user_list(admin_client):
    troll = UserFactory(username="troll")
    response = run_action(admin_client, "ban_users", [troll])
    assert page_messages(response) == ["Banned: troll."]
    assert User.objects.get(pk=troll.pk).is_active is False
    run_action(admin_client, "unban_users", [troll])
    assert User.objects.get(pk=troll.pk).is_active is True
    assert log_entries(troll) == [(CHANGE, "Banned"), (CHANGE, "Unbanned")]
    # Anitya announces no message for user changes.
    assert not OutboxMessage.objects.exists()


def test_a_ban_from_the_admin_signs_the_user_out_at_once(admin_client):
    troll = UserFactory()
    client = Client()
    client.force_login(troll)
    assert client.get(reverse("accounts:settings")).status_code == 200
    run_action(admin_client, "ban_users", [troll])
    assert client.get(reverse("accounts:settings")).status_code == 302


def test_grant_and_revoke_admin_with_the_buttons_on_the_user_page(admin_client):
    user = UserFactory(username="helper")
    page = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])).content
    for action in ("ban_users", "unban_users", "grant_admin", "revoke_admin"):
        assert f'id="object-action-{action}"'.encode() in page
    grant = reverse("admin:accounts_user_object_action", args=[user.pk, "grant_admin"])
    response = admin_client.post(grant)
    assert response["Location"] == reverse("admin:accounts_user_change", args=[user.pk])
    assert User.objects.get(pk=user.pk).admin is True
    revoke = reverse("admin:accounts_user_object_action", args=[user.pk, "revoke_admin"])
    admin_client.post(revoke)
    assert User.objects.get(pk=user.pk).admin is False
    assert log_entries(user) == [(CHANGE, "Granted admin rights"), (CHANGE, "Revoked admin rights")]


def test_configured_administrators_cannot_be_demoted_or_banned(admin_client, settings):
    boss = AdminFactory(email="boss@example.org", username="boss")
    settings.ANITYA_WEB_ADMINS = ["boss@example.org"]
    for action in ("revoke_admin", "ban_users"):
        response = run_action(admin_client, action, [boss])
        [message] = page_messages(response)
        assert "is an administrator by configuration (ANITYA_WEB_ADMINS)" in message
        assert response.context["messages"]._loaded_messages[0].level_tag == "error"
    boss.refresh_from_db()
    assert boss.admin and boss.is_active
    assert log_entries(boss) == []


def test_one_protected_user_does_not_stop_the_others(admin_client, settings):
    boss = AdminFactory(email="boss@example.org")
    helper = AdminFactory(username="helper")
    settings.ANITYA_WEB_ADMINS = [str(boss.pk)]
    response = run_action(admin_client, "revoke_admin", [boss, helper])
    assert "Revoked admin rights: helper." in page_messages(response)
    assert not User.objects.get(pk=helper.pk).admin
    assert User.objects.get(pk=boss.pk).admin


def test_administrators_cannot_ban_themselves(admin_client, moderator):
    response = run_action(admin_client, "ban_users", [moderator])
    assert page_messages(response) == ["You cannot ban yourself."]
    assert User.objects.get(pk=moderator.pk).is_active


def test_user_list_counts_flags_and_tokens(admin_client):
    user = UserFactory(username="busy")
    FlagFactory.create_batch(2, author=user)
    ApiToken.issue(user)
    response = admin_client.get(reverse("admin:accounts_user_changelist"), {"q": "busy"})
    [row] = response.context["cl"].result_list
    assert (row.flag_total, row.token_total) == (2, 1)
    page = response.content.decode()
    assert '<td class="field-flag_count">2</td>' in page
    assert '<td class="field-token_count">1</td>' in page


def test_user_fields_cannot_be_edited_directly(admin_client):
    user = UserFactory(username="ada")
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        {
            "username": "hacked",
            "admin": "on",
            "api_tokens-TOTAL_FORMS": "0",
            "api_tokens-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.username == "ada" and not user.admin


def test_delete_a_token_from_the_user_page(admin_client):
    user = UserFactory()
    token, _secret = ApiToken.issue(user, description="leaked")
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        {
            "api_tokens-TOTAL_FORMS": "1",
            "api_tokens-INITIAL_FORMS": "1",
            "api_tokens-0-id": str(token.pk),
            "api_tokens-0-user": str(user.pk),
            "api_tokens-0-DELETE": "on",
        },
    )
    assert response.status_code == 302
    assert not ApiToken.objects.exists()


def test_delete_a_user_shows_what_goes_and_keeps_their_flags(admin_client):
    user = UserFactory(username="gone", email="gone@example.org")
    ApiToken.issue(user)
    flag = FlagFactory(author=user)
    url = reverse("admin:accounts_user_delete", args=[user.pk])
    page = admin_client.get(url).content.decode()
    assert "User gone &lt;gone@example.org&gt;: 1 API token deleted; 1 flag kept" in page
    admin_client.post(url, {"post": "yes"})
    assert not User.objects.filter(pk=user.pk).exists()
    assert Flag.objects.get(pk=flag.pk).author is None
    assert log_entries(user) == [(DELETION, "")]


def test_configured_administrators_and_yourself_cannot_be_deleted(
    admin_client, moderator, settings
):
    boss = AdminFactory(email="boss@example.org")
    settings.ANITYA_WEB_ADMINS = ["boss@example.org"]
    for user in (boss, moderator):
        url = reverse("admin:accounts_user_delete", args=[user.pk])
        page = admin_client.get(url).content.decode()
        assert "protected" in page
        admin_client.post(url, {"post": "yes"})
        assert User.objects.filter(pk=user.pk).exists()


def test_tokens_are_listed_without_secrets_and_deleted_through_the_service(admin_client):
    token, secret = ApiToken.issue(UserFactory(), description="bot")
    page = admin_client.get(reverse("admin:accounts_apitoken_changelist")).content.decode()
    assert token.prefix in page and secret not in page and token.key_hash not in page
    admin_client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "delete_selected", "_selected_action": [str(token.pk)], "post": "yes"},
    )
    assert not ApiToken.objects.exists()


def test_the_admin_index_has_one_accounts_section_and_counts_the_open_flags(admin_client):
    FlagFactory.create_batch(2)
    FlagFactory(state=Flag.State.CLOSED)

    response = admin_client.get(reverse("admin:index"))

    assert response.status_code == 200
    sections = [app["name"] for app in response.context["app_list"]]
    assert sections.count("Accounts") == 1
    accounts = next(app for app in response.context["app_list"] if app["name"] == "Accounts")
    assert {model["object_name"] for model in accounts["models"]} == {"User", "ApiToken"}
    assert "Email addresses" in sections and "Sign-in providers" in sections
    page = response.content.decode()
    link = reverse("admin:projects_flag_changelist") + "?state__exact=open"
    assert f'<a href="{link}">2 open flags</a>' in page
    # The link lists exactly those.
    assert admin_client.get(link).context["cl"].result_count == 2
