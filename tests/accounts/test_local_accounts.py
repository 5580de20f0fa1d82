"""Local accounts: sign in by email or username, banned users refused, switchable off.
Sign-up and its address verification: tests/accounts/test_email_verification.py."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.mark.parametrize("login", ["ada@example.org", "ada"])
def test_sign_in_with_email_or_username(client, login):
    UserFactory(email="ada@example.org", username="ada", verified_email=True)
    response = client.post(reverse("account_login"), {"login": login, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("projects:home")).context["user"].email == "ada@example.org"


def test_wrong_password_is_refused_with_a_form_error(client):
    UserFactory(email="ada@example.org")
    response = client.post(
        reverse("account_login"), {"login": "ada@example.org", "password": "nope"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not response.context["user"].is_authenticated


def test_sign_in_and_sign_up_errors_are_summed_up_above_their_forms(client):
    UserFactory(email="ada@example.org", username="ada")
    sign_in = client.post(reverse("accounts:login"), {"login": "ada", "password": "nope"})
    sign_up = client.post(
        reverse("account_signup"),
        {"email": "not an address", "username": "ada", "password1": "x", "password2": "y"},
    )

    summary = sign_in.content.decode()
    assert 'class="error-summary"' in summary and "There is a problem" in summary
    assert "not correct" in summary.split('class="error-summary"')[1].split("</div>")[0]
    page = sign_up.content.decode()
    summary = page.split('class="error-summary"')[1].split("</div>")[0]
    assert 'href="#id_email"' in summary and 'href="#id_username"' in summary
    # allauth's fields are drawn as the site's own: labelled, their error next to them.
    assert 'id="row-email"' in page and 'id="id_email_error"' in page


def test_banned_user_cannot_sign_in(client):
    UserFactory(email="troll@example.org", is_active=False)
    client.post(reverse("account_login"), {"login": "troll@example.org", "password": PASSWORD})
    assert not client.get(reverse("projects:home")).context["user"].is_authenticated


def test_banned_user_loses_an_open_session_at_once(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("projects:home")).context["user"].is_authenticated
    user.is_active = False
    user.save()
    assert not client.get(reverse("projects:home")).context["user"].is_authenticated


def test_sign_up_creates_a_local_account_waiting_for_its_address(client, mailoutbox):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.org",
            "username": "newcomer",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.get(email="new@example.org").username == "newcomer"
    assert not client.get(reverse("projects:home")).context["user"].is_authenticated
    assert [message.to for message in mailoutbox] == [["new@example.org"]]


def test_local_accounts_can_be_switched_off(client, settings):
    settings.LOCAL_ACCOUNTS = False
    settings.SOCIALACCOUNT_ONLY = True
    UserFactory(email="ada@example.org")
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.org",
            "username": "newcomer",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code in {200, 404}  # 404 when switched off at start-up
    assert not User.objects.filter(email="new@example.org").exists()
    login = client.post(
        reverse("account_login"), {"login": "ada@example.org", "password": PASSWORD}
    )
    assert login.status_code == 403
    assert not client.get(reverse("projects:home")).context["user"].is_authenticated
