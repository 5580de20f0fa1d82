"""The browser tests reuse the local upstream server of the project tests."""

from tests.projects.conftest import upstream, upstreams  # noqa: F401 (fixtures)
