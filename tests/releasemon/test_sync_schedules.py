"""``manage.py sync_schedules`` as the worker unit runs it before a cluster starts."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from releasemon.schedules import SCHEDULE_PREFIX, SCHEDULES

pytestmark = pytest.mark.django_db


def test_the_schedules_are_made_once_and_kept():
    out = io.StringIO()
    call_command("sync_schedules", stdout=out)
    assert out.getvalue().strip() == f"Schedules: {len(SCHEDULES)} created, 0 updated, 0 removed."
    names = set(
        Schedule.objects.filter(name__startswith=SCHEDULE_PREFIX).values_list("name", flat=True)
    )
    assert names == {SCHEDULE_PREFIX + periodic.name for periodic in SCHEDULES}

    again = io.StringIO()
    call_command("sync_schedules", stdout=again)
    assert again.getvalue().strip() == "Schedules: 0 created, 0 updated, 0 removed."
