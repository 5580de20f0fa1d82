"""The settings page: the user's id and API tokens, created (shown once) and deleted."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIRequestFactory

from accounts.authentication import TokenAuthentication
from accounts.models import ApiToken, hash_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(client):
    user = UserFactory(username="ada")
    client.force_login(user)
    return user


def test_settings_needs_a_signed_in_user(client):
    response = client.get(reverse("accounts:settings"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=/settings/"


def test_settings_shows_the_user_id_and_token_metadata(client, user):
    token, secret = ApiToken.issue(user, description="ci bot")
    ApiToken.objects.filter(pk=token.pk).update(last_used=timezone.now())
    ApiToken.issue(UserFactory(), description="someone else's")
    page = client.get(reverse("accounts:settings")).content.decode()
    assert str(user.pk) in page
    assert secret not in page
    table = page[page.index('id="token-list"') : page.index("</table>")]
    assert "ci bot" in table
    assert f"{secret[:8]}…" in table
    assert "someone else" not in table
    assert "never" not in table  # last used is shown as a date
    assert table.count(timezone.now().strftime("%Y-%m-%d")) == 2  # created and last used


def test_a_new_token_is_shown_once_in_full_with_a_copy_button(client, user):
    response = client.post(reverse("accounts:token_create"), {"description": "  laptop  "})
    assert response.status_code == 302
    token = ApiToken.objects.get(user=user)
    assert token.description == "laptop"
    first = client.get(reverse("accounts:settings"))
    secret = first.context["new_token"]["secret"]
    assert token.key_hash == hash_token(secret)
    page = first.content.decode()
    assert f'<code id="new-token-secret">{secret}</code>' in page
    assert 'id="copy-token"' in page
    again = client.get(reverse("accounts:settings")).content.decode()
    assert secret not in again
    assert f"{secret[:8]}…" in again


def test_the_new_token_works_on_the_api(client, user):
    client.post(reverse("accounts:token_create"), {"description": "api"})
    secret = client.get(reverse("accounts:settings")).context["new_token"]["secret"]
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {secret}")
    authenticated_user, _token = TokenAuthentication().authenticate(request)
    assert authenticated_user == user


def test_a_too_long_description_is_refused_with_a_message(client, user):
    response = client.post(
        reverse("accounts:token_create"), {"description": "x" * 201}, follow=True
    )
    assert "too long" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_refused_description_is_summed_up_above_the_form_and_kept(client, user):
    response = client.post(reverse("accounts:token_create"), {"description": "x" * 201})

    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="error-summary"' in page and "There is a problem" in page
    assert (
        '<a href="#id_description" data-field-id="id_description">Description: The description '
        "is too long: at most 200 characters.</a>" in page
    )
    assert 'value="' + "x" * 201 + '"' in page  # what was typed is kept, to shorten it
    assert not ApiToken.objects.exists()


def test_delete_a_token(client, user):
    token, _ = ApiToken.issue(user, description="old")
    response = client.post(reverse("accounts:token_delete", args=[token.pk]), follow=True)
    assert not ApiToken.objects.exists()
    assert f"API token {token.prefix}… deleted." in response.content.decode()


def test_nobody_deletes_someone_elses_token(client, user):
    token, _ = ApiToken.issue(UserFactory())
    response = client.post(reverse("accounts:token_delete", args=[token.pk]), follow=True)
    assert ApiToken.objects.filter(pk=token.pk).exists()
    assert "does not exist or is not yours" in response.content.decode()


def test_token_routes_refuse_get_and_anonymous_users(client):
    token, _ = ApiToken.issue(UserFactory())
    assert client.get(reverse("accounts:token_create")).status_code == 405
    response = client.post(reverse("accounts:token_delete", args=[token.pk]))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_token_create_requires_the_csrf_token(user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(reverse("accounts:token_create"), {"description": "x"}).status_code == 403
    assert not ApiToken.objects.exists()
