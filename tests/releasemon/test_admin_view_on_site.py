"""The admin's "View on site" redirect: a 404 for an id its model cannot take, never a 500."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from accounts.models import User
from projects.models import Project
from tests.factories import AdminFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> Client:
    client = Client()
    client.force_login(AdminFactory())
    return client


def test_an_id_a_uuid_key_cannot_take_is_a_404(staff):
    users = ContentType.objects.get_for_model(User).pk
    for odd in ("17", "not-a-uuid", "a" * 300):
        assert staff.get(f"/admin/r/{users}/{odd}/").status_code == 404


def test_an_odd_type_or_a_missing_object_is_a_404(staff):
    projects = ContentType.objects.get_for_model(Project).pk
    assert staff.get(f"/admin/r/{projects}/999999/").status_code == 404
    assert staff.get(f"/admin/r/{projects}/x/").status_code == 404
    assert staff.get("/admin/r/x/1/").status_code == 404


def test_it_stays_staff_only():
    users = ContentType.objects.get_for_model(User).pk
    response = Client().get(f"/admin/r/{users}/17/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
