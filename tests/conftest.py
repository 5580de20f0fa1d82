"""Fixtures shared by every test module."""

from __future__ import annotations

import pytest

from tests import fast_flush, replay_at_adapter

replay_at_adapter.install()

#: Hashing passwords the production way (PBKDF2, a million rounds) costs ~0.5 s per user on the
#: CI machine; the suite makes a few hundred users and never checks the production hasher.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test databases, flushed after the tests that commit by
    tests/fast_flush.py (same end state as Django's flush, a fraction of its time)."""
    from django.db import connections

    with django_db_blocker.unblock():
        fast_flush.install(connections)
    yield
    fast_flush.uninstall()


def _commits(item: pytest.Item) -> bool:
    """Whether the test's writes are committed (and so outlive it) rather than rolled back."""
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)):
        return True
    return bool({"transactional_db", "live_server"} & set(item.fixturenames))


@pytest.fixture(autouse=True)
def _fresh_shared_cache(request: pytest.FixtureRequest):
    """The shared cache lives in a database table that the test database's flush leaves
    alone: empty it after tests that commit, so that no rate-limit count leaks into the next
    (nor any hit this process held back from it)."""
    from projects.shared_cache import forget_tallies

    forget_tallies()
    yield
    forget_tallies()
    if _commits(request.node):
        from django.core.cache import cache

        from projects.selectors.status import forget_latest_check_run
        from projects.site.page_cache import forget_pages

        forget_pages()
        forget_latest_check_run()
        django_db_blocker = request.getfixturevalue("django_db_blocker")
        with django_db_blocker.unblock():
            cache.clear()


@pytest.fixture
def fresh_caches():
    """Empty the per-process list caches and the shared cache before and after the test."""
    from django.core.cache import cache

    from projects import representations

    representations.clear_caches()
    cache.clear()
    yield
    representations.clear_caches()
    cache.clear()
