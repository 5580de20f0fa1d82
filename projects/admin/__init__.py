"""The moderation console: projects, versions, distros, mappings, flags, check runs and the
audit log (with "revert to this state").

Every change made here goes through :mod:`projects.services` (or :func:`check_project`), so
the messages Anitya's consumers expect are sent, and is recorded in the admin log. Actions are
offered on the lists and, as buttons, on each object's page (``accounts.admin_tools``).

Lists stay fast on 100,000 projects: no full result counts, foreign keys through autocomplete
or raw-id widgets, related rows joined in the list query.

One module per family of models; importing them registers their admins (Django imports
``projects.admin`` at start-up).
"""

from projects.admin import (
    checkruns,
    distros,
    flags,
    github_pool,
    history,
    notify,
    projects,
    versions,
)

__all__ = [
    "checkruns",
    "distros",
    "flags",
    "github_pool",
    "history",
    "notify",
    "projects",
    "versions",
]
