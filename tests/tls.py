"""A self-signed certificate for servers on 127.0.0.1 that tests reach over https.

The certificate names ``127.0.0.1`` (and any host names asked for) and is its own issuer, so
a client that trusts its file (``NetworkEnvironment(ca_bundle=...)``, as an operator's
REQUESTS_CA_BUNDLE does) verifies it like any other, and one that does not refuses it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from backends import config
from backends.config import NetworkEnvironment


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        """A TLS server context presenting this certificate."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


def self_signed(folder: Path, *hosts: str) -> Certificate:
    """A certificate for 127.0.0.1 and ``hosts``, valid for a day, written under ``folder``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0] if hosts else "127.0.0.1")])
    names: list[x509.GeneralName] = [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    names += [x509.DNSName(host) for host in hosts]
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    found = Certificate(folder / "cert.pem", folder / "key.pem")
    found.cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    found.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return found


@contextmanager
def trusted(certificate: Certificate) -> Iterator[None]:
    """Checks started inside trust ``certificate`` as an operator's CA bundle makes them do
    (the process's network environment, then the backends' configuration, installed again);
    afterwards both are what they were."""
    from projects import backend_settings

    before = config._environment
    config._environment = NetworkEnvironment(ca_bundle=str(certificate.cert))
    backend_settings.install()
    try:
        yield
    finally:
        config._environment = before
        backend_settings.install()
