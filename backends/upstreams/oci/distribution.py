"""The tag list of the OCI distribution API, and the token handshake in front of it.

``GET /v2/<name>/tags/list`` answers ``{"name": ..., "tags": [...]}`` in lexical order and
may page with a ``Link: <...?n=..&last=..>; rel="next"`` header (OCI distribution spec,
"Listing Tags", https://github.com/opencontainers/distribution-spec/blob/main/spec.md).
Most registries answer an anonymous request with ``401`` and ``WWW-Authenticate: Bearer
realm="...",service="...",scope="..."``: the client GETs the realm with that service and
scope for a token, then asks again with ``Authorization: Bearer <token>`` (Docker's "Token
Authentication Specification",
https://github.com/distribution/distribution/blob/main/docs/content/spec/auth/token.md).

The token goes to the registry's origin only: never to the realm, nor to a page link that
leads elsewhere (such a link is refused). The realm is fetched like any URL, through the
client's guard; the project's stored credentials reach it only if they were given for its
exact origin, which the client decides, as for every request.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from backends.base import BackendError, RateLimited
from backends.credentials import origin
from backends.http import HTTPStatusError, display_url
from backends.upstreams._common import not_found_means
from backends.upstreams.oci.references import TAG, ImageReference, repository_name

if TYPE_CHECKING:
    from backends.http import HttpClient, HttpResponse

# Registries return a whole list or pages of 50 to 1,000 tags; this bounds a registry that
# pages forever (the check's request budget is the other bound).
MAX_PAGES = 40
# A token is fetched for the first request, and once more if it expires on a later page.
MAX_TOKENS = 2
_MAX_HEADER = 4096
_MAX_TOKEN_LENGTH = 16_384
_TOKEN = re.compile(r"[\x21-\x7e]+")  # visible ASCII: nothing that could break the header
# RFC 7235 auth-params: name=token or name="quoted string".
_AUTH_PARAM = re.compile(r'([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))')
_LINK = re.compile(r"<([^<>]*)>([^,<]*)")
_REL_NEXT = re.compile(r'(?i)\brel\s*=\s*"?(?:[^",;]*\s)?next\b')
_JSON = {"Accept": "application/json"}


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """``(scheme, params)`` of a ``WWW-Authenticate`` challenge, the scheme in lower case."""
    header = header.strip()[:_MAX_HEADER]
    scheme, _, rest = header.partition(" ")
    params: dict[str, str] = {}
    for name, quoted, bare in _AUTH_PARAM.findall(rest):
        params.setdefault(name.lower(), re.sub(r"\\(.)", r"\1", quoted) if quoted else bare)
    return scheme.lower(), params


def next_link(header: str | None) -> str | None:
    """The target of a ``Link`` header's ``rel="next"`` (RFC 8288), if it has one."""
    for link in _LINK.finditer((header or "")[:_MAX_HEADER]):
        if _REL_NEXT.search(link.group(2)):
            return link.group(1).strip()
    return None


def oci_tags(
    registry_base: str, repository: str, http: HttpClient, *, label: str | None = None
) -> list[str]:
    """Every tag of ``repository`` on the registry at ``registry_base``, in the registry's
    order, each page read; raises a readable :class:`BackendError` (``label``, else the
    repository, starts the messages that are not the client's own).

    ``registry_base`` is the registry's origin (``https://ghcr.io``), or an address whose path
    is a prefix of repositories (a Harbor proxy project: ``https://harbor.example.org/hub``).
    """
    registry = origin(registry_base)
    prefix = [segment for segment in urlsplit(registry_base.strip()).path.split("/") if segment]
    name = repository_name("/".join([*prefix, repository]), docker_hub=False)
    if registry is None or not registry.startswith(("https:", "http:")) or name is None:
        raise BackendError(
            f"{label or repository}: {display_url(registry_base)} and {repository} do not name "
            "a repository of an OCI registry."
        )
    return _TagList(ImageReference(registry, name), http, label).read()


class _TagList:
    """One reading of a repository's tags: its pages, and the token they are read with."""

    def __init__(self, image: ImageReference, http: HttpClient, label: str | None) -> None:
        self.image = image
        self.http = http
        self.label = label or image.repository
        self.token: str | None = None
        self.tokens = 0
        self.realm_origin: str | None = None

    def read(self) -> list[str]:
        url = self.image.tags_url
        tags: list[str] = []
        seen_tags: set[str] = set()
        seen_pages = {url}
        for _page in range(MAX_PAGES):
            self.http.budget.check_versions(len(tags))  # before reading one more page
            response = self._get(url)
            added = 0
            for tag in self._page_tags(response):
                if tag not in seen_tags:
                    seen_tags.add(tag)
                    tags.append(tag)
                    added += 1
            link = next_link(response.headers.get("Link"))
            if link is None or added == 0:  # no more pages, or a registry going round
                return tags
            url = urljoin(url, link)
            if origin(url) != self.image.registry:
                raise BackendError(
                    f"{self.label}: {self.image.host} sent the next page of tags to another "
                    f"address ({display_url(url)}), which is not followed."
                )
            if url in seen_pages:
                return tags
            seen_pages.add(url)
        raise BackendError(
            f"{self.label}: {self.image.host} lists the tags of {self.image.repository} on "
            f"more than {MAX_PAGES} pages; the check stops there. ({self.image.tags_url})"
        )

    def _get(self, url: str) -> HttpResponse:
        """GET a page with the token; a 401 fetches a (new) token and asks once more."""
        for _attempt in range(2):
            headers = dict(_JSON)
            if self.token is not None:
                headers["Authorization"] = f"Bearer {self.token}"
            with not_found_means(
                f'No image "{self.image.repository}" on {self.image.host}: {self.image.tags_url}'
            ):
                response = self.http.get(url, headers=headers, accept_statuses=(200, 401))
            if response.status == 200:
                return response
            if _attempt or self.tokens >= MAX_TOKENS:
                break
            self.token = self._fetch_token(response)
        raise self._refused()

    def _fetch_token(self, challenged: HttpResponse) -> str:
        scheme, params = parse_challenge(challenged.headers.get("WWW-Authenticate") or "")
        realm = params.get("realm", "")
        if scheme != "bearer" or not realm:
            if scheme == "basic":
                self.realm_origin = self.image.registry
            raise self._refused()
        realm_origin = origin(realm)
        # Only http(s), and no way down from https: the client would fetch ftp:// too.
        allowed = ("https:",) if self.image.registry.startswith("https:") else ("https:", "http:")
        if realm_origin is None or not realm_origin.startswith(allowed):
            raise BackendError(
                f"{self.label}: {self.image.host} asks for a token from "
                f"{display_url(realm)}, which is not an https address the check may use."
            )
        self.realm_origin = realm_origin
        query = {"scope": params.get("scope") or f"repository:{self.image.repository}:pull"}
        if params.get("service"):  # some registries (nvcr.io) name no service
            query["service"] = params["service"]
        self.tokens += 1
        try:
            data = self.http.get_json(realm, params=query, headers=_JSON)
        except RateLimited as limited:
            # Every image of this registry needs its token service: defer them all.
            scope = urlsplit(self.image.registry).hostname or self.image.host
            raise RateLimited(limited.reset_at, scope=scope) from None
        except HTTPStatusError as error:
            if error.status in (401, 403):
                raise self._refused() from None
            raise
        token = _token(data)
        if token is None:
            raise BackendError(
                f"{self.label}: the token service of {self.image.host} answered no usable "
                f"token. ({display_url(realm)})"
            )
        return token

    def _refused(self) -> BackendError:
        image, host = self.image, self.image.host
        if self.realm_origin in (None, image.registry):
            advice = (
                "For a private image, put the credentials in the address "
                f"(https://user:token@{host}/{image.repository}); they are sent to {host} only."
            )
        else:
            token_host = self.realm_origin.split("://", 1)[1]
            advice = (
                f"Its token service is {token_host}, where credentials given for {host} are "
                "not sent: only public images can be watched there."
            )
        return BackendError(
            f"{self.label}: {host} refused to list the tags of {image.repository}: the image "
            f"does not exist, or it is private. {advice} ({image.tags_url})"
        )

    def _page_tags(self, response: HttpResponse) -> list[str]:
        data = response.json()
        if not isinstance(data, dict):
            raise BackendError(f"{response.url}: unexpected answer (not a JSON object)")
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            raise BackendError(f"{response.url}: the registry answered: {_error_text(errors)}")
        if "tags" not in data:
            raise BackendError(f"{response.url}: unexpected answer (no list of tags)")
        tags = data["tags"]
        if tags is None:  # some registries say null for a repository without tags
            return []
        if not isinstance(tags, list):
            raise BackendError(f"{response.url}: unexpected answer (no list of tags)")
        return [tag for tag in tags if isinstance(tag, str) and TAG.fullmatch(tag)]


def _token(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    # The spec names it `token`; OAuth 2.0 clients know it as `access_token`.
    for key in ("token", "access_token"):
        value = data.get(key)
        if isinstance(value, str) and len(value) <= _MAX_TOKEN_LENGTH and _TOKEN.fullmatch(value):
            return value
    return None


def _error_text(errors: list[Any]) -> str:
    """The OCI error document (``{"errors": [{"code", "message"}]}``) as one short line."""
    texts = []
    for error in errors[:3]:
        if isinstance(error, dict):
            text = " ".join(str(error.get(key) or "") for key in ("code", "message")).strip()
            if text:
                texts.append("".join(c for c in text if c.isprintable())[:200])
    return "; ".join(texts) or "an error"
