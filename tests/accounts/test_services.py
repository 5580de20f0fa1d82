"""Bans, administrators and tokens: the account services and what a user notices of them."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from accounts import services
from accounts.models import ApiToken, User
from tests.factories import AdminFactory, FlagFactory, UserFactory

pytestmark = pytest.mark.django_db


class WhoAmI(APIView):
    """An API endpoint with the project's default authentication."""

    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"email": request.user.email})


def _api_call(secret: str):
    request = APIRequestFactory().get("/api/whoami", HTTP_AUTHORIZATION=f"Token {secret}")
    return WhoAmI.as_view()(request)


def test_ban_ends_an_open_session_on_the_next_request(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("accounts:settings")).status_code == 200
    assert services.user_set_active(user, False, by=AdminFactory()) is True
    response = client.get(reverse("accounts:settings"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    # The session itself is gone, not merely ignored: unbanning does not bring it back.
    assert SESSION_KEY not in client.session
    services.user_set_active(user, True)
    assert client.get(reverse("accounts:settings")).status_code == 302


def test_ban_refuses_the_users_api_tokens_at_once():
    user = UserFactory()
    _token, secret = services.token_create(user, "bot")
    assert _api_call(secret).data == {"email": user.email}
    services.user_set_active(user, False)
    refused = _api_call(secret)
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == "Token"
    services.user_set_active(user, True)
    assert _api_call(secret).status_code == 200


def test_ban_and_unban_report_whether_anything_changed():
    user = UserFactory()
    assert services.user_set_active(user, True) is False
    assert services.user_set_active(user, False) is True
    assert services.user_set_active(user, False) is False
    assert User.objects.get(pk=user.pk).is_active is False


def test_configured_administrators_cannot_be_banned_demoted_or_deleted(settings):
    boss = UserFactory(email="boss@example.org", admin=True)
    settings.ANITYA_WEB_ADMINS = ["boss@example.org"]
    for attempt in (
        lambda: services.user_set_active(boss, False),
        lambda: services.user_set_admin(boss, False),
        lambda: services.user_delete(boss),
    ):
        with pytest.raises(services.ConfiguredAdministrator, match="ANITYA_WEB_ADMINS"):
            attempt()
    boss.refresh_from_db()
    assert boss.is_active and boss.admin


def test_grant_and_revoke_admin():
    user = UserFactory()
    assert services.user_set_admin(user, True) is True
    assert User.objects.get(pk=user.pk).is_staff
    assert services.user_set_admin(user, True) is False
    assert services.user_set_admin(user, False) is True
    assert not User.objects.get(pk=user.pk).is_staff


def test_administrators_may_revoke_their_own_rights_but_not_ban_themselves():
    admin = AdminFactory()
    with pytest.raises(services.AccountError, match="yourself"):
        services.user_set_active(admin, False, by=admin)
    assert services.user_set_admin(admin, False, by=admin) is True


def test_deleting_a_user_removes_tokens_and_keeps_their_flags():
    user = UserFactory()
    services.token_create(user)
    flag = FlagFactory(author=user)
    services.user_delete(user, by=AdminFactory())
    assert not User.objects.filter(pk=user.pk).exists()
    assert not ApiToken.objects.exists()
    flag.refresh_from_db()
    assert flag.author is None


def test_banned_users_cannot_create_tokens():
    with pytest.raises(services.AccountError):
        services.token_create(UserFactory(is_active=False))


def test_token_delete_only_deletes_the_owners_token():
    owner, other = UserFactory(), UserFactory()
    token, secret = services.token_create(owner)
    with pytest.raises(services.TokenNotFound):
        services.token_delete(token.pk, user=other)
    with pytest.raises(services.TokenNotFound):
        services.token_delete("not-a-number", user=owner)
    services.token_delete(token.pk, user=owner)
    assert _api_call(secret).status_code == 401


@pytest.mark.parametrize(
    ("listed", "email", "username", "expected"),
    [
        (["Spam@Example.org"], "spam@example.org", "x", True),
        (["troll"], "a@example.org", "TROLL", True),
        (["troll"], "troll@example.org", "ada", False),
        ([], "a@example.org", "a", False),
    ],
)
def test_blacklist_matches_email_or_username_ignoring_case(
    settings, listed, email, username, expected
):
    settings.BLACKLISTED_USERS = listed
    assert services.is_blacklisted(email=email, username=username) is expected


def test_a_new_username_writes_that_column_only():
    user = UserFactory(username="old-name", email="ada@example.org")
    user.email = "unsaved@example.org"  # what allauth may hold during a sign-in
    assert services.user_set_username(user, "ada") is True
    assert user.username == "ada"
    stored = User.objects.get(pk=user.pk)
    assert (stored.username, stored.email) == ("ada", "ada@example.org")
    assert services.user_set_username(user, "ada") is False
