"""Every write users can see on projects, versions, distros, mappings and flags (design.md §2).

The website, the API, the admin and the commands call these functions and nothing else, so
they can never disagree. Each one validates its input, takes the row locks it needs, writes,
and emits its message to the outbox last, in the same transaction: a message exists if and only
if its change was committed. Failures raise a :class:`ServiceError` whose text is meant for the
user (a form error, an API error body); nothing is written when one is raised.

``agent`` is who made the change, as Anitya names them in messages: the username for the
website and the admin, the email for API v2, ``"anitya"`` for the checker.

One module per entity; callers import this package (``from projects import services``):

- :mod:`~projects.services.errors`: :class:`ServiceError` and its subclasses;
- :mod:`~projects.services.fields`: the project fields users set (:class:`ProjectFields`);
- :mod:`~projects.services.validation`: how their values are checked and normalised;
- :mod:`~projects.services.credentials`: credentials typed into URL fields;
- :mod:`~projects.services.projects`: build, preview, create, edit, delete; archiving is
  :mod:`projects.archiving`, below the check recorder that archives failing projects;
- :mod:`~projects.services.edit_preview`: what saving an edit would show, and a fresh check
  with its settings, writing nothing;
- :mod:`~projects.services.versions`: deleting stored versions;
- :mod:`~projects.services.history`: what each of them writes to the audit log
  (:mod:`projects.audit`), and :mod:`~projects.services.revert`: putting a project's settings
  back as an entry of the log kept them;
- :mod:`~projects.services.streams`: release streams defined by hand;
- :mod:`~projects.services.distros`, :mod:`~projects.services.packages` (mappings) and
  :mod:`~projects.services.flags`.
"""

from projects.archiving import project_set_archived
from projects.services.credentials import (
    CREDENTIAL_MAX_LENGTH,
    Credentials,
    merged_credentials,
    split_credentials,
)
from projects.services.distros import distro_create, distro_delete, distro_rename, find_distro
from projects.services.edit_preview import EditPreview, FreshCheck, edit_preview, fresh_check
from projects.services.errors import (
    DistroExists,
    DistroNotFound,
    InvalidInput,
    MappingClash,
    ProjectArchived,
    ProjectCheckFailed,
    ProjectExists,
    ServiceError,
)
from projects.services.fields import (
    BOOLEAN_FIELDS,
    EDITABLE_FIELDS,
    FETCH_FIELDS,
    PRIVATE_FIELDS,
    PROJECT_FIELDS,
    TEXT_MAX_LENGTH,
    URL_FIELDS,
    FieldChanges,
    ProjectFields,
    asks_upstream_anew,
)
from projects.services.flags import flag_create, flag_set_state
from projects.services.packages import package_map, package_unmap
from projects.services.projects import (
    REQUIRES_VERSION_URL,
    VALIDATION_FAILED,
    build_project,
    clashing_project,
    edited_copy,
    preview_project,
    project_create,
    project_delete,
    project_edit,
)
from projects.services.revert import project_revert, revert_changes, revert_preview
from projects.services.streams import (
    StreamFields,
    replace_definitions,
    stream_create,
    stream_delete,
    stream_edit,
)
from projects.services.validation import clean_project_fields
from projects.services.versions import versions_delete

__all__ = [
    "BOOLEAN_FIELDS",
    "CREDENTIAL_MAX_LENGTH",
    "EDITABLE_FIELDS",
    "FETCH_FIELDS",
    "PRIVATE_FIELDS",
    "PROJECT_FIELDS",
    "REQUIRES_VERSION_URL",
    "TEXT_MAX_LENGTH",
    "URL_FIELDS",
    "VALIDATION_FAILED",
    "Credentials",
    "DistroExists",
    "DistroNotFound",
    "EditPreview",
    "FieldChanges",
    "FreshCheck",
    "InvalidInput",
    "MappingClash",
    "ProjectArchived",
    "ProjectCheckFailed",
    "ProjectExists",
    "ProjectFields",
    "ServiceError",
    "StreamFields",
    "asks_upstream_anew",
    "build_project",
    "clashing_project",
    "clean_project_fields",
    "distro_create",
    "distro_delete",
    "distro_rename",
    "edit_preview",
    "edited_copy",
    "find_distro",
    "flag_create",
    "flag_set_state",
    "fresh_check",
    "merged_credentials",
    "package_map",
    "package_unmap",
    "preview_project",
    "project_create",
    "project_delete",
    "project_edit",
    "project_revert",
    "project_set_archived",
    "replace_definitions",
    "revert_changes",
    "revert_preview",
    "split_credentials",
    "stream_create",
    "stream_delete",
    "stream_edit",
    "versions_delete",
]
