"""The Semantic scheme: SemVer 2.0 precedence, junk strings below valid versions."""

import pytest
import semver
from hypothesis import given
from hypothesis import strategies as st

from backends.versions import make_version, sort_versions


def sem(raw, **kwargs):
    return make_version(raw, scheme="Semantic", **kwargs)


# The precedence example of semver.org §11, oldest first.
SEMVER_SPEC_ORDER = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "2.0.0",
    "2.1.0",
    "2.1.1",
]


def test_semver_spec_precedence_example():
    shuffled = list(reversed(SEMVER_SPEC_ORDER))
    assert [v.raw for v in sort_versions(sem(r) for r in shuffled)] == SEMVER_SPEC_ORDER


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        ("1.9.0", "1.10.0"),
        ("1.0.0-rc.9", "1.0.0-rc.10"),
        ("1.0.0-rc.1", "1.0.0-rc.a"),
        ("1.0.0-a", "1.0.0-b"),
        ("1.0.0-B", "1.0.0-a"),
        ("1.0.0-alpha", "1.0.0-alpha.0"),
        ("0.0.1", "v0.0.2"),
        # Anything that is not SemVer sorts below every valid version...
        ("1.0", "0.0.1"),
        ("v1.0", "0.0.1-alpha"),
        ("1.0.0.0", "0.0.1"),
        ("01.0.0", "0.0.1"),
        ("1.0.0-01", "0.0.1"),
        ("\u0661.0.0", "0.0.1"),
        ("", "0.0.0"),
        # ...and among themselves by their text, so that sorting is deterministic.
        ("1.0", "1.1"),
        ("1.10", "1.9"),
    ],
)
def test_semantic_orders(older, newer):
    assert sem(older) < sem(newer)
    assert sem(newer) > sem(older)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("1.0.0", "v1.0.0"),
        ("1.0.0+build.1", "1.0.0+build.2"),
        ("1.0.0-rc.1+x", "1.0.0-rc.1"),
        ("1.0", "v1.0"),
    ],
)
def test_semantic_equal(a, b):
    assert sem(a) == sem(b)
    assert hash(sem(a)) == hash(sem(b))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.0.0-rc.1", True),
        ("1.0.0-0", True),
        ("1.0.0", False),
        ("1.0.0+build-rc", False),
        ("1.0-rc1", False),
        ("1.0", False),
    ],
)
def test_semantic_prerelease(raw, expected):
    assert sem(raw).is_prerelease() is expected


def test_semantic_prerelease_filter_applies_to_invalid_versions_too():
    assert sem("1.0-rc1", pre_release_filter="rc").is_prerelease()


_IDENTIFIER = st.one_of(
    st.integers(min_value=0, max_value=10**30).map(str),
    st.from_regex(r"[0-9A-Za-z-]*[A-Za-z-][0-9A-Za-z-]*", fullmatch=True).filter(
        lambda s: len(s) < 8
    ),
)
_SEMVER = st.builds(
    lambda core, pre, build: (
        ".".join(map(str, core))
        + (f"-{'.'.join(pre)}" if pre else "")
        + (f"+{'.'.join(build)}" if build else "")
    ),
    st.tuples(*[st.integers(min_value=0, max_value=10**20)] * 3),
    st.lists(_IDENTIFIER, max_size=3),
    st.lists(st.sampled_from(["b1", "001", "x-y"]), max_size=2),
)


@given(_SEMVER, _SEMVER)
def test_semantic_order_equals_the_semver_package(a, b):
    expected = semver.Version.parse(a).compare(b)
    assert (sem(a) > sem(b)) - (sem(a) < sem(b)) == expected
    assert (sem(a) == sem(b)) is (expected == 0)
