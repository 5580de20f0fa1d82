"""The admins' status page: a week of operations drawn as charts with the figures beside
them, what /readyz says now, staff only, and hostile names shown as text."""

from __future__ import annotations

import re

import pytest

from tests.factories import AdminFactory, UserFactory
from tests.releasemon.status_data import HOSTILE_HOST, a_week_of_operations

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(AdminFactory())
    return client


def test_a_week_of_checks_is_drawn_and_counted(admin_client):
    a_week_of_operations()

    page = admin_client.get("/admin/status/")

    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('<svg class="chart series"') == 3
    assert html.count('<svg class="chart bars"') == 2
    checks = html.split('id="checks"', 1)[1].split("</section>", 1)[0]
    assert len(re.findall(r'<rect class="(ok|fail|limited)"', checks)) > 7 * 24 * 2
    assert html.count("<polyline") >= 2
    assert "Checks per hour by outcome, last 7 days" in html
    # A bar a backend and a stacked bar a troubled host, their figures in tables beside.
    for section, bars in (("backends", 4), ("hosts", 5)):
        part = html.split(f'id="{section}"', 1)[1].split("</section>", 1)[0]
        assert part.count('<rect class="fail"') == bars
        assert part.index('<svg class="chart bars"') < part.index("<details>")
        assert part.count("<tr>") == bars + 1
    backends = page.context["backends"]
    assert backends[0].name == "custom"  # the failing download host's backend comes first
    hosts = [share.name for share in page.context["hosts"]]
    assert hosts[0] in ("downloads.example.org", "api.github.com")
    assert "ready" in html


def test_hostile_host_names_are_text(admin_client):
    a_week_of_operations()
    html = admin_client.get("/admin/status/").content.decode()
    assert HOSTILE_HOST not in html
    assert "&lt;script&gt;alert(&quot;host&quot;)&lt;/script&gt;.example" in html


def test_an_empty_database_shows_empty_charts(admin_client):
    page = admin_client.get("/admin/status/")
    assert page.status_code == 200
    assert "0 succeeded, 0 failed, 0 rate-limited." in page.content.decode()


def test_only_staff_may_see_it(client):
    assert client.get("/admin/status/").status_code == 302
    client.force_login(UserFactory())
    answer = client.get("/admin/status/")
    assert answer.status_code == 302 and "/admin/login/" in answer["Location"]


def test_the_admin_index_links_to_it(admin_client):
    assert 'href="/admin/status/"' in admin_client.get("/admin/").content.decode()
