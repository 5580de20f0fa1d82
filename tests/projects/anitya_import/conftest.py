"""An Anitya database per test: a SQLite file, or a PostgreSQL database of its own when the
suite runs on PostgreSQL (dropped after the test)."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection

from tests.projects.anitya_import.anitya_db import AnityaDB


@pytest.fixture
def anitya_db(tmp_path):
    if connection.vendor == "postgresql":
        db = AnityaDB.postgresql(connection.settings_dict, f"anitya_src_{uuid.uuid4().hex[:12]}")
    else:
        db = AnityaDB.sqlite(tmp_path / "anitya.sqlite")
    yield db
    db.drop()
