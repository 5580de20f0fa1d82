"""GitHub: tags or releases through the GraphQL API, with commit links and dates.

The REST API would cost one request per 100 tags and carries no dates; one GraphQL query
returns 100 refs with their commit URL and date. A project's first check pages through every
ref (newest first) so that its history is complete; later checks read the newest page only,
which is where new tags appear. GitHub refuses anonymous GraphQL calls, so the operator's
GITHUB_ACCESS_TOKEN is mandatory, and every way GitHub signals a rate limit becomes
:class:`RateLimited` scoped to api.github.com, so that the scheduler defers only GitHub projects.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, RateLimited, Release
from backends.config import current
from backends.http import parse_reset_time
from backends.upstreams._common import (
    as_dict,
    hosted_repository,
    parse_iso_datetime,
    web_url,
)

if TYPE_CHECKING:
    from backends.http import HttpClient, HttpResponse

API_URL = "https://api.github.com/graphql"
RATE_LIMIT_SCOPE = "api.github.com"
PAGE_SIZE = 100
# A first check reads at most this many pages (5,000 refs), so a hostile or gigantic
# repository cannot keep a worker busy forever.
MAX_PAGES = 50
_MAX_ERRORS_SHOWN = 5

_GITHUB_HOSTS = ("github.com", "www.github.com")
# GitHub's own rules: owners are alphanumerics and dashes, repositories also allow `.` and `_`.
_OWNER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
_REPOSITORY = re.compile(r"[A-Za-z0-9._-]{1,100}")

# Variables, not string interpolation: an owner or repository name can never change the query.
_TAGS_QUERY = """
query($owner: String!, $name: String!, $first: Int!, $cursor: String) {
  repository(owner: $owner, name: $name) {
    refs(refPrefix: "refs/tags/", first: $first, after: $cursor,
         orderBy: {field: TAG_COMMIT_DATE, direction: DESC}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        name
        target {
          commitUrl
          ... on Commit { committedDate }
          ... on Tag {
            tagger { date }
            target { commitUrl ... on Commit { committedDate } }
          }
        }
      }
    }
  }
  rateLimit { limit remaining resetAt }
}
"""

_RELEASES_QUERY = """
query($owner: String!, $name: String!, $first: Int!, $cursor: String) {
  repository(owner: $owner, name: $name) {
    releases(first: $first, after: $cursor, orderBy: {field: CREATED_AT, direction: DESC}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        name
        publishedAt
        createdAt
        tag {
          name
          target { commitUrl ... on Tag { target { commitUrl } } }
        }
      }
    }
  }
  rateLimit { limit remaining resetAt }
}
"""


def parse_repository(spec: ProjectSpec) -> tuple[str, str] | None:
    """``(owner, repository)`` from the version URL (``owner/repo`` or a GitHub URL), else
    from a github.com homepage; None when neither names a repository."""
    return hosted_repository(spec, _GITHUB_HOSTS, _OWNER, _REPOSITORY)


class GitHub(Backend):
    """Tags (or releases) of a GitHub repository."""

    name = "GitHub"
    examples = (
        "https://github.com/fedora-infra/anitya",
        "https://github.com/release-monitoring/anitya",
    )
    fields = {
        "version_url": FieldHelp(
            "GitHub owner/project",
            "The repository as owner/project, e.g. fedora-infra/anitya (a github.com URL also "
            "works). Leave empty when the homepage is the repository's github.com page.",
        ),
        "releases_only": FieldHelp(
            "Check releases instead of tags",
            "Read the repository's GitHub releases (their tag names are the versions) instead "
            "of every tag.",
        ),
    }

    def version_url(self, spec: ProjectSpec) -> str:
        """The repository's tags (or releases) page, as shown on the project page."""
        repository = parse_repository(spec)
        if repository is None:
            return ""
        page = "releases" if spec.releases_only else "tags"
        return f"https://github.com/{repository[0]}/{repository[1]}/{page}"

    def rate_limit_scope(self, spec: ProjectSpec) -> str:
        """GitHub limits the operator's token on its API, whatever the repository."""
        return RATE_LIMIT_SCOPE

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        """Every tag (first check) or the newest 100, or the same for releases."""
        repository = parse_repository(spec)
        if repository is None:
            raise BackendError(
                f"Project {spec.name} was incorrectly set up: the GitHub version URL must be "
                '"owner/project" (or leave it empty with a https://github.com/owner/project '
                "homepage)."
            )
        token = current().github_access_token
        if not token:
            raise BackendError(
                f'Could not call : "{API_URL}" of "{spec.name}", with error: '
                "github_access_token not configured"
            )
        owner, name = repository
        query = _RELEASES_QUERY if spec.releases_only else _TAGS_QUERY
        connection_key = "releases" if spec.releases_only else "refs"
        parse = _release_from_release if spec.releases_only else _release_from_tag

        releases: list[Release] = []
        cursor: str | None = None
        seen_cursors: set[str] = set()
        for _page in range(MAX_PAGES if spec.first_check else 1):
            http.budget.check_versions(len(releases))  # before reading one more page
            variables = {"owner": owner, "name": name, "first": PAGE_SIZE, "cursor": cursor}
            data = self._query(spec, http, token, query, variables)
            repository_data = data.get("repository")
            if not isinstance(repository_data, dict):
                raise BackendError(f"{spec.name}: GitHub answered without the repository.")
            connection = as_dict(repository_data.get(connection_key))
            for node in _nodes(connection):
                release = parse(node)
                if release is not None:
                    releases.append(release)
            page_info = as_dict(connection.get("pageInfo"))
            cursor = page_info.get("endCursor")
            if page_info.get("hasNextPage") is not True or not isinstance(cursor, str):
                break
            if not cursor or cursor in seen_cursors:
                break  # an upstream repeating its cursor would otherwise loop to the cap
            seen_cursors.add(cursor)
        if not releases:
            raise BackendError(f"{spec.name}: No upstream version found.")
        return releases

    def _query(
        self,
        spec: ProjectSpec,
        http: HttpClient,
        token: str,
        query: str,
        variables: dict[str, Any],
    ) -> dict[str, Any]:
        """One GraphQL call; rate limits become RateLimited, errors Anitya's messages."""
        response = http.post(
            API_URL,
            json={"query": query, "variables": variables},
            headers={"Authorization": f"bearer {token}"},
            accept_statuses=range(200, 600),
        )
        if not 200 <= response.status < 300:
            _raise_for_status(spec, response)
        if (response.headers.get("X-RateLimit-Remaining") or "").strip() == "0":
            # Anitya's rule: the answer that spent the last point is discarded too.
            raise RateLimited(parse_reset_time(response.headers), scope=RATE_LIMIT_SCOPE)
        payload = response.json()
        if not isinstance(payload, dict):
            raise BackendError(f"{spec.name}: GitHub answered something that is not an object.")
        data = as_dict(payload.get("data"))
        errors = payload.get("errors")
        rate_limit = as_dict(data.get("rateLimit"))
        if isinstance(errors, list) and any(
            as_dict(error).get("type") == "RATE_LIMITED" for error in errors
        ):
            raise RateLimited(_reset_at(response, rate_limit), scope=RATE_LIMIT_SCOPE)
        remaining = rate_limit.get("remaining")
        if isinstance(remaining, int) and not isinstance(remaining, bool) and remaining <= 0:
            raise RateLimited(_reset_at(response, rate_limit), scope=RATE_LIMIT_SCOPE)
        if errors:
            raise BackendError(_errors_message(spec, errors))
        if not data:
            raise BackendError(f"{spec.name}: GitHub answered without data.")
        return data


def _raise_for_status(spec: ProjectSpec, response: HttpResponse) -> None:
    """A non-2xx answer: a rate limit when GitHub says so, else Anitya's status message."""
    headers = response.headers
    remaining = (headers.get("X-RateLimit-Remaining") or "").strip()
    if response.status in (403, 429) and (remaining == "0" or headers.get("Retry-After")):
        raise RateLimited(parse_reset_time(headers), scope=RATE_LIMIT_SCOPE)
    detail = ""
    try:
        detail = str(as_dict(response.json()).get("message") or "")[:200]
    except BackendError:
        detail = ""
    if response.status == 429 or (response.status == 403 and "rate limit" in detail.lower()):
        # A secondary limit announced only in the body: parse_reset_time falls back to an hour.
        raise RateLimited(parse_reset_time(headers), scope=RATE_LIMIT_SCOPE)
    message = f'{spec.name}: Server responded with status "{response.status}": "{response.reason}"'
    if detail:
        message += f" ({detail})"
    raise BackendError(message)


def _reset_at(response: HttpResponse, rate_limit: dict[str, Any]) -> dt.datetime:
    """The reset time from the headers, else the body's ``rateLimit.resetAt`` (capped)."""
    headers = response.headers
    if headers.get("Retry-After") or headers.get("X-RateLimit-Reset"):
        return parse_reset_time(headers)
    reset = parse_iso_datetime(rate_limit.get("resetAt"))
    if reset is None:
        return parse_reset_time(headers)
    now = dt.datetime.now(dt.UTC)
    return min(max(reset, now), now + dt.timedelta(days=1))


def _errors_message(spec: ProjectSpec, errors: object) -> str:
    """Anitya's text: one ``"<type>": "<message>"`` line per GraphQL error."""
    lines = []
    for error in errors if isinstance(errors, list) else [errors]:
        error = as_dict(error)
        kind = str(error.get("type") or "ERROR")[:100]
        text = str(error.get("message") or "unknown error")[:300]
        lines.append(f'"{kind}": "{text}"')
        if len(lines) == _MAX_ERRORS_SHOWN:
            break
    return f"{spec.name}: Server responded with following errors \n" + "\n".join(lines)


def _nodes(connection: dict[str, Any]) -> list[dict[str, Any]]:
    """The items of a connection, from ``nodes`` or from ``edges[].node`` (Anitya's shape)."""
    nodes = connection.get("nodes")
    if isinstance(nodes, list):
        return [node for node in nodes if isinstance(node, dict)]
    edges = connection.get("edges")
    if isinstance(edges, list):
        candidates = [edge.get("node") for edge in edges if isinstance(edge, dict)]
        return [node for node in candidates if isinstance(node, dict)]
    return []


def _release_from_tag(node: dict[str, Any]) -> Release | None:
    name = node.get("name")
    if not isinstance(name, str) or not name:
        return None
    target = as_dict(node.get("target"))
    tagged = as_dict(target.get("target"))  # an annotated tag points at the commit
    commit_url = web_url(tagged.get("commitUrl")) or web_url(target.get("commitUrl"))
    published = (
        parse_iso_datetime(as_dict(target.get("tagger")).get("date"))
        or parse_iso_datetime(target.get("committedDate"))
        or parse_iso_datetime(tagged.get("committedDate"))
    )
    return Release(version=name, commit_url=commit_url, published_at=published)


def _release_from_release(node: dict[str, Any]) -> Release | None:
    tag = as_dict(node.get("tag"))
    name = tag.get("name")
    if not isinstance(name, str) or not name:
        return None  # a release whose tag is gone (or a draft) has no version to offer
    target = as_dict(tag.get("target"))
    commit_url = web_url(as_dict(target.get("target")).get("commitUrl")) or web_url(
        target.get("commitUrl")
    )
    published = parse_iso_datetime(node.get("publishedAt")) or parse_iso_datetime(
        node.get("createdAt")
    )
    return Release(version=name, commit_url=commit_url, published_at=published)
