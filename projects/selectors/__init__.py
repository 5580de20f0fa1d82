"""Reads: the queries the site, the API, the feeds and the commands share.

- :mod:`.search`: Anitya's glob patterns, its project search, the status lists and the API's
  filters that ignore case;
- :mod:`.projects`: one project, and the lists of projects the site shows;
- :mod:`.distros`: distributions and the packages mapped in them;
- :mod:`.purls`: the projects Package URLs name, and a project's own;
- :mod:`.history`: a project's audit log.

Callers import the package (``from projects import selectors``); the names below are its
public ones.
"""

from projects.selectors.distros import (
    distro_by_name,
    distro_ids,
    distro_list,
    package_rows,
    packages_in_distro,
    project_id_for_package,
    projects_in_distro,
    wiki_rows,
)
from projects.selectors.history import history_entry, project_history
from projects.selectors.projects import (
    DEFAULT_PROJECT_SORT,
    FEED_LENGTH,
    PROJECT_SORTS,
    ListedProject,
    ids_by_name,
    listed_projects,
    open_flags,
    project_by_id,
    project_detail,
    project_id_in_ecosystem,
    project_in_ecosystem,
    project_list,
    project_sort_key,
    projects_by_last_check,
    projects_named,
    projects_with_homepage,
    rate_limited_until,
    recent_versions,
    similar_projects,
    sorted_projects,
    tracked_project_count,
)
from projects.selectors.purls import (
    PurlMatch,
    project_ids_for_purl,
    project_purl,
    projects_for_purls,
)
from projects.selectors.search import (
    STATUS_LISTS,
    Glob,
    distro_names_matching,
    equal_ignoring_case,
    in_distro_named,
    matches,
    package_ids_in_list_order,
    project_ids_in_list_order,
    project_names,
    projects_by_status,
    search_distros,
    search_projects,
    site_search,
    site_search_ids,
)

__all__ = [
    "DEFAULT_PROJECT_SORT",
    "FEED_LENGTH",
    "PROJECT_SORTS",
    "STATUS_LISTS",
    "Glob",
    "ListedProject",
    "PurlMatch",
    "distro_by_name",
    "distro_ids",
    "distro_list",
    "distro_names_matching",
    "equal_ignoring_case",
    "history_entry",
    "ids_by_name",
    "in_distro_named",
    "listed_projects",
    "matches",
    "open_flags",
    "package_ids_in_list_order",
    "package_rows",
    "packages_in_distro",
    "project_by_id",
    "project_detail",
    "project_history",
    "project_id_for_package",
    "project_id_in_ecosystem",
    "project_ids_for_purl",
    "project_ids_in_list_order",
    "project_in_ecosystem",
    "project_list",
    "project_names",
    "project_purl",
    "project_sort_key",
    "projects_by_last_check",
    "projects_by_status",
    "projects_for_purls",
    "projects_in_distro",
    "projects_named",
    "projects_with_homepage",
    "rate_limited_until",
    "recent_versions",
    "search_distros",
    "search_projects",
    "similar_projects",
    "site_search",
    "site_search_ids",
    "sorted_projects",
    "tracked_project_count",
    "wiki_rows",
]
