"""The ``custom`` backend: any page (or FTP listing) plus the project's own regex."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from backends import regexes
from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, Release
from backends.upstreams.folder import required_version_url

if TYPE_CHECKING:
    from backends.http import HttpClient


class Custom(Backend):
    """The catch-all: a version URL and a regex whose first group (or groups) is the version.

    The regex is validated when it is entered; it is checked again here because projects
    stored before that validation (or edited in the database) must fail readably, not crash.
    """

    name = "custom"
    examples = (
        "https://subsurface-divelog.org/downloads/",
        "https://www.geany.org/Download/Releases",
    )
    required_version_url = True
    default_regex = "a regular expression using the default pattern: " + (
        regexes.DEFAULT_REGEX.replace(regexes.NAME_PLACEHOLDER, "{project name}")
    )
    more_info = (
        "The regex is run over the page at the version URL; its group (or groups, joined "
        "with '.') is the version. Leave it empty or write DEFAULT to use the default "
        "pattern, which looks for archives named '{project name}-<version>.tar.gz' (and "
        "similar extensions); %(name)s in your own regex stands for the project name. "
        "A '*' in a path segment of the version URL picks the newest matching subdirectory, "
        "and ftp:// URLs work too."
    )
    fields: ClassVar[dict[str, FieldHelp]] = {
        "version_url": FieldHelp(
            "Version URL",
            "The page or folder that lists the releases (http, https or ftp). A '*' in a "
            "path segment picks the newest matching subdirectory.",
            required=True,
        ),
        "regex": FieldHelp(
            "Regex",
            "Finds the versions on that page: the captured group is the version. Empty or "
            "DEFAULT uses the default pattern for '{project name}-<version>.tar.gz' archives; "
            "%(name)s stands for the project name.",
        ),
        "insecure": FieldHelp(
            "Insecure",
            "Do not verify the site's TLS certificate (only for sites with a broken one).",
        ),
    }

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        url = required_version_url(spec, self.name)
        try:
            regexes.validate_user_regex(spec.regex or "")
        except regexes.InvalidRegex as error:
            raise BackendError(
                f"{spec.name}: the project's regex cannot be used: {error}"
            ) from None
        pattern = regexes.project_regex(spec.regex, spec.name)
        return regexes.versions_by_regex(http, url, pattern, spec)
