"""crates.io: the versions API of the Rust package registry, and its summary of recent crates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from backends.base import Backend, BackendError, FeedEntry, FieldHelp, ProjectSpec, Release
from backends.upstreams._common import not_found_means, parse_iso_datetime

if TYPE_CHECKING:
    from backends.http import HttpClient

API = "https://crates.io/api/v1/crates/"
FEED_URL = "https://crates.io/api/v1/summary"
# crates.io pages its answer when asked to (meta.next_page); a crate has at most a few
# thousand versions, so this bound only stops an upstream that pages forever.
MAX_PAGES = 50


def _errors(data: dict[str, Any]) -> str | None:
    """crates.io's ``{"errors": [{"detail": ...}]}`` as one line, if the answer is one."""
    errors = data.get("errors")
    if not isinstance(errors, list) or not errors:
        return None
    details = [str(e.get("detail")) for e in errors if isinstance(e, dict) and e.get("detail")]
    return "; ".join(details) or "unknown error"


class CratesIo(Backend):
    """Every version of a crate, the yanked ones flagged ``withdrawn`` (cargo no longer
    picks them for a new lock file): never stored as new, and a stored one is marked
    withdrawn."""

    name = "crates.io"
    examples = ("https://crates.io/crates/clap", "https://crates.io/crates/serde")
    fields = {
        "name": FieldHelp(
            "Crate name",
            "The name on crates.io, as in https://crates.io/crates/<name>.",
            required=True,
        ),
    }
    has_feed = True

    def version_url(self, spec: ProjectSpec) -> str:
        return f"{API}{quote(spec.name.strip(), safe='')}/versions"

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        url = self.version_url(spec)
        releases: list[Release] = []
        page_url, conditional = url, True
        for _page in range(MAX_PAGES):
            http.budget.check_versions(len(releases))  # before reading one more page
            with not_found_means(f'No crate "{spec.name}" on crates.io: {url}'):
                data = http.get_json(page_url, conditional=conditional)
            if not isinstance(data, dict):
                raise BackendError(f"{page_url}: unexpected answer (not a JSON object)")
            if (message := _errors(data)) is not None:
                raise BackendError(f"{url}: crates.io answered: {message}")
            versions = data.get("versions")
            if not isinstance(versions, list):
                raise BackendError(f"{page_url}: unexpected answer (no list of versions)")
            for entry in versions:
                if not isinstance(entry, dict):
                    continue
                number = entry.get("num")
                if isinstance(number, str) and number:
                    published = parse_iso_datetime(entry.get("created_at"))
                    yanked = entry.get("yanked") is True
                    releases.append(Release(number, published_at=published, withdrawn=yanked))
            meta = data.get("meta")
            next_page = meta.get("next_page") if isinstance(meta, dict) else None
            if not isinstance(next_page, str) or not next_page.startswith("?"):
                break
            # Only the first page carries the check's validators.
            page_url, conditional = url + next_page, False
        return releases

    def check_feed(self, http: HttpClient) -> list[FeedEntry]:
        """Crates just updated and just created, with their newest version."""
        data = http.get_json(FEED_URL)
        if not isinstance(data, dict):
            raise BackendError(f"{FEED_URL}: unexpected answer (not a JSON object)")
        found = [data.get(key) for key in ("just_updated", "new_crates")]
        lists = [crates for crates in found if isinstance(crates, list)]
        if not lists:
            raise BackendError(f"{FEED_URL}: unexpected answer (no list of crates)")
        entries: list[FeedEntry] = []
        for crates in lists:
            for crate in crates:
                if not isinstance(crate, dict):
                    continue
                name = crate.get("name") or crate.get("id")
                version = crate.get("newest_version") or crate.get("max_version")
                if not (isinstance(name, str) and name and isinstance(version, str) and version):
                    continue
                entry = FeedEntry(name, version, f"https://crates.io/crates/{name}")
                if entry not in entries:
                    entries.append(entry)
        return entries
