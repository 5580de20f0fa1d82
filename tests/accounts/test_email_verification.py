"""Addresses are verified before they count (issue #13): local sign-up mails a link and
sign-in waits for it; a provider sign-in joins an existing account only through an address
verified on both sides. The mail goes through a real SMTP server on 127.0.0.1 (aiosmtpd) once,
and through Django's in-memory outbox elsewhere."""

from __future__ import annotations

import re
import socket
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from accounts.models import User
from releasemon.config import email_settings
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
SITE_URL = "https://releasemon.example"
CONFIRM_LINK = re.compile(re.escape(SITE_URL) + r"(/accounts/confirm-email/[^/\s]+/)")


class Inbox:
    """An aiosmtpd handler keeping what it receives, and who logged in to send it."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.logins: list[tuple[str, str]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        return AuthResult(success=(login, password) == ("mailer", "s3cret/@"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback that wants a login (plain text: it is loopback)."""
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=_free_port(),
        authenticator=inbox.authenticate,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    inbox.port = controller.port
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def site_url(settings):
    """The public address differs from the test client's host: links must use SITE_URL."""
    settings.SITE_URL = SITE_URL


def _sign_up(client, email: str, username: str):
    return client.post(
        reverse("account_signup"),
        {"email": email, "username": username, "password1": PASSWORD, "password2": PASSWORD},
    )


def _sign_in(client, login: str):
    return client.post(reverse("accounts:login"), {"login": login, "password": PASSWORD})


def _signed_in_user(client):
    return client.get(reverse("projects:home")).context["user"]


def _follow(client, body: str):
    """Open the confirmation link of a mail and press its button."""
    path = CONFIRM_LINK.search(body).group(1)
    page = client.get(path)
    assert page.status_code == 200
    assert 'method="post"' in page.content.decode()
    return client.post(path)


# -- local sign-up ------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_sign_up_mails_a_link_over_smtp_and_sign_in_waits_for_it(client, smtp_server):
    mail = email_settings(
        {
            "EMAIL_URL": f"smtp://mailer:s3cret%2F%40@127.0.0.1:{smtp_server.port}",
            "ADMIN_EMAIL": "releasemon@releasemon.example",
        }
    )
    assert mail["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    with override_settings(**mail):
        response = _sign_up(client, "new@example.org", "newcomer")
        assert response.status_code == 302
        assert response["Location"] == reverse("account_email_verification_sent")
        assert not _signed_in_user(client).is_authenticated

        # The server received one mail, sent after logging in with the URL's credentials.
        assert smtp_server.logins == [("mailer", "s3cret/@")]
        assert smtp_server.envelopes == [("releasemon@releasemon.example", ["new@example.org"])]
        (message,) = smtp_server.messages
        assert message["To"] == "new@example.org"
        assert message["Subject"].startswith("[releasemon] ")
        body = message.get_content()
        assert "releasemon.example" in body and "example.com" not in body

        # Before the link is followed, the password alone signs nobody in.
        refused = _sign_in(client, "new@example.org")
        assert refused.status_code == 302
        assert refused["Location"] == reverse("account_email_verification_sent")
        assert not _signed_in_user(client).is_authenticated
        assert not EmailAddress.objects.get(email="new@example.org").verified

        assert _follow(client, body).status_code == 302
        assert EmailAddress.objects.get(email="new@example.org").verified

        response = _sign_in(client, "newcomer")
        assert response.status_code == 302
        assert response["Location"] == "/"
        assert _signed_in_user(client).email == "new@example.org"


def test_an_account_without_a_verified_address_gets_a_link_when_signing_in(client, mailoutbox):
    # Made by an administrator, or signed up before verification existed.
    user = UserFactory(email="old@example.org")
    response = _sign_in(client, "old@example.org")
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not _signed_in_user(client).is_authenticated
    (message,) = mailoutbox
    assert message.to == ["old@example.org"]
    _follow(client, message.body)
    assert _sign_in(client, "old@example.org")["Location"] == "/"
    assert _signed_in_user(client) == user


# -- provider sign-in meets an existing account -------------------------------------------------


def test_signing_up_with_someone_elses_address_does_not_receive_their_account(
    client, oidc, mailoutbox
):
    # The attacker signs up with the victim's address; they cannot follow the link.
    attacker = client.__class__()
    assert _sign_up(attacker, "victim@example.org", "attacker").status_code == 302
    squatted = User.objects.get(email="victim@example.org")
    assert len(mailoutbox) == 1

    # The victim signs in through their provider, which vouches for the address.
    oidc.sign_in_as(email="victim@example.org", email_verified=True, preferred_username="victim")
    response = oidc.sign_in(client)
    assert response.status_code == 409
    page = response.content.decode()
    assert "An account already uses this address" in page
    assert reverse("account_reset_password") in page
    assert not _signed_in_user(client).is_authenticated

    # Nothing was joined, nothing was created, nothing was wiped.
    assert list(User.objects.all()) == [squatted]
    assert not SocialAccount.objects.exists()
    squatted.refresh_from_db()
    assert squatted.username == "attacker"
    assert squatted.has_usable_password()
    assert not EmailAddress.objects.get(user=squatted).verified
    # And the attacker still cannot use the account.
    assert _sign_in(attacker, "victim@example.org")["Location"] == (
        reverse("account_email_verification_sent")
    )


def test_an_address_verified_on_both_sides_joins_the_account(client, oidc, mailoutbox):
    assert _sign_up(client, "ada@example.org", "ada").status_code == 302
    (message,) = mailoutbox
    _follow(client, message.body)
    ada = User.objects.get(email="ada@example.org")

    oidc.sign_in_as(email="ADA@example.org", email_verified=True, preferred_username="ada")
    response = oidc.sign_in(client, next_url="/settings/")
    assert response.status_code == 302
    assert response["Location"] == "/settings/"
    assert _signed_in_user(client) == ada
    assert SocialAccount.objects.get().user == ada
    assert User.objects.count() == 1
    ada.refresh_from_db()
    assert ada.has_usable_password()  # a verified address: nothing to lock out

    # From now on the provider account itself finds the user.
    client.logout()
    oidc.sign_in_as(
        sub=SocialAccount.objects.get().uid, email="ada@example.org", email_verified=True
    )
    assert oidc.sign_in(client).status_code == 302
    assert _signed_in_user(client) == ada


def test_an_account_with_no_verified_address_row_is_not_joined(client, oidc):
    # E.g. created in the admin, with its address never confirmed.
    existing = UserFactory(email="Bob@Example.org")
    oidc.sign_in_as(email="bob@example.org", email_verified=True, preferred_username="bob")
    response = oidc.sign_in(client)
    assert response.status_code == 409
    assert not _signed_in_user(client).is_authenticated
    assert list(User.objects.all()) == [existing]  # no duplicate differing only in case
    assert not SocialAccount.objects.exists()


def test_an_unverified_provider_address_never_duplicates_an_account_ignoring_case(
    client, oidc, mailoutbox
):
    existing = UserFactory(email="Bob@Example.org")
    oidc.sign_in_as(email="bob@example.org", email_verified=False, preferred_username="bob")
    response = oidc.sign_in(client)
    assert response["Location"] == reverse("account_email_verification_sent")
    assert list(User.objects.all()) == [existing]
    assert [message.to for message in mailoutbox] == [["bob@example.org"]]


# -- accounts made by a provider ---------------------------------------------------------------


def test_a_provider_verified_address_is_stored_verified(client, oidc):
    oidc.sign_in_as(email="Grace@example.org", email_verified=True, preferred_username="grace")
    assert oidc.sign_in(client).status_code == 302
    grace = _signed_in_user(client)
    assert grace.email.lower() == "grace@example.org"
    address = EmailAddress.objects.get(user=grace)
    assert (address.email, address.verified, address.primary) == ("grace@example.org", True, True)


def test_a_new_account_with_an_unverified_provider_address_waits_for_the_link(
    client, oidc, mailoutbox
):
    oidc.sign_in_as(email="linus@example.org", email_verified=False, preferred_username="linus")
    response = oidc.sign_in(client)
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not _signed_in_user(client).is_authenticated
    linus = User.objects.get(email="linus@example.org")
    assert not EmailAddress.objects.get(user=linus).verified
    (message,) = mailoutbox
    _follow(client, message.body)
    sub = SocialAccount.objects.get(user=linus).uid
    oidc.sign_in_as(sub=sub, email="linus@example.org", email_verified=False)
    assert oidc.sign_in(client).status_code == 302
    assert _signed_in_user(client) == linus


def test_a_linked_account_without_an_address_row_is_verified_by_its_provider(client, oidc):
    # Linked before verification existed (joined by email, or imported): no mail needed when
    # the provider vouches for the account's address, and the address counts from now on.
    user = UserFactory(email="Old@Example.org")
    SocialAccount.objects.create(user=user, provider="example", uid="old-sub")
    oidc.sign_in_as(sub="old-sub", email="old@example.org", email_verified=True)
    assert oidc.sign_in(client).status_code == 302
    assert _signed_in_user(client) == user
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == ("old@example.org", True, True)


def test_a_linked_account_whose_provider_does_not_vouch_waits_for_the_link(
    client, oidc, mailoutbox
):
    user = UserFactory(email="old@example.org")
    SocialAccount.objects.create(user=user, provider="example", uid="old-sub")
    oidc.sign_in_as(sub="old-sub", email="old@example.org", email_verified=False)
    response = oidc.sign_in(client)
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not _signed_in_user(client).is_authenticated
    assert [message.to for message in mailoutbox] == [["old@example.org"]]


def test_a_provider_address_someone_else_has_is_not_copied_to_a_new_account(client, settings):
    """GitHub lists several addresses: the new account keeps only those nobody has."""
    import responses

    from accounts.providers import socialaccount_providers

    other = UserFactory(email="other@example.org")
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(
        {"GITHUB_CLIENT_ID": "gh-id", "GITHUB_CLIENT_SECRET": "gh-secret"}
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(
            "https://github.com/login/oauth/access_token",
            json={"access_token": "gh-token", "token_type": "bearer", "scope": "user:email"},
        )
        mock.get("https://api.github.com/user", json={"id": 1, "login": "octo", "email": None})
        mock.get(
            "https://api.github.com/user/emails",
            json=[
                {"email": "octo@example.org", "verified": True, "primary": True},
                {"email": "other@example.org", "verified": True, "primary": False},
            ],
        )
        start = client.post("/accounts/github/login/", {"process": "login"})
        state = start["Location"].split("state=")[1].split("&")[0]
        response = client.get("/accounts/github/login/callback/", {"code": "c", "state": state})
    assert response.status_code == 302
    octo = _signed_in_user(client)
    assert octo != other and octo.email == "octo@example.org"
    assert list(EmailAddress.objects.values_list("user", "email")) == [
        (octo.pk, "octo@example.org")
    ]


# -- the way out the refusal page describes ------------------------------------------------------


def _connect(client, oidc):
    """Connect the provider to the signed-in account (Settings → Sign-in providers)."""
    start = client.post(f"/accounts/oidc/{oidc.provider_id}/login/", {"process": "connect"})
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    return client.get(
        f"/accounts/oidc/{oidc.provider_id}/login/callback/", {"code": "the-code", "state": state}
    )


def test_the_owner_of_the_address_recovers_a_squatted_account(client, oidc, mailoutbox):
    attacker = client.__class__()
    _sign_up(attacker, "victim@example.org", "attacker")
    squatted = User.objects.get(email="victim@example.org")
    oidc.sign_in_as(email="victim@example.org", email_verified=True, preferred_username="victim")
    assert oidc.sign_in(client).status_code == 409
    mailoutbox.clear()

    # The victim resets the password through their mailbox; the link is on SITE_URL.
    client.post(reverse("account_reset_password"), {"email": "victim@example.org"})
    (reset,) = mailoutbox
    link = re.search(re.escape(SITE_URL) + r"(/accounts/password/reset/key/\S+/)", reset.body)
    form = client.get(link.group(1), follow=True)
    new_password = "a brand new passphrase"
    client.post(form.redirect_chain[-1][0], {"password1": new_password, "password2": new_password})
    # Signing in still needs the address confirmed, which only its owner can do. (Minutes
    # later: allauth mails one link per address every three minutes, counted in the cache.)
    mailoutbox.clear()
    cache.clear()
    credentials = {"login": "victim@example.org", "password": new_password}
    refused = client.post(reverse("accounts:login"), credentials)
    assert refused["Location"] == reverse("account_email_verification_sent")
    _follow(client, mailoutbox[0].body)
    assert client.post(reverse("accounts:login"), credentials)["Location"] == "/"
    assert _signed_in_user(client) == squatted

    # Now the provider can be connected, and signs in to this account from then on.
    assert _connect(client, oidc).status_code == 302
    assert SocialAccount.objects.get().user == squatted
    client.logout()
    oidc.sign_in_as(
        sub=SocialAccount.objects.get().uid, email="victim@example.org", email_verified=True
    )
    assert oidc.sign_in(client).status_code == 302
    assert _signed_in_user(client) == squatted
    # The attacker's password is gone.
    assert _sign_in(attacker, "victim@example.org").context["form"].errors
    assert not _signed_in_user(attacker).is_authenticated


def test_sign_up_while_the_mail_server_is_down_keeps_the_account_and_says_so(
    client, settings, caplog
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()  # nobody listens
    settings.EMAIL_TIMEOUT = 2

    response = _sign_up(client, "late@example.org", "late")

    assert response.status_code in (200, 302)
    assert User.objects.filter(email="late@example.org").exists()
    page = client.get(response["Location"]) if response.status_code == 302 else response
    assert "mail server did not answer" in page.content.decode()
    assert "Could not send the account/email/email_confirmation_signup mail" in caplog.text


def test_the_first_administrator_can_sign_in_on_the_site_at_once(client):
    from accounts.services import ensure_administrator

    user, password = ensure_administrator()

    assert EmailAddress.objects.get(user=user).verified
    signed_in = client.post(reverse("accounts:login"), {"login": user.email, "password": password})
    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/"
