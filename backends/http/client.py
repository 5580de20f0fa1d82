"""The client: one :class:`HttpClient` per check, its public API and its HTTP requests.

It vets every hop with the guard, follows redirects by hand (dropping credentials on the way
to another host or down to http), sends stored credentials to their exact origin only, bounds
every phase of a request by the check's deadline, and answers :class:`HttpResponse` objects
read under the caps; FTP comes from :class:`~backends.http.ftp.FtpMixin`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import Element

import requests
from requests.auth import HTTPBasicAuth
from requests.structures import CaseInsensitiveDict

from backends.budget import Budget
from backends.config import HttpConfig, current
from backends.credentials import origin as url_origin
from backends.errors import NotModified, RateLimited
from backends.http.errors import (
    _CHECK_URL,
    FetchError,
    HTTPStatusError,
    UnsafeURL,
    display_url,
    invalid_url,
)
from backends.http.ftp import FtpMixin
from backends.http.guard import FTP_SCHEMES, HTTP_SCHEMES, Resolver, vet_url
from backends.http.listing import expand_globs, ftp_subdirectories, html_subdirectories
from backends.http.preparing import prepare_request
from backends.http.response import (
    HttpResponse,
    _clean_validator,
    parse_reset_time,
    read_body,
    release,
)
from backends.http.transport import Transport
from backends.versions.rpm import RpmVersion

REDIRECT_STATUSES = (301, 302, 303, 307, 308)


def directory_sort_key(name: str) -> tuple[Any, ...]:
    """The order of ``*`` glob matches, Anitya's expand_subdirs order: the RPM scheme."""
    return RpmVersion(name).sort_key


class HttpClient(FtpMixin):
    """One check's way out: guarded, capped, conditional requests.

    ``etag`` / ``last_modified`` start as the project's stored validators and, after a
    conditional request answered 200, hold the new ones for the check to store. Every
    request, byte and page of versions is charged to one :class:`~backends.budget.Budget`
    (the shorter deadline when ``interactive``): a client is one check. Its requests go out
    through its :class:`~backends.http.transport.Transport`.
    """

    def __init__(
        self,
        *,
        insecure: bool = False,
        etag: str | None = None,
        last_modified: str | None = None,
        config: HttpConfig | None = None,
        resolver: Resolver | None = None,
        interactive: bool = False,
        credentials: Mapping[str, tuple[str, str]] | None = None,
    ) -> None:
        self.insecure = insecure
        # The project's stored credentials: origin -> (user, password), for that origin only.
        self._credentials = dict(credentials or {})
        self.etag = etag
        self.last_modified = last_modified
        self.config = config or current().http
        self.budget = Budget(self.config.limits, interactive=interactive)
        self._resolver = resolver
        # host -> the checked address the connection is pinned to.
        self._pins: dict[str, str] = {}
        # Proxies and the CA bundle come from self.config.environment, read once per
        # process, never from os.environ (or ~/.netrc) on a request.
        self._transport = Transport(
            pins=self._pins, budget=self.budget, config=self.config, insecure=insecure
        )

    def close(self) -> None:
        """Release the connections not kept for the next check (a client is one check)."""
        self._transport.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- public API -----------------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        params: Any = None,
        auth: Any = None,
        conditional: bool = False,
        accept_statuses: Iterable[int] = (200,),
    ) -> HttpResponse:
        """GET ``url`` (globs expanded, ftp:// supported); see the module docstring."""
        try:
            parts = urlsplit(url)
        except ValueError as error:
            raise invalid_url(url, error) from None
        if "*" in parts.path:
            url = self.expand_globs(url)
        if urlsplit(url).scheme.lower() in FTP_SCHEMES:
            return self._ftp_get(url)
        return self._request(
            "GET",
            url,
            headers=headers,
            params=params,
            auth=auth,
            conditional=conditional,
            accept_statuses=tuple(accept_statuses),
        )

    def post(
        self,
        url: str,
        *,
        json: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        auth: Any = None,
        accept_statuses: Iterable[int] = (200,),
    ) -> HttpResponse:
        """POST to ``url`` (an API such as GitHub's GraphQL); never conditional."""
        return self._request(
            "POST",
            url,
            headers=headers,
            json=json,
            data=data,
            auth=auth,
            accept_statuses=tuple(accept_statuses),
        )

    def get_text(self, url: str, **kw: Any) -> str:
        """The decoded body of a GET."""
        return self.get(url, **kw).text

    def get_json(self, url: str, **kw: Any) -> Any:
        """The JSON body of a GET; malformed JSON raises BackendError naming the URL."""
        return self.get(url, **kw).json()

    def get_xml(self, url: str, **kw: Any) -> Element:
        """The XML body of a GET, parsed by defusedxml (entity bombs are refused)."""
        return self.get(url, **kw).xml()

    def list_directory(self, url: str) -> list[str]:
        """Subdirectory names of an HTML index page or an FTP directory, in listed order."""
        if urlsplit(url).scheme.lower() in FTP_SCHEMES:
            return ftp_subdirectories(self._ftp_get(url, listing=True).text)
        response = self.get(url)
        return html_subdirectories(response.url, response.text)

    def expand_globs(self, url: str) -> str:
        """Replace each path segment containing ``*`` by the highest matching subdirectory.

        ``https://h/pub/*/sub/v*/`` lists ``/pub/``, picks the highest match, then lists
        ``/pub/<it>/sub/`` for ``v*``, and so on, level by level (with :meth:`list_directory`).
        """
        return expand_globs(url, self.list_directory, directory_sort_key)

    # -- the guard ------------------------------------------------------------------------

    def check_url(self, url: str, schemes: tuple[str, ...] = HTTP_SCHEMES) -> str:
        """Refuse a URL whose scheme or addresses a check must not reach; return the address.

        The returned (checked) address is what the connection is pinned to (see
        :func:`~backends.http.guard.vet_url`).
        """
        return vet_url(
            url,
            schemes,
            pins=self._pins,
            resolver=self._resolver,
            allowed_networks=self.config.allowed_networks,
        )

    # -- HTTP -----------------------------------------------------------------------------

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"User-Agent": self.config.user_agent}
        if self.config.from_email:
            headers["From"] = self.config.from_email
        headers.update(extra or {})
        return headers

    def _request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        params: Any = None,
        json: Any = None,
        data: Any = None,
        auth: Any = None,
        conditional: bool = False,
        accept_statuses: tuple[int, ...] = (200,),
    ) -> HttpResponse:
        request_headers = self._headers(headers)
        if conditional:
            if self.etag:
                request_headers["If-None-Match"] = self.etag
            if self.last_modified:
                request_headers["If-Modified-Since"] = self.last_modified
        try:
            prepared = prepare_request(
                self._transport.cookies,
                method,
                url,
                request_headers,
                params=params,
                json=json,
                data=data,
                auth=auth,
            )
        except (requests.RequestException, ValueError, UnicodeError) as error:
            raise invalid_url(url, error) from None

        origin_host = urlsplit(prepared.url).hostname
        origin_scheme = urlsplit(prepared.url).scheme
        # Stored credentials, unless the backend authenticates itself (operator settings win).
        stored_auth = auth is None and "authorization" not in {h.lower() for h in headers or {}}
        self.budget.charge_request(prepared.url or url)
        for _hop in range(self.config.max_redirects + 1):
            current = prepared.url or url
            self.check_url(current)
            if stored_auth and self._credentials:
                self._authorize(prepared, current)
            timeout = (
                self.budget.timeout(self.config.connect_timeout),
                self.budget.timeout(self.config.read_timeout),
            )
            response = self._transport.send(prepared, current, timeout)
            location = response.headers.get("Location")
            if response.status_code not in REDIRECT_STATUSES or not location:
                return self._finish(response, current, conditional, accept_statuses)
            response.close()
            target = urljoin(current, location.strip())
            scheme = urlsplit(target).scheme.lower()
            if scheme not in HTTP_SCHEMES:
                raise UnsafeURL(
                    f"{display_url(current)} redirected to {display_url(target)}: only http "
                    "and https redirects are followed. Use the address of the page itself."
                )
            prepared = prepared.copy()
            if response.status_code == 303 or (
                response.status_code in (301, 302) and prepared.method == "POST"
            ):
                prepared.method = "GET"
                prepared.body = None
                for name in ("Content-Type", "Content-Length"):
                    prepared.headers.pop(name, None)
            try:
                prepared.prepare_url(target, None)
            except (requests.RequestException, ValueError, UnicodeError):
                raise UnsafeURL(
                    f"{display_url(current)} redirected to an address that is not a valid URL "
                    f"({display_url(target)}). {_CHECK_URL}"
                ) from None
            new = urlsplit(prepared.url)
            if new.hostname != origin_host or (scheme == "http" and origin_scheme == "https"):
                # Never hand credentials meant for one host to another, nor send them in clear.
                prepared.headers.pop("Authorization", None)
            # Cookies the upstream set on the way (this check's jar), for the next hop only.
            prepared.headers.pop("Cookie", None)
            if self._transport.cookies:
                prepared.prepare_cookies(self._transport.cookies)
        limit = self.config.max_redirects
        raise FetchError(
            url,
            f"more than {limit} redirects",
            f"{display_url(url)} redirected more than {limit} times (a redirect loop?). Open it "
            "in a browser and use the address it ends at as the version URL.",
        )

    def _authorize(self, prepared: requests.PreparedRequest, url: str) -> None:
        """Basic auth for this hop iff the project stored credentials for its exact origin
        (scheme, host, port): never for a host a redirect leads to, nor after a downgrade."""
        prepared.headers.pop("Authorization", None)
        found = self._credentials.get(url_origin(url) or "")
        if found is not None:  # UTF-8, as RFC 7617 servers expect (requests would use latin-1)
            HTTPBasicAuth(found[0].encode(), found[1].encode())(prepared)

    def _finish(
        self,
        response: Any,
        url: str,
        conditional: bool,
        accept_statuses: tuple[int, ...],
    ) -> HttpResponse:
        status = response.status_code
        reason = response.reason or ""
        if isinstance(reason, bytes):
            reason = reason.decode("latin-1")
        if status == 304 and conditional and 304 not in accept_statuses:
            release(response)
            raise NotModified()
        if status == 429 and 429 not in accept_statuses:
            response.close()
            host = urlsplit(url).hostname or url
            reset_at = parse_reset_time(response.headers)
            raise RateLimited(reset_at, scope=host)
        if status not in accept_statuses:
            response.close()
            raise HTTPStatusError(url, status, reason)
        content = read_body(
            response,
            url,
            self.budget,
            limit=self.config.max_response_bytes,
            read_timeout=self.config.read_timeout,
        )
        if conditional and status == 200:
            self.etag = _clean_validator(response.headers.get("ETag"))
            self.last_modified = _clean_validator(response.headers.get("Last-Modified"))
        return HttpResponse(
            url=url,
            status=status,
            reason=reason,
            headers=CaseInsensitiveDict(response.headers),
            content=content,
        )
