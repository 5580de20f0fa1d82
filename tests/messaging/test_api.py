"""GET /api/v2/events/: the outbox as an ordered log with a cursor."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from messaging import outbox, topics
from messaging.models import OutboxMessage
from projects import messages

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.messaging.urls")]

URL = "/api/v2/events/"


@pytest.fixture
def client() -> APIClient:
    return APIClient()


def emit_distros(*names: str) -> list[OutboxMessage]:
    return [outbox.emit(topics.distro_add(name, "alice")) for name in names]


def test_empty_log(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": 0, "has_more": False}


def test_items_in_order_with_their_fields(client):
    rows = emit_distros("Fedora", "Debian")
    OutboxMessage.objects.filter(pk=rows[0].pk).update(sent_at=rows[0].created)
    data = client.get(URL).json()
    assert [item["id"] for item in data["items"]] == [row.pk for row in rows]
    first = data["items"][0]
    assert set(first) == {"id", "message_id", "topic", "created", "body"}
    assert first["message_id"] == str(rows[0].message_id)
    assert first["topic"] == "distro.add"
    assert first["body"] == topics.distro_add("Fedora", "alice").body
    assert first["created"].endswith("Z")
    assert data["next_cursor"] == rows[-1].pk
    assert data["has_more"] is False


def test_catching_up_page_by_page(client):
    rows = emit_distros(*(f"d{i}" for i in range(5)))
    cursor, seen, pages = 0, [], 0
    while True:
        data = client.get(URL, {"after": cursor, "limit": 2}).json()
        pages += 1
        seen += [item["id"] for item in data["items"]]
        cursor = data["next_cursor"]
        if not data["has_more"]:
            break
    assert seen == [row.pk for row in rows]
    assert pages == 3
    # Nothing new: the same cursor comes back.
    assert client.get(URL, {"after": cursor}).json() == {
        "items": [],
        "next_cursor": cursor,
        "has_more": False,
    }


def test_has_more_is_exact_at_the_page_boundary(client):
    emit_distros("a", "b")
    data = client.get(URL, {"limit": 2}).json()
    assert len(data["items"]) == 2 and data["has_more"] is False


def test_topic_filter(client, sample):
    add = outbox.emit(messages.project_add(sample.project, "alice"))
    emit_distros("x")
    remove = outbox.emit(messages.project_remove(sample.project, "admin"))
    data = client.get(URL, {"topic": "project.add"}).json()
    assert [item["id"] for item in data["items"]] == [add.pk]
    data = client.get(URL, {"topic": "project.remove", "after": add.pk}).json()
    assert [item["id"] for item in data["items"]] == [remove.pk]


@pytest.mark.parametrize(
    ("params", "field", "text"),
    [
        ({"limit": 0}, "limit", "Value must be greater than or equal to 1."),
        ({"limit": 501}, "limit", "Value must be less than or equal to 500."),
        ({"limit": "ten"}, "limit", "Not a valid integer."),
        ({"after": -1}, "after", "Value must be greater than or equal to 0."),
        ({"after": "1.5"}, "after", "Not a valid integer."),
    ],
)
def test_bad_parameters_are_400_like_anitya_v2(client, params, field, text):
    response = client.get(URL, params)
    assert response.status_code == 400
    assert response.json() == {"message": {field: text}}


def test_unknown_topic_is_400(client):
    response = client.get(URL, {"topic": "project.explode"})
    assert response.status_code == 400
    assert response.json()["message"]["topic"].startswith("Must be one of: project.add,")


def test_limit_bounds_are_accepted(client):
    emit_distros("a")
    assert client.get(URL, {"limit": 1}).status_code == 200
    assert client.get(URL, {"limit": 500}).status_code == 200
    assert len(client.get(URL).json()["items"]) == 1
