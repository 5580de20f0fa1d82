"""Ecosystems: the package indexes, and how a project's ecosystem_name is derived."""

import pytest

from backends.ecosystems import (
    ECOSYSTEMS,
    derive_ecosystem_name,
    ecosystem_for_backend,
    get_ecosystem,
)
from backends.registry import BACKENDS
from backends.versions import SCHEME_NAMES

# Anitya's five, whose names and default scheme its clients rely on.
ANITYA_ECOSYSTEMS = {
    "crates.io": "crates.io",
    "maven": "Maven Central",
    "npm": "npmjs",
    "pypi": "PyPI",
    "rubygems": "Rubygems",
}


def test_the_ecosystems_and_their_default_backends():
    assert {name: e.default_backend for name, e in ECOSYSTEMS.items()} == {
        **ANITYA_ECOSYSTEMS,
        "aur": "AUR",
        "conda": "conda",
        "docker": "Docker Hub",
        "go": "Go modules",
        "hex": "Hex.pm",
        "homebrew": "Homebrew",
        "homebrew-cask": "Homebrew Cask",
        "nuget": "NuGet",
        "open-vsx": "Open VSX",
        "pub": "pub.dev",
        "terraform": "Terraform Registry",
    }
    assert ECOSYSTEMS["crates.io"].aliases == ("Cargo",)
    assert ECOSYSTEMS["go"].aliases == ("Golang",)


def test_every_default_backend_and_scheme_exists():
    for ecosystem in ECOSYSTEMS.values():
        assert ecosystem.default_backend in BACKENDS
        assert ecosystem.default_version_scheme in SCHEME_NAMES
    for name in ANITYA_ECOSYSTEMS:
        assert ECOSYSTEMS[name].default_version_scheme == "RPM"


# Contract §1.9.
@pytest.mark.parametrize(
    ("backend", "homepage", "expected"),
    [
        ("PyPI", "https://pypi.org/project/requests/", "pypi"),
        ("npmjs", "https://www.npmjs.com/package/left-pad", "npm"),
        ("Rubygems", "https://rubygems.org/gems/rails", "rubygems"),
        ("Maven Central", "https://repo1.maven.org/maven2/junit/junit/", "maven"),
        ("crates.io", "https://crates.io/crates/serde", "crates.io"),
        ("GitHub", "https://github.com/psf/requests", "https://github.com/psf/requests"),
        ("custom", "https://example.org/", "https://example.org/"),
        ("PyPI simple", "https://pypi.org/project/x/", "https://pypi.org/project/x/"),
        # The backend match is exact, as in Anitya.
        ("pypi", "https://pypi.org/project/requests/", "https://pypi.org/project/requests/"),
        (None, "https://example.org/", "https://example.org/"),
    ],
)
def test_derive_ecosystem_name(backend, homepage, expected):
    assert derive_ecosystem_name(backend, homepage) == expected


def test_ecosystem_for_backend_is_exact():
    assert ecosystem_for_backend("npmjs") is ECOSYSTEMS["npm"]
    assert ecosystem_for_backend("NPMJS") is None
    assert ecosystem_for_backend(None) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pypi", "pypi"),
        ("PyPI", "pypi"),
        ("Crates.IO", "crates.io"),
        ("cargo", "crates.io"),
        ("Maven", "maven"),
        ("https://example.org/", None),
        ("", None),
        (None, None),
    ],
)
def test_get_ecosystem_is_case_insensitive_and_knows_aliases(name, expected):
    ecosystem = get_ecosystem(name)
    assert (ecosystem.name if ecosystem else None) == expected
