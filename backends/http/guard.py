"""The address guard: where a check may connect, and the pinning that holds it to that.

:func:`vet_url` refuses a scheme a check may not use and a host any of whose addresses is
loopback, private, link-local, metadata, ... (:func:`is_refused_address`; the operator's
allowed networks win), and returns the address the connection is then pinned to:
:mod:`backends.http.direct` connects only to hosts vetted first, at their vetted address, so a
DNS answer that changes in between (DNS rebinding) cannot send a check elsewhere.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.models import PreparedRequest
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3.connectionpool import ConnectionPool

from backends.addresses import IPAddress, IPNetwork, ip_literal
from backends.http.errors import (
    _CHECK_URL,
    _TEMPORARY,
    FetchError,
    UnsafeURL,
    _clip,
    display_url,
    dns_failure,
    invalid_url,
)

Resolver = Callable[[str, int], list[str]]

HTTP_SCHEMES = ("http", "https")
FTP_SCHEMES = ("ftp", "ftps")

# Refused on top of everything that is not globally routable (see is_refused_address).
_REFUSED_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(cidr)
    for cidr in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",  # CGNAT; Alibaba's metadata service is 100.100.100.200
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local; AWS/GCP/Azure metadata is 169.254.169.254
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/128",
        "::1/128",
        "64:ff9b:1::/48",
        "100::/64",
        "2001:db8::/32",
        "fc00::/7",  # unique-local; AWS's IPv6 metadata is fd00:ec2::254
        "fe80::/10",
        "ff00::/8",
    )
)


def resolve_host(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (the global resolver; tests monkeypatch it here)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def is_refused_address(address: IPAddress, allowed: Iterable[IPNetwork] = ()) -> bool:
    """Whether a check must not connect to ``address`` (allowed networks win)."""
    allowed = tuple(allowed)
    candidates = [address]
    if isinstance(address, ipaddress.IPv6Address):
        # Addresses that carry an IPv4 address are judged by it too.
        for embedded in (address.ipv4_mapped, address.sixtofour):
            if embedded is not None:
                candidates.append(embedded)
        if address.teredo is not None:
            candidates.extend(address.teredo)
        if address in ipaddress.ip_network("64:ff9b::/96"):
            candidates.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    for candidate in candidates:
        if any(candidate.version == net.version and candidate in net for net in allowed):
            return False
    for candidate in candidates:
        if (
            not candidate.is_global
            or candidate.is_multicast
            or candidate.is_reserved
            or candidate.is_unspecified
            or any(candidate.version == n.version and candidate in n for n in _REFUSED_NETWORKS)
        ):
            return True
    return False


def vet_url(
    url: str,
    schemes: tuple[str, ...] = HTTP_SCHEMES,
    *,
    pins: dict[str, str],
    resolver: Resolver | None = None,
    allowed_networks: tuple[IPNetwork, ...] = (),
) -> str:
    """Refuse a URL whose scheme or addresses a check must not reach; return the address.

    The returned (checked) address is what the connection is pinned to; ``pins`` (host ->
    address) remembers it, so each host is resolved once per client.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise invalid_url(url, error) from None
    scheme = parts.scheme.lower()
    allowed = " or ".join(f"{name}://" for name in schemes)
    if not scheme:
        raise UnsafeURL(
            f"{display_url(url)} cannot be checked: it must start with {allowed}. {_CHECK_URL}"
        )
    if scheme not in schemes:
        raise UnsafeURL(
            f"{display_url(url)} cannot be checked: the {scheme} scheme is not allowed "
            f"(only {allowed}). {_CHECK_URL}"
        )
    host = (parts.hostname or "").lower()
    if not host:
        raise UnsafeURL(f"{display_url(url)} has no host name. {_CHECK_URL}")
    if host in pins:
        return pins[host]
    default_port = {"http": 80, "https": 443, "ftp": 21, "ftps": 21}[scheme]
    literal = ip_literal(host)
    if literal is not None:
        addresses = [literal]
    else:
        resolver = resolver or resolve_host
        try:
            resolved = resolver(host.rstrip("."), port or default_port)
        except (OSError, UnicodeError) as error:
            raise dns_failure(url, host, error) from None
        addresses = []
        for text in resolved:
            address = ip_literal(str(text))
            if address is None:
                raise UnsafeURL(
                    f"The DNS answer for {_clip(host, 100)} is not an address. "
                    f"{_TEMPORARY} ({display_url(url)})"
                )
            addresses.append(address)
        if not addresses:
            raise FetchError(
                url,
                "the host has no address",
                f"The host {_clip(host, 100)} has no address (DNS). Check the spelling of "
                f"the URL. ({display_url(url)})",
            )
    for address in addresses:
        if is_refused_address(address, allowed_networks):
            owner = "" if literal is not None else f" (the address of {_clip(host, 100)})"
            raise UnsafeURL(
                f"{display_url(url)}: refusing to connect to {address}{owner}, a private, "
                "loopback, link-local or reserved address that checks may not reach. "
                "Use the site's public URL."
            )
    pinned = str(addresses[0])
    pins[host] = pinned
    return pinned


class _ProxyAdapter(HTTPAdapter):
    """requests' transport adapter, for the requests that go through the operator's proxy.

    Every other request goes to the pinned address itself (:mod:`backends.http.direct`):
    this adapter refuses one that would not use the proxy, since its pools resolve the name
    again. Through a proxy the proxy resolves the name; our check of the name still ran, but
    the connection cannot be pinned. (``responses`` replaces ``HTTPAdapter.send`` in tests:
    recorded answers are replayed at this adapter.)
    """

    def __init__(self) -> None:
        super().__init__(pool_connections=4, pool_maxsize=4, max_retries=0)

    def get_connection_with_tls_context(
        self,
        request: PreparedRequest,
        verify: bool | str | None,
        proxies: Mapping[str, str] | None = None,
        cert: tuple[str, str] | str | None = None,
    ) -> ConnectionPool:
        url = request.url or ""
        if not (proxies and requests.utils.select_proxy(url, proxies)):
            raise UnsafeURL(
                f"{display_url(url)}: refusing to connect to a host without pinning it to the "
                "address the check vetted"
            )
        return super().get_connection_with_tls_context(request, verify, proxies, cert)

    def build_response(self, req: PreparedRequest, resp: Any) -> requests.Response:
        """requests' response, without reading the answer's cookies into a jar of its own:
        nothing reads that jar (the transport keeps the cookies of the answers that set
        some), and on an answer without any the empty search cost 30 us (a mock request and
        a walk of every header per cookie header name)."""
        response = requests.Response()
        response.status_code = resp.status
        response.headers = CaseInsensitiveDict(resp.headers)
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = resp
        response.reason = resp.reason
        response.url = req.url or ""
        response.request = req
        response.connection = self
        return response
