"""Sign-in end to end against a local OpenID Connect provider stand-in (tests/accounts/conftest.py),
and the /login/ page: buttons, the local form, safe redirects, bans and the blacklist."""

from __future__ import annotations

import pytest
import responses
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from accounts.models import User
from accounts.providers import socialaccount_providers
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def _signed_in_user(client):
    return client.get(reverse("projects:home")).context["user"]


# -- OpenID Connect ---------------------------------------------------------------------------


def test_first_sign_in_creates_the_user_and_returns_to_next(client, oidc):
    oidc.sign_in_as(email="ada@example.org", email_verified=True, preferred_username="ada")
    response = oidc.sign_in(client, next_url="/settings/")
    assert response.status_code == 302
    assert response["Location"] == "/settings/"
    user = User.objects.get(email="ada@example.org")
    assert user.username == "ada"
    assert user.is_active and not user.admin
    assert not user.has_usable_password()
    assert SocialAccount.objects.get(user=user).provider == "example"
    assert _signed_in_user(client) == user
    # The code was exchanged with the client's secret, as the provider demands.
    assert oidc.token_requests[0]["client_id"] == ["releasemon-test"]


def test_an_existing_user_is_matched_by_verified_email_and_username_kept_current(client, oidc):
    existing = UserFactory(email="Ada@Example.org", username="old-name", verified_email=True)
    oidc.sign_in_as(email="ada@example.org", email_verified=True, preferred_username="ada")
    assert oidc.sign_in(client).status_code == 302
    assert User.objects.count() == 1
    existing.refresh_from_db()
    assert existing.username == "ada"
    assert _signed_in_user(client) == existing

    # Renamed at the provider: the next sign-in (now through the linked account) follows.
    client.logout()
    oidc.sign_in_as(
        sub=SocialAccount.objects.get().uid,
        email="ada@example.org",
        email_verified=True,
        preferred_username="ada-lovelace",
    )
    assert oidc.sign_in(client).status_code == 302
    existing.refresh_from_db()
    assert existing.username == "ada-lovelace"
    assert _signed_in_user(client) == existing


def test_a_new_user_keeps_a_username_someone_else_already_has(client, oidc):
    UserFactory(email="first@example.org", username="sam")
    oidc.sign_in_as(email="second@example.org", email_verified=True, preferred_username="sam")
    assert oidc.sign_in(client).status_code == 302
    newcomer = User.objects.get(email="second@example.org")
    assert newcomer.username == "sam"  # usernames are not unique (contract §1.7)
    assert _signed_in_user(client) == newcomer


def test_an_unverified_email_does_not_take_over_an_existing_account(client, oidc, mailoutbox):
    victim = UserFactory(email="victim@example.org", verified_email=True)
    oidc.sign_in_as(email="victim@example.org", email_verified=False, preferred_username="x")
    response = oidc.sign_in(client)
    assert not _signed_in_user(client).is_authenticated
    # allauth's enumeration-safe answer: "check your mail", and the owner is told.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert [message.to for message in mailoutbox] == [["victim@example.org"]]
    assert "already exists" in mailoutbox[0].body
    assert not SocialAccount.objects.exists()
    assert list(User.objects.all()) == [victim]


def test_a_banned_user_is_refused_with_a_clear_page(client, oidc):
    UserFactory(email="troll@example.org", is_active=False, verified_email=True)
    oidc.sign_in_as(email="troll@example.org", email_verified=True, preferred_username="troll")
    response = oidc.sign_in(client)
    assert response.status_code == 403
    assert "This account has been banned" in response.content.decode()
    assert not _signed_in_user(client).is_authenticated


@pytest.mark.parametrize("entry", ["spam@example.org", "SPAMMER"])
def test_a_blacklisted_person_cannot_sign_in_nor_get_an_account(client, oidc, settings, entry):
    settings.BLACKLISTED_USERS = [entry]
    oidc.sign_in_as(email="spam@example.org", email_verified=True, preferred_username="spammer")
    response = oidc.sign_in(client)
    assert response.status_code == 403
    assert "not allowed to sign in" in response.content.decode()
    assert not User.objects.exists()
    assert not _signed_in_user(client).is_authenticated


def test_a_blacklisted_existing_user_is_refused(client, oidc, settings):
    user = UserFactory(email="ex@example.org", verified_email=True)
    settings.BLACKLISTED_USERS = [str(user.pk)]
    oidc.sign_in_as(email="ex@example.org", email_verified=True, preferred_username="ex")
    assert oidc.sign_in(client).status_code == 403
    assert not _signed_in_user(client).is_authenticated


@pytest.mark.parametrize(
    "hostile",
    ["//evil.example", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"],
)
def test_a_hostile_next_is_ignored_after_signing_in(client, oidc, hostile):
    oidc.sign_in_as(email="ada@example.org", email_verified=True, preferred_username="ada")
    response = oidc.sign_in(client, next_url=hostile)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _signed_in_user(client).email == "ada@example.org"


def test_fedora_accounts_are_known_by_their_fedoraproject_address(client, fedora):
    # Anitya stored Fedora users as <username>@fedoraproject.org: they keep their account
    # (its address verified: Anitya only ever learnt addresses from the providers).
    anitya_user = UserFactory(
        email="ralph@fedoraproject.org", username="ralph", verified_email=True
    )
    fedora.sign_in_as(email="ralph@gmail.example", preferred_username="ralph")
    assert fedora.sign_in(client).status_code == 302
    assert _signed_in_user(client) == anitya_user
    assert User.objects.count() == 1


def test_a_provider_failure_is_an_error_page_not_a_crash(client, oidc):
    oidc.sign_in_as(email="ada@example.org", email_verified=True)
    start = client.post("/accounts/oidc/example/login/", {"process": "login"})
    state = start["Location"].split("state=")[1].split("&")[0]
    response = client.get(
        "/accounts/oidc/example/login/callback/", {"code": "wrong", "state": state}
    )
    assert response.status_code == 401
    assert "Third-Party Login Failure" in response.content.decode()
    assert not _signed_in_user(client).is_authenticated


# -- the /login/ page --------------------------------------------------------------------------


def test_login_page_shows_one_button_per_provider_and_the_local_form(client, oidc):
    page = client.get(reverse("accounts:login"), {"next": "/settings/"}).content.decode()
    assert "Sign in with Example ID" in page
    assert 'action="/accounts/oidc/example/login/?process=login&amp;next=%2Fsettings%2F"' in page
    assert 'name="password"' in page


def test_login_page_without_local_accounts_has_buttons_only(client, oidc, settings):
    settings.LOCAL_ACCOUNTS = False
    settings.SOCIALACCOUNT_ONLY = True
    page = client.get(reverse("accounts:login")).content.decode()
    assert "Sign in with Example ID" in page
    assert 'name="password"' not in page
    UserFactory(email="ada@example.org")
    client.post(reverse("accounts:login"), {"login": "ada@example.org", "password": PASSWORD})
    assert not _signed_in_user(client).is_authenticated


def test_local_sign_in_on_the_login_page_follows_a_safe_next(client):
    UserFactory(email="ada@example.org", username="ada", verified_email=True)
    response = client.post(
        reverse("accounts:login"),
        {"login": "ada", "password": PASSWORD, "next": "/settings/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/settings/"
    assert _signed_in_user(client).email == "ada@example.org"


@pytest.mark.parametrize("hostile", ["//evil.example", "https://evil.example/"])
def test_local_sign_in_ignores_a_hostile_next(client, hostile):
    UserFactory(email="ada@example.org", verified_email=True)
    response = client.post(
        f"{reverse('accounts:login')}?next={hostile}",
        {"login": "ada@example.org", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_local_sign_in_with_a_wrong_password_shows_the_error(client):
    UserFactory(email="ada@example.org")
    response = client.post(
        reverse("accounts:login"), {"login": "ada@example.org", "password": "wrong"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not _signed_in_user(client).is_authenticated


def test_a_blacklisted_local_user_is_refused_with_a_clear_page(client, settings):
    UserFactory(email="spam@example.org")
    settings.BLACKLISTED_USERS = ["spam@example.org"]
    response = client.post(
        reverse("accounts:login"), {"login": "spam@example.org", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "not allowed to sign in" in response.content.decode()
    assert not _signed_in_user(client).is_authenticated


def test_a_blacklisted_address_cannot_sign_up(client, settings):
    settings.BLACKLISTED_USERS = ["spam@example.org"]
    response = client.post(
        reverse("account_signup"),
        {
            "email": "spam@example.org",
            "username": "spam",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 200
    assert not User.objects.exists()


def test_a_username_shared_by_two_people_signs_nobody_in(client):
    UserFactory(email="a@example.org", username="same")
    UserFactory(email="b@example.org", username="same")
    response = client.post(reverse("accounts:login"), {"login": "same", "password": PASSWORD})
    assert response.status_code == 200
    assert not _signed_in_user(client).is_authenticated


def test_signed_in_user_visiting_login_goes_to_next(client):
    client.force_login(UserFactory())
    assert client.get(reverse("accounts:login"), {"next": "/settings/"})["Location"] == (
        "/settings/"
    )


def test_sign_out_needs_a_post(client):
    client.force_login(UserFactory())
    page = client.get(reverse("accounts:logout"))
    assert page.status_code == 200
    assert _signed_in_user(client).is_authenticated
    response = client.post(reverse("accounts:logout"), {"next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert not _signed_in_user(client).is_authenticated


# -- GitHub ------------------------------------------------------------------------------------


@pytest.fixture
def github(settings):
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(
        {"GITHUB_CLIENT_ID": "gh-id", "GITHUB_CLIENT_SECRET": "gh-secret"}
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(
            "https://github.com/login/oauth/access_token",
            json={"access_token": "gh-token", "token_type": "bearer", "scope": "user:email"},
        )
        mock.get(
            "https://api.github.com/user",
            json={"id": 583231, "login": "octocat", "name": "The Octocat", "email": None},
        )
        yield mock


def _github_sign_in(client, github, emails):
    github.get("https://api.github.com/user/emails", json=emails)
    start = client.post("/accounts/github/login/", {"process": "login"})
    assert start["Location"].startswith("https://github.com/login/oauth/authorize?")
    state = start["Location"].split("state=")[1].split("&")[0]
    return client.get("/accounts/github/login/callback/", {"code": "c", "state": state})


GITHUB_EMAILS = [
    {"email": "octo@example.org", "verified": True, "primary": True},
    {"email": "other@example.org", "verified": False, "primary": False},
]


def test_github_sign_in_matches_an_existing_user_by_verified_address(client, github):
    owner = UserFactory(email="octo@example.org", username="old", verified_email=True)
    response = _github_sign_in(client, github, GITHUB_EMAILS)
    assert response.status_code == 302
    owner.refresh_from_db()
    assert _signed_in_user(client) == owner
    assert owner.username == "octocat"
    assert SocialAccount.objects.get(user=owner).uid == "583231"


def test_github_sign_in_never_matches_an_unverified_address(client, github):
    victim = UserFactory(email="other@example.org")
    assert _github_sign_in(client, github, GITHUB_EMAILS).status_code == 302
    newcomer = _signed_in_user(client)
    assert newcomer != victim
    assert newcomer.email == "octo@example.org"
    assert newcomer.username == "octocat"
    assert not SocialAccount.objects.filter(user=victim).exists()
