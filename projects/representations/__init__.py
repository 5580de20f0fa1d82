"""Anitya's Project JSON, built fast enough for lists of thousands of projects.

``Project.as_json`` (models.py) is the reference; this package produces the same JSON from
plain rows (``values()``), because the v1 search endpoints answer thousands of projects at
once and model instances plus per-project version objects cost milliseconds each:

- :mod:`.rows`: the rows, versions and mappings, read in bulk, and the projects' change
  stamps;
- :mod:`.project_json`: the JSON of a row and its versions; parsed versions are memoised per
  (scheme, prefix, pre-release filter, pattern, raw string), as upstreams reuse the same
  version strings everywhere (``1.0``, ``2.3.1``, ...);
- :mod:`.fragment_cache`: each project's rendered JSON, kept per process, keyed by the
  project's id and ``updated_on``. Every service that changes what the JSON shows (the
  check's ``record*``, ``project_edit``, ``versions_delete``) moves ``updated_on``, so a
  changed project is rebuilt on its next read; entries also expire after a while, which
  bounds how long a change made behind the services' back (a version edited in the admin) can
  stay unseen. Keys a layer above adds on request (an :class:`Addition`: API v2's
  ``include=streams``) are rendered into fragments of their own, kept apart by its name;
- :mod:`.answer_cache`: whole list answers (encoded, with their ETag), kept while the
  catalogue generation holds (``projects/catalogue.py``: no project added, deleted, renamed or
  mapped since) and their projects' stamps are unchanged. Which projects a list holds comes
  from ``catalogue.ordered_ids``, so a repeated list, or any page of one, costs a primary-key
  lookup of its ids' stamps and no ``COUNT`` or ``OFFSET``;
- :mod:`.project_answers`: single-project answers (v1's detailed JSON, v2's versions) under
  the same two keys, the stamp and the generation read in one statement per request.

tests/projects/api/test_representations.py pins the equivalence with ``Project.as_json``.
"""

from projects.representations.answer_cache import (
    COMMIT_MARGIN,
    EXACT_LIMIT,
    Answers,
    RawJSON,
    catalogue_answer,
    clear_caches,
    etag_of,
    fragments_answer,
    raw_answer,
    stamped_answer,
)
from projects.representations.fragment_cache import FRAGMENT_TTL, Addition, fragments
from projects.representations.project_answers import project_answer, stamp_and_generation
from projects.representations.project_json import (
    ShownVersion,
    add_newest,
    add_withdrawn,
    detailed_json,
    dumps,
    instance_json,
    latest_shown,
    naive_iso,
    package_json,
    project_json,
    shown_versions,
    versions_json,
)
from projects.representations.rows import (
    ROW_FIELDS,
    STAMP,
    StoredVersion,
    changed_since,
    load_packages,
    load_rows,
    load_versions,
    row_of,
    stamps_of,
)

__all__ = [
    "COMMIT_MARGIN",
    "EXACT_LIMIT",
    "FRAGMENT_TTL",
    "ROW_FIELDS",
    "STAMP",
    "Addition",
    "Answers",
    "RawJSON",
    "ShownVersion",
    "StoredVersion",
    "add_newest",
    "add_withdrawn",
    "catalogue_answer",
    "changed_since",
    "clear_caches",
    "detailed_json",
    "dumps",
    "etag_of",
    "fragments",
    "fragments_answer",
    "instance_json",
    "latest_shown",
    "load_packages",
    "load_rows",
    "load_versions",
    "naive_iso",
    "package_json",
    "project_answer",
    "project_json",
    "raw_answer",
    "row_of",
    "shown_versions",
    "stamp_and_generation",
    "stamped_answer",
    "stamps_of",
    "versions_json",
]
