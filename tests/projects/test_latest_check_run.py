"""The footer's last check run, remembered per process for seconds (projects/selectors/status.py)
outside transactions: these tests commit, as the service does."""

from __future__ import annotations

import pytest

from projects.models import CheckRun
from projects.selectors import status

pytestmark = pytest.mark.django_db(transaction=True)


def footer(client) -> str:
    page = client.get("/about").content.decode()
    return " ".join(page[page.index("<footer") :].split())


def test_a_new_run_shows_on_the_next_page_and_its_counts_within_seconds(client, monkeypatch):
    assert "No check has run yet." in footer(client)
    run = CheckRun.objects.create(total_count=7, success_count=6, error_count=1)
    assert "7 checked, 6 ok, 1 failed" in footer(client)

    # A cycle's tasks count with plain updates, which no signal tells: the footer keeps the
    # counts it read for LATEST_RUN_TTL seconds, then reads them again.
    CheckRun.objects.filter(pk=run.pk).update(total_count=9, success_count=8)
    assert "7 checked, 6 ok" in footer(client)
    now = status.time.monotonic()
    monkeypatch.setattr(status.time, "monotonic", lambda: now + status.LATEST_RUN_TTL + 1)
    assert "9 checked, 8 ok" in footer(client)


def test_a_deleted_run_leaves_the_footer_at_once(client):
    run = CheckRun.objects.create(total_count=3, success_count=3)
    assert "3 checked, 3 ok" in footer(client)
    run.delete()
    assert "No check has run yet." in footer(client)
