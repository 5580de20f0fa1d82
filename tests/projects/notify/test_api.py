"""API v2's watches, channels and delivery log: the caller's own rows only, with credentials on
every method, v2's error shapes, and hostile input refused with a 400 (never a 500)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core import mail
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from projects.notify.models import Channel, Delivery, Watch
from tests.factories import DistroFactory, ProjectFactory, UserFactory
from tests.projects.notify.factories import ChannelFactory, DeliveryFactory, WatchFactory

pytestmark = pytest.mark.django_db

AUTHENTICATION_REQUIRED = {
    "error": "authentication_required",
    "error_description": "Authentication is required to access this API.",
}
NOT_FOUND = {"error": "not_found", "error_description": "Not found."}


@pytest.fixture(autouse=True)
def _fast_passwords_and_fresh_caches(settings, fresh_caches):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Caller:
    user: User
    client: APIClient


def _caller(email: str) -> Caller:
    user = UserFactory(email=email)
    _, secret = ApiToken.issue(user, "scripts")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return Caller(user, client)


@pytest.fixture
def alice() -> Caller:
    return _caller("alice@example.org")


@pytest.fixture
def bob() -> Caller:
    return _caller("bob@example.org")


def _bobs_rows(bob: Caller) -> dict[str, int]:
    watch = WatchFactory(user=bob.user)
    channel = ChannelFactory(user=bob.user, webhook=True)
    sent = DeliveryFactory(watch=watch, channel=channel)
    return {"watch": watch.pk, "channel": channel.pk, "delivery": sent.pk}


# -- credentials --------------------------------------------------------------------------------

ENDPOINTS = [
    ("get", "/api/v2/watches/"),
    ("post", "/api/v2/watches/"),
    ("get", "/api/v2/watches/1/"),
    ("patch", "/api/v2/watches/1/"),
    ("delete", "/api/v2/watches/1/"),
    ("get", "/api/v2/channels/"),
    ("post", "/api/v2/channels/"),
    ("get", "/api/v2/channels/1/"),
    ("patch", "/api/v2/channels/1/"),
    ("delete", "/api/v2/channels/1/"),
    ("post", "/api/v2/channels/1/rotate-secret/"),
    ("post", "/api/v2/channels/1/test/"),
    ("get", "/api/v2/deliveries/"),
    ("post", "/api/v2/deliveries/1/redeliver/"),
]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_every_endpoint_needs_credentials(method, url):
    response = getattr(APIClient(), method)(url, {}, format="json")
    assert response.status_code == 401
    assert response.json() == AUTHENTICATION_REQUIRED
    assert response["WWW-Authenticate"] == "Token"


def test_a_banned_users_token_and_session_stop_at_once(alice):
    browser = Client()
    browser.force_login(alice.user)
    assert alice.client.get("/api/v2/watches/").status_code == 200
    assert browser.get("/api/v2/channels/").status_code == 200
    User.objects.filter(pk=alice.user.pk).update(is_active=False)
    assert alice.client.get("/api/v2/watches/").status_code == 401
    assert browser.get("/api/v2/channels/").status_code == 401


OWN_ROWS = [
    ("get", "/api/v2/watches/{watch}/"),
    ("patch", "/api/v2/watches/{watch}/"),
    ("delete", "/api/v2/watches/{watch}/"),
    ("get", "/api/v2/channels/{channel}/"),
    ("patch", "/api/v2/channels/{channel}/"),
    ("delete", "/api/v2/channels/{channel}/"),
    ("post", "/api/v2/channels/{channel}/rotate-secret/"),
    ("post", "/api/v2/channels/{channel}/test/"),
    ("post", "/api/v2/deliveries/{delivery}/redeliver/"),
]


@pytest.mark.parametrize(("method", "url"), OWN_ROWS)
def test_other_users_rows_are_not_found(alice, bob, method, url):
    ids = _bobs_rows(bob)
    body = {"enabled": False} if method == "patch" and "channels" in url else {}
    response = getattr(alice.client, method)(url.format(**ids), body, format="json")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert Watch.objects.get(pk=ids["watch"]).user == bob.user
    channel = Channel.objects.get(pk=ids["channel"])
    assert channel.enabled and channel.secret == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    assert Delivery.objects.get(pk=ids["delivery"]).state == Delivery.State.PENDING
    assert not Delivery.objects.exclude(pk=ids["delivery"]).exists()  # no test sent


def test_lists_show_only_the_callers_rows(alice, bob):
    _bobs_rows(bob)
    for url in ("/api/v2/watches/", "/api/v2/channels/", "/api/v2/deliveries/"):
        assert alice.client.get(url).json()["items"] == []
        assert bob.client.get(url).json()["total_items"] == 1


def test_session_writes_need_the_csrf_token(alice):
    project = ProjectFactory()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice.user)
    body = {"project_id": project.pk}
    refused = browser.post("/api/v2/watches/", body, content_type="application/json")
    assert refused.status_code == 403
    secret = _get_new_csrf_string()
    browser.cookies["csrftoken"] = secret
    response = browser.post(
        "/api/v2/watches/", body, content_type="application/json", HTTP_X_CSRFTOKEN=secret
    )
    assert response.status_code == 201
    assert browser.get("/api/v2/watches/").json()["total_items"] == 1


@pytest.mark.parametrize("url", ["/api/v2/watches/", "/api/v2/watches/{watch}/"])
def test_ids_too_big_for_a_row_are_not_found(alice, url):
    watch = WatchFactory(user=alice.user)
    assert alice.client.get(url.format(watch=watch.pk)).status_code == 200
    for pk in ("0", "9" * 30, "9" * 5000, "0" * 30 + str(watch.pk)):
        assert alice.client.get(f"/api/v2/watches/{pk}/").json() == NOT_FOUND
        assert alice.client.post(f"/api/v2/deliveries/{pk}/redeliver/").status_code == 404


# -- watches ------------------------------------------------------------------------------------


def test_watch_a_project_then_read_change_and_stop(alice):
    project = ProjectFactory(name="geany")
    created = alice.client.post("/api/v2/watches/", {"project_id": project.pk}, format="json")
    assert created.status_code == 201
    body = created.json()
    watch = Watch.objects.get()
    assert body == {
        "id": watch.pk,
        "project_id": project.pk,
        "project_name": "geany",
        "distribution": None,
        "stable_only": True,
        "min_change": "any",
        "include_pattern": "",
        "exclude_pattern": "",
        "hold_hours": 0,
        "stream": "",
        "created": body["created"],
    }
    assert body["created"].endswith("Z")
    url = f"/api/v2/watches/{watch.pk}/"
    assert alice.client.get(url).json() == body

    changed = alice.client.patch(url, {"min_change": "minor", "hold_hours": 24}, format="json")
    assert changed.status_code == 200
    assert (changed.json()["min_change"], changed.json()["hold_hours"]) == ("minor", 24)
    assert changed.json()["stable_only"] is True  # not given: kept
    watch.refresh_from_db()
    assert (watch.min_change, watch.hold_hours, watch.stable_only) == ("minor", 24, True)

    deleted = alice.client.delete(url)
    assert deleted.status_code == 204 and deleted.content == b""
    assert not Watch.objects.exists()
    assert alice.client.get(url).status_code == 404


def test_watching_again_answers_the_same_watch(alice):
    project = ProjectFactory()
    first = alice.client.post("/api/v2/watches/", {"project_id": project.pk}, format="json")
    again = alice.client.post(
        "/api/v2/watches/", {"project_id": project.pk, "stable_only": False}, format="json"
    )
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["stable_only"] is False
    assert Watch.objects.count() == 1


def test_watch_a_distribution_by_name_in_any_case(alice):
    DistroFactory(name="Fedora")
    response = alice.client.post(
        "/api/v2/watches/",
        {"distribution": "fedora", "include_pattern": r"^\d+\.\d+$", "stable_only": "no"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["project_id"], body["distribution"]) == (None, "Fedora")
    assert (body["include_pattern"], body["stable_only"]) == (r"^\d+\.\d+$", False)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"project_id": "Give a project_id or a distribution."}),
        (
            {"project_id": 1, "distribution": "Fedora"},
            {"distribution": "Give a project_id or a distribution, not both."},
        ),
        ({"project_id": 999999}, {"project_id": "No such project."}),
        ({"project_id": -1}, {"project_id": "No such project."}),
        ({"project_id": 10**30}, {"project_id": "No such project."}),
        ({"distribution": "Nope"}, {"distribution": "No such distribution."}),
        ({"project_id": "one"}, {"project_id": "Not a valid integer."}),
        ({"project_id": None}, {"project_id": "Field may not be null."}),
        ({"distribution": ["Fedora"]}, {"distribution": "Not a valid string."}),
        ({"distribution": "Fed\x00ora"}, {"distribution": "Null characters are not allowed."}),
        ({"distribution": "Fedora", "user": 1}, {"user": "Unknown field."}),
        ({"distribution": "Fedora", "min_change": "huge"}, {"min_change": "__any__"}),
        ({"distribution": "Fedora", "hold_hours": 10_000}, {"hold_hours": "__any__"}),
        ({"distribution": "Fedora", "hold_hours": -1}, {"hold_hours": "__any__"}),
        ({"distribution": "Fedora", "include_pattern": "("}, {"include_pattern": "__any__"}),
        ({"distribution": "Fedora", "exclude_pattern": "a" * 600}, {"exclude_pattern": "__any__"}),
        (
            {"distribution": "Fedora", "stable_only": "maybe"},
            {"stable_only": "Not a valid boolean."},
        ),
        ({"distribution": "x" * 1_000_000}, {"distribution": "No such distribution."}),
    ],
)
def test_bad_watches_are_refused_field_by_field(alice, body, errors):
    DistroFactory(name="Fedora")
    response = alice.client.post("/api/v2/watches/", body, format="json")
    assert response.status_code == 400
    message = response.json()["message"]
    assert set(message) == set(errors)
    for field, text in errors.items():
        assert text == "__any__" or message[field] == text
    assert not Watch.objects.exists()


def test_bad_rules_change_nothing(alice):
    watch = WatchFactory(user=alice.user, hold_hours=3)
    url = f"/api/v2/watches/{watch.pk}/"
    for body in (
        {"include_pattern": "(a{1000}){1000}"},
        {"hold_hours": 721},
        {"project_id": 2},  # the target cannot change
        {"min_change": "minor", "exclude_pattern": "["},
    ):
        response = alice.client.patch(url, body, format="json")
        assert response.status_code == 400, body
        assert "message" in response.json()
    watch.refresh_from_db()
    assert (watch.hold_hours, watch.min_change, watch.include_pattern) == (3, "any", "")


def test_a_malformed_body_is_a_field_error(alice):
    response = alice.client.post("/api/v2/watches/", b"{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"message": {"json": "Invalid JSON body."}}
    response = alice.client.post("/api/v2/watches/", [1, 2], format="json")
    assert response.status_code == 400


def test_watches_are_paged(alice):
    for _ in range(3):
        WatchFactory(user=alice.user)
    page = alice.client.get("/api/v2/watches/", {"items_per_page": 2, "page": 2}).json()
    assert (page["page"], page["items_per_page"], page["total_items"]) == (2, 2, 3)
    assert len(page["items"]) == 1
    for url in ("/api/v2/watches/", "/api/v2/channels/", "/api/v2/deliveries/"):
        far = alice.client.get(url, {"page": 10**30, "items_per_page": 250})
        assert far.status_code == 200
        assert far.json()["items"] == []
    refused = alice.client.get("/api/v2/watches/", {"items_per_page": 0, "page": "x"})
    assert refused.status_code == 400
    assert refused.json() == {
        "message": {
            "items_per_page": "Value must be greater than or equal to 1.",
            "page": "Not a valid integer.",
        }
    }


# -- channels -----------------------------------------------------------------------------------


def test_an_email_channel_has_no_secret(alice):
    response = alice.client.post(
        "/api/v2/channels/",
        {
            "kind": "email",
            "name": "Mail",
            "target": "alice@example.org",
            "schedule": "daily",
            "digest_hour": 7,
            "time_zone": "Europe/Paris",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    channel = Channel.objects.get()
    assert body == {
        "id": channel.pk,
        "kind": "email",
        "name": "Mail",
        "target": "alice@example.org",
        "schedule": "daily",
        "digest_hour": 7,
        "time_zone": "Europe/Paris",
        "enabled": True,
        "disabled_reason": "",
        "failing_since": None,
        "created": body["created"],
    }
    rotated = alice.client.post(f"/api/v2/channels/{channel.pk}/rotate-secret/")
    assert rotated.status_code == 400
    assert rotated.json() == {"message": {"kind": "Only webhooks have a signing secret."}}


def test_a_webhooks_secret_is_shown_at_creation_and_rotation_only(alice):
    response = alice.client.post(
        "/api/v2/channels/",
        {"kind": "webhook", "name": "CI", "target": "https://ci.example.org/hook"},
        format="json",
    )
    assert response.status_code == 201
    secret = response.json()["secret"]
    channel = Channel.objects.get()
    assert secret.startswith("whsec_") and secret == channel.secret
    url = f"/api/v2/channels/{channel.pk}/"
    assert "secret" not in alice.client.get(url).json()
    assert all(
        "secret" not in item for item in alice.client.get("/api/v2/channels/").json()["items"]
    )
    assert secret not in alice.client.get(url).content.decode()

    rotated = alice.client.post(f"{url}rotate-secret/")
    assert rotated.status_code == 200
    channel.refresh_from_db()
    assert rotated.json() == {"secret": channel.secret}
    assert channel.secret != secret


def test_a_chat_channel_is_added_and_read_back_with_its_tokens_masked(alice):
    target = "discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js"
    response = alice.client.post(
        "/api/v2/channels/", {"kind": "chat", "name": "Team", "target": target}, format="json"
    )
    assert response.status_code == 201
    assert "secret" not in response.json()
    channel = Channel.objects.get()
    assert channel.kind == Channel.Kind.CHAT and channel.target == target
    for answer in (response, alice.client.get(f"/api/v2/channels/{channel.pk}/")):
        shown = answer.json()["target"]
        assert shown.startswith("discord://") and "JHMHI8qBe7bk2ZwO5U711o3dV_js" not in shown
    assert (
        "JHMHI8qBe7bk2ZwO5U711o3dV_js" not in alice.client.get("/api/v2/channels/").content.decode()
    )


def test_switch_a_channel_off_and_on_and_delete_it(alice):
    channel = ChannelFactory(user=alice.user)
    url = f"/api/v2/channels/{channel.pk}/"
    off = alice.client.patch(url, {"enabled": False}, format="json")
    assert off.status_code == 200
    assert (off.json()["enabled"], off.json()["disabled_reason"]) == (
        False,
        "Switched off by its owner.",
    )
    assert not Channel.objects.get().enabled
    on = alice.client.patch(url, {"enabled": "true"}, format="json")
    assert (on.json()["enabled"], on.json()["disabled_reason"]) == (True, "")
    assert alice.client.patch(url, {"name": "x"}, format="json").json() == {
        "message": {"name": "Unknown field."}
    }
    assert alice.client.delete(url).status_code == 204
    assert not Channel.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "target": "a@example.org"}, "kind"),
        ({"kind": "pager", "name": "x", "target": "a@example.org"}, "kind"),
        ({"kind": "email", "name": "", "target": "a@example.org"}, "name"),
        ({"kind": "email", "name": "x" * 1_000_000, "target": "a@example.org"}, "name"),
        ({"kind": "email", "name": "x\x00", "target": "a@example.org"}, "name"),
        ({"kind": "email", "name": "x", "target": "not an address"}, "target"),
        ({"kind": "email", "name": "x", "target": "a" * 5000 + "@example.org"}, "target"),
        ({"kind": "webhook", "name": "x", "target": "ftp://example.org/"}, "target"),
        ({"kind": "webhook", "name": "x", "target": "http://10.0.0.1/hook"}, "target"),
        ({"kind": "webhook", "name": "x", "target": "http://u:p@example.org/"}, "target"),
        ({"kind": "webhook", "name": "x", "target": "https://e.org/" + "a" * 5000}, "target"),
        (
            {"kind": "webhook", "name": "x", "target": "https://e.org/", "schedule": "daily"},
            "schedule",
        ),
        (
            {"kind": "email", "name": "x", "target": "a@example.org", "digest_hour": 24},
            "digest_hour",
        ),
        (
            {"kind": "email", "name": "x", "target": "a@example.org", "digest_hour": 10**40},
            "digest_hour",
        ),
        (
            {"kind": "email", "name": "x", "target": "a@example.org", "time_zone": "Mars/Base"},
            "time_zone",
        ),
        (
            {"kind": "email", "name": "x", "target": "a@example.org", "time_zone": "../etc"},
            "time_zone",
        ),
        (
            {"kind": "email", "name": "x", "target": "a@example.org", "time_zone": "a/" * 2000},
            "time_zone",
        ),
        ({"kind": "email", "name": "x", "target": "a@example.org", "secret": "whsec_x"}, "secret"),
        ({"kind": "chat", "name": "x", "target": "mailto://a:b@example.org"}, "target"),
        ({"kind": "chat", "name": "x", "target": "json://192.168.1.9/hook"}, "target"),
        ({"kind": "chat", "name": "x", "target": "slack://A/B/C", "schedule": "daily"}, "schedule"),
        ({"kind": "email", "name": "x", "target": "a@example.org", "enabled": False}, "enabled"),
    ],
)
def test_bad_channels_are_refused(alice, body, field):
    response = alice.client.post("/api/v2/channels/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["message"]
    assert not Channel.objects.exists()


def test_channel_names_are_unique_per_user(alice, bob):
    ChannelFactory(user=bob.user, name="Mail")
    body = {"kind": "email", "name": "Mail", "target": "alice@example.org"}
    assert alice.client.post("/api/v2/channels/", body, format="json").status_code == 201
    again = alice.client.post("/api/v2/channels/", body, format="json")
    assert again.status_code == 400
    assert again.json() == {"message": {"name": "You already have a channel called 'Mail'."}}


# -- deliveries ---------------------------------------------------------------------------------


def test_the_delivery_log_newest_first_with_filters(alice, bob):
    watch = WatchFactory(user=alice.user)
    mail_channel = ChannelFactory(user=alice.user)
    hook = ChannelFactory(user=alice.user, webhook=True)
    first = DeliveryFactory(watch=watch, channel=mail_channel, state=Delivery.State.SENT)
    second = DeliveryFactory(watch=watch, channel=hook, state=Delivery.State.FAILED)
    other_project = DeliveryFactory(watch=WatchFactory(user=alice.user), channel=hook)
    _bobs_rows(bob)

    def ids(**filters):
        response = alice.client.get("/api/v2/deliveries/", filters)
        assert response.status_code == 200
        return [item["id"] for item in response.json()["items"]]

    assert ids() == [other_project.pk, second.pk, first.pk]
    assert ids(channel=hook.pk) == [other_project.pk, second.pk]
    assert ids(state="failed") == [second.pk]
    assert ids(project_id=watch.project_id) == [second.pk, first.pk]
    assert ids(channel=hook.pk, state="sent") == []
    assert ids(channel=0) == [] and ids(project_id=10**30) == []
    item = alice.client.get("/api/v2/deliveries/", {"state": "sent"}).json()["items"][0]
    assert item["channel_id"] == mail_channel.pk and item["watch_id"] == watch.pk
    assert item["project_name"] == watch.project.name
    assert item["message_id"] == str(first.message_id)
    assert item["payload"] == first.payload


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"state": "lost"}, "state"),
        ({"channel": "x"}, "channel"),
        ({"project_id": "1.5"}, "project_id"),
    ],
)
def test_bad_delivery_filters_are_refused(alice, query, field):
    response = alice.client.get("/api/v2/deliveries/", query)
    assert response.status_code == 400
    assert set(response.json()["message"]) == {field}


def test_a_nul_in_a_query_is_refused_before_any_view(alice):
    response = alice.client.get("/api/v2/deliveries/?state=sent%00")
    assert response.status_code == 400


def test_redeliver(alice):
    sent = DeliveryFactory(
        watch=WatchFactory(user=alice.user), state=Delivery.State.FAILED, attempts=9
    )
    response = alice.client.post(f"/api/v2/deliveries/{sent.pk}/redeliver/")
    assert response.status_code == 202
    sent.refresh_from_db()
    assert sent.state == Delivery.State.PENDING
    assert response.json()["id"] == sent.pk
    assert response.json()["state"] == "pending"
    refused = alice.client.post(f"/api/v2/deliveries/{sent.pk}/redeliver/", {"x": 1}, format="json")
    assert refused.json() == {"message": {"x": "Unknown field."}}


def test_a_test_message_through_an_email_channel(alice, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    channel = ChannelFactory(user=alice.user)
    response = alice.client.post(f"/api/v2/channels/{channel.pk}/test/")
    assert response.status_code == 200
    body = response.json()
    logged = Delivery.objects.get(pk=body["id"])
    assert (logged.channel, logged.watch, logged.project) == (channel, None, None)
    assert (body["channel_id"], body["watch_id"], body["state"]) == (channel.pk, None, "sent")
    assert body["payload"]["type"] == "ping"
    assert [message.to for message in mail.outbox] == [[channel.target]]


def test_a_test_ping_of_an_owner_without_watches_is_sent_and_logged(alice, upstream):
    receiver = upstream.put_json("/hook", {})  # answers POST with 501: a failed test
    channel = ChannelFactory(user=alice.user, webhook=True, target=receiver)
    response = alice.client.post(f"/api/v2/channels/{channel.pk}/test/")
    assert response.status_code == 200
    body = response.json()
    assert (body["watch_id"], body["project_id"], body["project_name"]) == (None, None, None)
    assert (body["state"], body["status_code"], body["attempts"]) == ("failed", 501, 1)
    assert Delivery.objects.get().pk == body["id"]
    channel.refresh_from_db()
    assert channel.enabled and channel.failing_since is None  # a test does not count


# -- the schema and the browsable API -----------------------------------------------------------

PATHS = {
    "/api/v2/watches/": {"get", "post"},
    "/api/v2/watches/{watch_id}/": {"get", "patch", "delete"},
    "/api/v2/channels/": {"get", "post"},
    "/api/v2/channels/{channel_id}/": {"get", "patch", "delete"},
    "/api/v2/channels/{channel_id}/rotate-secret/": {"post"},
    "/api/v2/channels/{channel_id}/test/": {"post"},
    "/api/v2/deliveries/": {"get"},
    "/api/v2/deliveries/{delivery_id}/redeliver/": {"post"},
}


def test_the_schema_documents_every_endpoint(alice):
    schema = APIClient().get("/api/v2/schema/", {"format": "json"}).json()
    for path, methods in PATHS.items():
        assert set(schema["paths"][path]) == methods, path
        for operation in schema["paths"][path].values():
            assert {"tokenAuth": []} in operation["security"]
            assert {} not in operation["security"]  # never anonymous
            assert {"401", "400"} <= set(operation["responses"])
    schemas = schema["components"]["schemas"]
    assert "secret" in schemas["CreatedChannel"]["properties"]
    assert "secret" not in schemas["ChannelJSON"]["properties"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v2/watches/",
        "/api/v2/watches/{watch}/",
        "/api/v2/channels/",
        "/api/v2/channels/{channel}/",
        "/api/v2/channels/{channel}/test/",
        "/api/v2/deliveries/",
        "/api/v2/deliveries/{delivery}/redeliver/",
    ],
)
def test_browsable_pages_for_signed_in_users(client, url):
    user = UserFactory()
    watch = WatchFactory(user=user)
    channel = ChannelFactory(user=user)
    sent = DeliveryFactory(watch=watch, channel=channel)
    client.force_login(user)
    response = client.get(
        url.format(watch=watch.pk, channel=channel.pk, delivery=sent.pk), HTTP_ACCEPT="text/html"
    )
    assert response.status_code in (200, 405)
    assert response["Content-Type"].startswith("text/html")
