"""GitHub: tags or releases through the GraphQL API, with commit links and dates; a
conditional REST request first, so that unchanged repositories cost nothing.

The REST API would cost one request per 100 tags and carries no dates; one GraphQL query
returns 100 refs with their commit URL and date. A project's first check pages through every
ref (newest first) so that its history is complete. A later check first asks the REST API
whether the repository's tag refs (or its newest releases) changed since the last check,
sending back their ETag (:func:`~backends.upstreams.github.calls.unchanged`): GitHub answers
304 without spending any budget, and the check ends with nothing new. Otherwise it reads the
newest GraphQL page, which is where new tags appear, and the new ETag is kept with it.

GitHub refuses anonymous GraphQL calls, so a token is mandatory: the operator's
GITHUB_ACCESS_TOKEN, more of them (GITHUB_ACCESS_TOKENS) and a GitHub App's installation
tokens form a pool (:mod:`backends.github_tokens`) used in turn; a spent token hands over to
the next within the check, and only when all are spent does the check raise
:class:`RateLimited` scoped to api.github.com, so that the scheduler defers only GitHub
projects.

- :mod:`.calls`: the REST and GraphQL calls, the budgets GitHub announces, its errors;
- :mod:`.app`: GitHub App installation tokens (a JWT exchanged for an hour-long token).
"""

from __future__ import annotations

import re
from typing import Any

from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, Release
from backends.config import BackendsConfig, current
from backends.github_tokens import RATE_LIMIT_SCOPE, GitHubToken, LocalTokenPool, TokenPool
from backends.http import HttpClient
from backends.upstreams._common import as_dict, hosted_repository, parse_iso_datetime, web_url
from backends.upstreams.github.app import process_app_tokens
from backends.upstreams.github.calls import API_URL, graphql, unchanged

__all__ = [
    "API_URL",
    "MAX_PAGES",
    "RATE_LIMIT_SCOPE",
    "GitHub",
    "configured_tokens",
    "parse_repository",
    "token_pool",
]

PAGE_SIZE = 100
# A first check reads at most this many pages (5,000 refs), so a hostile or gigantic
# repository cannot keep a worker busy forever.
MAX_PAGES = 50
# What a later check asks the REST API conditionally: every tag ref in one answer (its ETag
# moves whenever a tag is added, moved or deleted, wherever it sorts), or the newest 100
# releases, the window the GraphQL query reads.
_TAGS_PATH = "{owner}/{name}/git/matching-refs/tags"
_RELEASES_PATH = "{owner}/{name}/releases?per_page=100"

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


def configured_tokens(config: BackendsConfig) -> list[GitHubToken]:
    """The operator's personal tokens, GITHUB_ACCESS_TOKEN first, each once."""
    secrets = [config.github_access_token, *config.github_access_tokens]
    tokens: dict[str, GitHubToken] = {}
    for number, secret in enumerate((s.strip() for s in secrets if s and s.strip()), start=1):
        token = GitHubToken(f"Token {number}", secret)
        tokens.setdefault(token.key, token)
    return list(tokens.values())


def token_pool(config: BackendsConfig) -> TokenPool:
    """The configured pool (the web app's, in the database), else one for this check: the
    personal tokens and, with a GitHub App, this process's installation token (minted
    through a client of its own: the exchange is no part of the check's budget)."""
    if config.github_token_pool is not None:
        return config.github_token_pool
    tokens = configured_tokens(config)
    if config.github_app is not None:
        try:
            with HttpClient(config=config.http) as client:
                minted = process_app_tokens.get(config.github_app, client)
        except BackendError:
            if not tokens:
                raise
        else:
            tokens.append(minted.as_pool_token(config.github_app))
    return LocalTokenPool(tokens)


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
        owner, name = repository
        pool = token_pool(current())
        if not spec.first_check:
            path = _RELEASES_PATH if spec.releases_only else _TAGS_PATH
            unchanged(
                spec,
                http,
                pool,
                path.format(owner=owner, name=name),
                whole_list=not spec.releases_only,
            )
        query = _RELEASES_QUERY if spec.releases_only else _TAGS_QUERY
        connection_key = "releases" if spec.releases_only else "refs"
        parse = _release_from_release if spec.releases_only else _release_from_tag

        releases: list[Release] = []
        cursor: str | None = None
        seen_cursors: set[str] = set()
        for _page in range(MAX_PAGES if spec.first_check else 1):
            http.budget.check_versions(len(releases))  # before reading one more page
            variables = {"owner": owner, "name": name, "first": PAGE_SIZE, "cursor": cursor}
            data = graphql(spec, http, pool, query, variables)
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
