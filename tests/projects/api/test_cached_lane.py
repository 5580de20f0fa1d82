"""The cached lane (projects/api/cached_lane.py): anonymous GETs of cached single-project
answers skip the middleware and DRF, and get what the full path would have sent, header by
header; every other request goes the full path."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from prometheus_client import REGISTRY
from rest_framework.response import Response

from projects.api import cached_lane
from projects.api.v2 import versions
from projects.shared_cache import forget_tallies
from tests.factories import DistroFactory, PackageFactory, ProjectFactory, ProjectVersionFactory

pytestmark = pytest.mark.django_db

#: Headers that differ between any two requests.
PER_REQUEST = {"X-Request-ID", "X-RateLimit-Remaining", "X-RateLimit-Reset"}


@pytest.fixture
def six(db):
    project = ProjectFactory(
        name="six", backend="PyPI", homepage="https://pypi.org/project/six", ecosystem_name="pypi"
    )
    for raw in ("1.9.0", "1.10.0", "1.11.0rc1"):
        ProjectVersionFactory(project=project, version=raw)
    PackageFactory(project=project, distro=DistroFactory(name="Fedora"), package_name="python-six")
    return project


def _paths(project) -> list[str]:
    return [
        f"/api/project/{project.pk}",
        f"/api/project/{project.pk}/",
        "/api/project/Fedora/python-six",
        "/api/project/fedora/python-six/",
        "/api/by_ecosystem/pypi/six",
        "/api/by_ecosystem/PyPI/SIX/",
        f"/api/v2/versions/?project_id={project.pk}",
        f"/api/v2/versions?project_id={project.pk}",
        f"/api/v2/versions/?project_id=00{project.pk}",
        f"/api/v2/versions/?include=&project_id={project.pk}",
        f"/api/v2/versions/?project_id={project.pk}&include=streams",
    ]


def _took_the_lane(response) -> bool:
    return not isinstance(response, Response)  # the full path answers with DRF's


def _headers(response) -> dict[str, str]:
    return {name: value for name, value in response.items() if name not in PER_REQUEST}


def test_each_cached_answer_is_the_full_paths_header_by_header(api, six, monkeypatch):
    for path in _paths(six):
        lane = api.get(path)
        assert _took_the_lane(lane), path
        with monkeypatch.context() as full_path:
            full_path.setattr(cached_lane, "_eligible", lambda request: False)
            full = api.get(path)
        assert not _took_the_lane(full)
        assert lane.status_code == full.status_code == 200
        assert lane.content == full.content, path
        assert _headers(lane) == _headers(full), path
        assert int(lane["X-RateLimit-Remaining"]) - 1 == int(full["X-RateLimit-Remaining"])


@pytest.mark.parametrize(
    "query",
    ["project_id={pk}", "project_id=000{pk}", "project_id={pk}0", "project_id=0",
     "project_id=99999999999999999999", "project_id=1{pk}1&project_id={pk}"],
)  # fmt: skip
def test_the_usual_versions_query_is_read_as_request_get_reads_it(api, six, monkeypatch, query):
    path = "/api/v2/versions/?" + query.format(pk=six.pk)
    usual = api.get(path)
    with monkeypatch.context() as general:
        general.setattr(versions, "USUAL_QUERY", re.compile(r"(?!)"))  # matches nothing
        read = api.get(path)
    assert usual.status_code == read.status_code
    assert usual.content == read.content
    assert _headers(usual) == _headers(read)


def test_a_stored_version_shows_at_once_on_the_lane(api, six):
    path = f"/api/project/{six.pk}"
    before = api.get(path)
    ProjectVersionFactory(project=six, version="1.12.0")
    six.save()  # as the check does: the stamp moves
    after = api.get(path)
    assert _took_the_lane(after)
    assert "1.12.0" in after.json()["versions"] and "1.12.0" not in before.json()["versions"]
    assert after["ETag"] != before["ETag"]


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/api/project/{pk}", {"HTTP_AUTHORIZATION": "Token nope"}),
        ("/api/project/{pk}", {"HTTP_COOKIE": "sessionid=abc"}),
        ("/api/project/{pk}", {"HTTP_ACCEPT": "text/html"}),
        ("/api/project/{pk}", {"HTTP_ACCEPT": "application/json; indent=4"}),
        ("/api/project/{pk}?format=json", {}),
        ("/api/v2/versions/?project_id={pk}&format=json", {}),
        ("/api/v2/versions/?project_id={pk}&f%6Frmat=json", {}),
        ("/api/project/{pk}", {"HTTP_IF_NONE_MATCH": '"x"'}),
        ("/api/project/999999", {}),
        ("/api/project/x", {}),
        ("/api/project/Fedora/nope", {}),
        ("/api/by_ecosystem/pypi/nope", {}),
        ("/api/v2/versions/?project_id=abc", {}),
        ("/api/v2/versions/", {}),
        ("/api/projects/?pattern=six", {}),
    ],
)
def test_other_requests_go_the_full_path(api, six, path, headers):
    path = path.format(pk=six.pk)
    api.get(f"/api/project/{six.pk}")  # the answer is cached
    response = api.get(path, **headers)
    assert not _took_the_lane(response)


def test_the_lane_counts_against_the_anonymous_limit_once(api, six, settings, monkeypatch):
    from projects.api.throttling import ApiRateThrottle

    # One window for all four requests (the counts start again at the end of a minute).
    monkeypatch.setattr(ApiRateThrottle, "timer", lambda self: 1_800_000_030.0)
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "10/minute"},
    }
    cache.clear()
    forget_tallies()
    path = f"/api/project/{six.pk}"
    answers = [api.get(path) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert [_took_the_lane(a) for a in answers] == [True, True, True, False]
    refused = answers[-1]
    assert refused.json()["output"] == "notok" and "Retry-After" in refused
    # The refused request was counted once (by the lane), not again by the view.
    from projects.models import HitCounter

    assert [counter.count for counter in HitCounter.objects.all()] == [4]


def test_lane_answers_are_timed_under_their_route(api, six):
    labels = {"route": "api/project/<str:project_id>", "method": "GET", "status_class": "2xx"}
    name = "releasemon_http_request_duration_seconds_count"
    api.get(f"/api/project/{six.pk}")
    before = REGISTRY.get_sample_value(name, labels) or 0
    assert _took_the_lane(api.get(f"/api/project/{six.pk}"))
    assert REGISTRY.get_sample_value(name, labels) == before + 1


# -- the request's first statement is its own health check -------------------------------------


@pytest.fixture
def health_checks(monkeypatch):
    """Requests as they start in a server (Django's health check due), and the checks made."""
    from django.db import connection, connections

    assert connection.settings_dict["CONN_HEALTH_CHECKS"]
    made = []
    is_usable = connections["default"].is_usable

    def counted():
        made.append(1)
        return is_usable()

    monkeypatch.setattr(connections["default"], "is_usable", counted)

    def get(client, path):
        connection.ensure_connection()
        connection.health_check_done = False  # as request_started leaves it
        return client.get(path)

    get.made = made
    return get


def test_a_lane_answer_costs_no_health_check_statement(api, six, health_checks):
    path = f"/api/v2/versions/?project_id={six.pk}"
    health_checks(api, path)  # the answer is cached
    answer = health_checks(api, path)
    assert answer.status_code == 200 and _took_the_lane(answer)
    assert health_checks.made == []


def test_a_request_the_lane_cannot_answer_gets_the_health_check_as_usual(api, six, health_checks):
    answer = health_checks(api, "/api/v2/versions/?project_id=999999")
    assert answer.status_code == 404 and not _took_the_lane(answer)
    assert health_checks.made == [1]


@pytest.mark.django_db(transaction=True)
def test_a_connection_postgresql_dropped_is_replaced_without_an_error_page(api, health_checks):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL drops the connection")
    import psycopg

    project = ProjectFactory(name="six")
    ProjectVersionFactory(project=project, version="1.0")
    path = f"/api/v2/versions/?project_id={project.pk}"
    first = health_checks(api, path)
    dropped = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    with psycopg.connect(**{**params, "autocommit": True}) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [dropped])
    again = health_checks(api, path)
    assert again.status_code == 200 and _took_the_lane(again)
    assert again.content == first.content
    assert connection.connection.info.backend_pid != dropped
