"""The Python (PEP 440) scheme: pip's ordering and normal forms."""

import pytest

from backends.versions import make_version, sort_versions


def pep(raw, **kwargs):
    return make_version(raw, scheme="Python (PEP 440)", **kwargs)


# PEP 440's own "summary of permitted suffixes and relative ordering", plus epochs.
PEP440_ORDER = [
    "1.0.dev456",
    "1.0a1",
    "1.0a2.dev456",
    "1.0a12.dev456",
    "1.0a12",
    "1.0b1.dev456",
    "1.0b2",
    "1.0b2.post345.dev456",
    "1.0b2.post345",
    "1.0rc1.dev456",
    "1.0rc1",
    "1.0",
    "1.0+abc.5",
    "1.0+abc.7",
    "1.0+5",
    "1.0.post456.dev34",
    "1.0.post456",
    "1.0.15",
    "1.1.dev1",
    "2024.1",
    "1!0.1",
]


def test_pep440_summary_ordering():
    assert [v.raw for v in sort_versions(pep(r) for r in reversed(PEP440_ORDER))] == (PEP440_ORDER)


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("1.0-rc1", "1.0rc1"),
        ("1.0-RC1", "1.0rc1"),
        ("1.0.0-alpha.1", "1.0.0a1"),
        ("1.0-beta", "1.0b0"),
        ("1.0-1", "1.0.post1"),
        ("1.0_dev", "1.0.dev0"),
        ("v2.0", "2.0"),
        ("pkg-v2.0.0", "2.0.0"),
        ("0!1.0", "1.0"),
        ("1.0+Ubuntu-1", "1.0+ubuntu.1"),
        ("not a version", "not a version"),
    ],
)
def test_pep440_parsed_is_the_normal_form(raw, parsed):
    assert pep(raw, version_prefix="pkg-").parsed == parsed
    assert str(pep(raw, version_prefix="pkg-")) == parsed


@pytest.mark.parametrize(
    ("a", "b"),
    [("1.0", "1.0.0"), ("1.0-rc1", "1.0rc1"), ("v1.0", "1.0"), ("1.0", "0!1.0"), ("x", "x")],
)
def test_pep440_equal(a, b):
    assert pep(a) == pep(b)
    assert hash(pep(a)) == hash(pep(b))


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        ("junk", "0.0.dev0"),
        ("1.0.0.0.0.0.x", "0"),
        ("a-junk", "b-junk"),
        ("9" * 5000, "0"),
        ("", "0"),
    ],
)
def test_invalid_pep440_versions_sort_lowest_and_by_text(older, newer):
    assert pep(older) < pep(newer)


@pytest.mark.parametrize(
    ("raw", "prerelease", "postrelease"),
    [
        ("1.0rc1", True, False),
        ("1.0a1", True, False),
        ("1.0.dev1", True, False),
        ("1.0.post1.dev1", True, True),
        ("1.0.post1", False, True),
        ("1.0-1", False, True),
        ("1.0", False, False),
        ("junk-rc", False, False),
    ],
)
def test_pep440_pre_and_post_releases(raw, prerelease, postrelease):
    assert pep(raw).is_prerelease() is prerelease
    assert pep(raw).is_postrelease() is postrelease


def test_pep440_prerelease_filter_still_applies():
    assert pep("1.0", pre_release_filter="1.0").is_prerelease()
