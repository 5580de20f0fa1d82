"""From a Package URL anyone sent to the key it is looked up by.

The string is hostile: anything that is not a PURL (not text, too long, control characters,
no ``pkg:`` scheme, no type or name, broken qualifiers, a type's required namespace missing
or a forbidden one given) raises :class:`~.keys.InvalidPurl` with a reason. A well-formed
PURL of a type releasemon does not hold (``pkg:deb/debian/curl``) names no project: None.

The version, the subpath and the qualifiers are not part of the key: a project stands for
every release of its package, and names are unique within an ecosystem whatever the registry
(``repository_url``) or conda channel. The one exception is ``docker``, whose
``repository_url`` says which registry the image is on: only Docker Hub's images are a
project's.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from packageurl import PackageURL

from backends.purls.keys import (
    MAX_PURL_LENGTH,
    InvalidPurl,
    LookupKey,
    backend_key,
    ecosystem_key,
    pep503_name,
)
from backends.upstreams.oci.references import DOCKER_HUB, parse_reference

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# How Docker Hub is named in a docker PURL's repository_url.
_DOCKER_HUB_HOSTS = frozenset(
    {"docker.io", "index.docker.io", "registry-1.docker.io", "hub.docker.com"}
)
_EXAMPLE = "as in pkg:pypi/requests"


def parse_purl(text: object) -> PackageURL:
    """``text`` read as a PURL (packageurl-python's parser, which also normalises each type's
    case), or :class:`InvalidPurl`."""
    if not isinstance(text, str):
        raise InvalidPurl("Not a Package URL: a Package URL is a string.")
    text = text.strip()
    if not text:
        raise InvalidPurl(f"Not a Package URL: it is empty ({_EXAMPLE}).")
    if len(text) > MAX_PURL_LENGTH:
        raise InvalidPurl(f"Not a Package URL: it is longer than {MAX_PURL_LENGTH} characters.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, from JSON's \ud800
        raise InvalidPurl("Not a Package URL: it is not valid Unicode text.") from None
    scheme, colon, rest = text.partition(":")
    if not colon or scheme.lower() != "pkg":
        raise InvalidPurl(f'Not a Package URL: it must start with "pkg:" ({_EXAMPLE}).')
    if _CONTROL.search(text):
        raise InvalidPurl("Not a Package URL: it holds a control character.")
    try:
        purl = PackageURL.from_string("pkg:" + rest)
    except ValueError as error:  # UnicodeError included: a percent-escape of no character
        raise InvalidPurl(f"Not a Package URL: {_reason(str(error))}.") from None
    decoded = [purl.namespace, purl.name, purl.version, purl.subpath, *purl.qualifiers.values()]
    if any(_CONTROL.search(part) for part in decoded if part):
        raise InvalidPurl("Not a Package URL: it holds an escaped control character.")
    return purl


def lookup_key(text: object) -> LookupKey | None:
    """The key the project of the PURL ``text`` is found by; None for a type releasemon does
    not hold. Raises :class:`InvalidPurl`."""
    purl = parse_purl(text)
    read = _BY_TYPE.get(purl.type)
    return read(purl) if read is not None else None


def _reason(message: str) -> str:
    """packageurl-python's reason, in words (its own messages repeat the whole input)."""
    if "type component" in message:
        return f"it has no type ({_EXAMPLE})"
    if "purl type" in message:
        return "its type is not made of letters, digits, '.' and '-' only"
    if "name component" in message:
        return f"it has no name ({_EXAMPLE})"
    if "qualifier" in message.lower():
        return "its qualifiers are not key=value pairs with keys of letters, digits, '.-_'"
    return "it cannot be read as one"


# -- the types ----------------------------------------------------------------------------------


def _without_namespace(purl: PackageURL) -> str:
    """The name of a type whose definition forbids a namespace."""
    if purl.namespace:
        raise InvalidPurl(
            f"Not a valid pkg:{purl.type} Package URL: the {purl.type} type has no namespace "
            f"(pkg:{purl.type}/<name>)."
        )
    return purl.name


def _required_namespace(purl: PackageURL, what: str) -> str:
    if not purl.namespace:
        raise InvalidPurl(
            f"Not a valid pkg:{purl.type} Package URL: the {purl.type} type needs the {what} "
            f"as namespace (pkg:{purl.type}/<{what}>/<name>)."
        )
    return purl.namespace


def _pypi(purl: PackageURL) -> LookupKey:
    return ecosystem_key("pypi", pep503_name(_without_namespace(purl)))


def _npm(purl: PackageURL) -> LookupKey | None:
    scope = purl.namespace
    if not scope:
        return ecosystem_key("npm", purl.name.lower())
    if "/" in scope:  # a scope is one segment
        return None
    scope = scope if scope.startswith("@") else "@" + scope
    return ecosystem_key("npm", f"{scope}/{purl.name}".lower())


def _cargo(purl: PackageURL) -> LookupKey:
    return ecosystem_key("crates.io", _without_namespace(purl).lower().replace("_", "-"))


def _gem(purl: PackageURL) -> LookupKey:
    return ecosystem_key("rubygems", _without_namespace(purl).lower())


def _maven(purl: PackageURL) -> LookupKey:
    group = _required_namespace(purl, "groupId").replace("/", ".")
    return ecosystem_key("maven", f"{group}:{purl.name}".lower())


def _docker(purl: PackageURL) -> LookupKey | None:
    registry = purl.qualifiers.get("repository_url")
    if registry is not None:
        host = registry.strip().lower().split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        if host not in _DOCKER_HUB_HOSTS:
            return None
    reference = f"{purl.namespace}/{purl.name}" if purl.namespace else purl.name
    image = parse_reference(reference.lower())
    if image is None or image.registry != DOCKER_HUB:
        return None
    return ecosystem_key("docker", image.repository)


def _golang(purl: PackageURL) -> LookupKey:
    namespace = _required_namespace(purl, "module path's beginning")
    return ecosystem_key("go", f"{namespace}/{purl.name}".lower())


def _hex(purl: PackageURL) -> LookupKey | None:
    if purl.namespace:  # an organisation's private package: not on the public registry
        return None
    return ecosystem_key("hex", purl.name.lower())


def _nuget(purl: PackageURL) -> LookupKey:
    return ecosystem_key("nuget", _without_namespace(purl).lower())


def _pub(purl: PackageURL) -> LookupKey:
    return ecosystem_key("pub", _without_namespace(purl).lower())


def _conda(purl: PackageURL) -> LookupKey:
    return ecosystem_key("conda", _without_namespace(purl).lower())


def _brew(purl: PackageURL) -> LookupKey | None:
    tap = (purl.namespace or "homebrew/core").lower()
    ecosystem = {"homebrew/core": "homebrew", "homebrew/cask": "homebrew-cask"}.get(tap)
    return ecosystem_key(ecosystem, purl.name.lower()) if ecosystem else None


def _vscode_extension(purl: PackageURL) -> LookupKey:
    publisher = _required_namespace(purl, "publisher")
    return ecosystem_key("open-vsx", f"{publisher}.{purl.name}".lower())


def _forge(backend: str) -> Callable[[PackageURL], LookupKey | None]:
    def read(purl: PackageURL) -> LookupKey | None:
        owner = _required_namespace(purl, "owner")
        if "/" in owner:  # an owner is one segment
            return None
        return backend_key(backend, f"{owner}/{purl.name}".lower())

    return read


_BY_TYPE: dict[str, Callable[[PackageURL], LookupKey | None]] = {
    "bitbucket": _forge("BitBucket"),
    "brew": _brew,
    "cargo": _cargo,
    "conda": _conda,
    "docker": _docker,
    "gem": _gem,
    "github": _forge("GitHub"),
    "golang": _golang,
    "hex": _hex,
    "maven": _maven,
    "npm": _npm,
    "nuget": _nuget,
    "pub": _pub,
    "pypi": _pypi,
    "vscode-extension": _vscode_extension,
}
