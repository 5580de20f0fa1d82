"""Users and API tokens: hashed tokens, configured administrators, bans."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from accounts.models import ApiToken, User, hash_token
from accounts.services import ensure_administrator
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_token_secret_is_never_stored():
    user = UserFactory()
    token, secret = ApiToken.issue(user, description="ci bot")
    assert len(secret) == 40
    assert secret.isalnum()
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hash_token(secret)
    assert secret not in {stored.key_hash, stored.prefix, stored.description}
    assert stored.prefix == secret[:8]
    assert str(stored).startswith(secret[:8])


def test_two_tokens_never_share_a_secret():
    user = UserFactory()
    secrets = {ApiToken.issue(user)[1] for _ in range(20)}
    assert len(secrets) == 20


def test_user_id_is_a_uuid_and_email_is_unique():
    user = UserFactory(email="a@example.org")
    assert len(str(user.pk)) == 36
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="a@example.org", username="other")


def test_usernames_need_not_be_unique():
    UserFactory(username="same")
    UserFactory(username="same")
    assert User.objects.filter(username="same").count() == 2


def test_admin_rights_follow_the_admin_flag_and_the_ban():
    user = UserFactory(admin=True)
    assert user.is_staff and user.is_superuser and user.has_perm("projects.delete_project")
    user.is_active = False
    assert not user.is_staff
    assert not UserFactory().is_staff


def test_configured_administrators_are_admins_by_id_or_email(settings):
    by_email = UserFactory(email="boss@example.org")
    by_id = UserFactory()
    settings.ANITYA_WEB_ADMINS = ["BOSS@example.org", str(by_id.pk)]
    assert by_email.is_admin and by_email.is_configured_admin
    assert by_id.is_admin
    assert not UserFactory().is_admin


def test_fresh_install_gets_one_administrator_with_a_working_password():
    user, password = ensure_administrator()
    assert user.admin and user.check_password(password)
    assert ensure_administrator() is None
