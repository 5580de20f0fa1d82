"""Packagist: the package documents of packagist.org, the PHP Composer index."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, Release
from backends.upstreams._common import parse_iso_datetime

if TYPE_CHECKING:
    from backends.http import HttpClient

API = "https://packagist.org/packages/"
_PACKAGE_PAGE = re.compile(r"https?://(?:www\.)?packagist\.org/packages/([^/?#]+)/[^/?#]+/?$")


def vendor(spec: ProjectSpec) -> str | None:
    """The vendor (owner/group): the version URL field, else read off a packagist homepage.

    Anitya required it in the version URL field and built ``packages/None/<name>.json``
    without it; a homepage like https://packagist.org/packages/phpunit/php-timer names the
    vendor too.
    """
    given = (spec.version_url or "").strip().strip("/")
    if given:
        return given
    match = _PACKAGE_PAGE.match((spec.homepage or "").strip())
    return match.group(1) if match else None


class Packagist(Backend):
    """Every version key of a Composer package (branches like ``dev-master`` included)."""

    name = "Packagist"
    examples = (
        "https://packagist.org/packages/phpunit/php-code-coverage",
        "https://packagist.org/packages/phpunit/php-timer",
    )
    fields = {
        "name": FieldHelp(
            "Package name",
            "The package part of vendor/package, e.g. php-timer for phpunit/php-timer.",
            required=True,
        ),
        "version_url": FieldHelp(
            "Packagist owner/group",
            "The vendor part of vendor/package, e.g. phpunit for phpunit/php-timer. May be "
            "left empty when the homepage is the package's packagist.org page.",
        ),
    }

    def version_url(self, spec: ProjectSpec) -> str:
        owner = vendor(spec)
        if owner is None:
            return spec.version_url or spec.homepage
        return f"{API}{quote(owner, safe='')}/{quote(spec.name.strip(), safe='')}.json"

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        if vendor(spec) is None:
            raise BackendError(
                "Packagist needs the package's vendor (owner/group) in the version URL field, "
                'e.g. "phpunit" for phpunit/php-timer'
            )
        url = self.version_url(spec)
        response = http.get(url, conditional=True, accept_statuses=(200, 404))
        try:
            data = response.json()
        except BackendError:
            if response.status == 404:
                raise BackendError(f"Package not found: {url}") from None
            raise
        # Packagist answers {"status": "error", "message": "Package not found"} (with a 404).
        if (isinstance(data, dict) and data.get("status") == "error") or response.status == 404:
            message = data.get("message") if isinstance(data, dict) else None
            message = message[:200] if isinstance(message, str) and message else "Package not found"
            raise BackendError(f"{message}: {url}")
        package = data.get("package") if isinstance(data, dict) else None
        versions = package.get("versions") if isinstance(package, dict) else None
        if not isinstance(versions, dict):
            raise BackendError(f"{url}: unexpected answer (no package versions)")
        return [
            Release(
                version,
                published_at=parse_iso_datetime(info.get("time"))
                if isinstance(info, dict)
                else None,
            )
            for version, info in versions.items()
        ]
