"""Fixtures of the route sweeps (tests/releasemon/routes.py)."""

from __future__ import annotations

import pytest

from accounts.models import ApiToken
from tests.factories import (
    AdminFactory,
    DistroFactory,
    FlagFactory,
    PackageFactory,
    ProjectFactory,
    ProjectVersionFactory,
)
from tests.releasemon.routes import Rows


@pytest.fixture
def rows() -> Rows:
    admin = AdminFactory(username="root", email="root@example.org")
    fedora = DistroFactory(name="Fedora")
    project = ProjectFactory(name="tool")
    ProjectVersionFactory(project=project, version="1.0")
    PackageFactory(project=project, distro=fedora, package_name="tool")
    FlagFactory(project=project)
    _, secret = ApiToken.issue(admin, "scripts")
    return Rows(admin=admin, project=project, secret=secret)
