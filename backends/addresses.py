"""IP addresses and networks as the operator, users and the resolver spell them.

Pure parsing, below everything that connects: the guard judges the addresses, the operator's
configuration lists the networks a check may reach anyway, the proxy settings exempt some.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(cidrs: Iterable[str]) -> tuple[IPNetwork, ...]:
    """CIDR strings (``"127.0.0.1/32"``) to networks; a typo must fail loudly at startup."""
    return tuple(ipaddress.ip_network(str(cidr).strip(), strict=False) for cidr in cidrs or ())


_IPV4_LEGACY = re.compile(r"(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}", re.I)


def ip_literal(host: str) -> IPAddress | None:
    """The address a host spells literally, in any form the C resolver accepts.

    ``2130706433``, ``0x7f.1`` and ``0177.0.0.1`` all mean 127.0.0.1 to getaddrinfo, so they
    must mean it to the guard too.
    """
    host = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if _IPV4_LEGACY.fullmatch(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None
