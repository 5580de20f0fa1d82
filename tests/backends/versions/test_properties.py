"""Every scheme is a consistent total preorder over arbitrary strings.

Upstreams send anything as a version; sorting must never raise and never depend on the order
the upstream listed the versions in.
"""

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backends.versions import SCHEME_NAMES, make_version, sort_versions
from tests.backends.versions.strategies import any_version

# Calendar needs a pattern: pairs of (pattern, strategy drawing versions that mostly fit it,
# stopping after any field, so that present and missing fields meet in comparisons).
_FIELDS = {
    "YYYY.MM.DD": [("", ["2024", "1999"]), (".", ["1", "9", "12"]), (".", ["1", "10", "31"])],
    "YY.0M.MICRO-MODIFIER": [
        ("", ["6", "24", "106"]),
        (".", ["01", "09", "12"]),
        (".", ["0", "7", "10", "007"]),
        ("-", ["rc1", "rc12", "RC2", "rc", "beta", "alpha1", "2"]),
    ],
    "YYYY.WW": [("", ["2024"]), (".", ["1", "9", "53"])],
    "MINORMODIFIER": [("", ["1", "23"]), ("", ["a", "b2", "rc10"])],
}


@st.composite
def _fitting(draw, fields):
    count = draw(st.integers(min_value=1, max_value=len(fields)))
    return "".join(sep + draw(st.sampled_from(choices)) for sep, choices in fields[:count])


_PATTERN_AND_RAW = st.one_of(
    [st.tuples(st.just(p), st.one_of(_fitting(f), any_version)) for p, f in _FIELDS.items()]
    + [st.tuples(st.none(), any_version)]
)


@st.composite
def _raws(draw, size):
    """A pattern and ``size`` raw strings (the pattern only matters to Calendar)."""
    pattern, first = draw(_PATTERN_AND_RAW)
    fields = _FIELDS.get(pattern)
    more = _fitting(fields) if fields else any_version
    return pattern, [
        first,
        *draw(st.lists(st.one_of(more, any_version), min_size=size - 1, max_size=size - 1)),
    ]


def versions(draw_raws, scheme, pattern):
    return [make_version(raw, scheme=scheme, version_pattern=pattern) for raw in draw_raws]


schemes = pytest.mark.parametrize("scheme", SCHEME_NAMES)


@schemes
@given(drawn=_raws(3))
@settings(max_examples=300)
def test_comparisons_are_a_total_preorder(scheme, drawn):
    pattern, raws = drawn
    a, b, c = versions(raws, scheme, pattern)
    # Reflexive and total.
    assert a == a and a <= a and a >= a
    assert a <= b or b <= a
    # The operators agree with each other.
    assert (a < b) == (b > a) == (a <= b and not b <= a)
    assert (a == b) == (a <= b and b <= a) == (not a < b and not b < a)
    assert not (a < b and b < a)
    # Transitive.
    if a <= b and b <= c:
        assert a <= c
    if a == b and b == c:
        assert a == c
    # Equal versions hash alike, so sets and dicts see them as one.
    if a == b:
        assert hash(a) == hash(b)


@schemes
@given(drawn=_raws(10), data=st.data())
def test_sorting_is_deterministic_and_ascending(scheme, drawn, data):
    pattern, raws = drawn
    ordered = sort_versions(versions(raws, scheme, pattern))
    shuffled = data.draw(st.permutations(raws))
    assert [v.raw for v in sort_versions(versions(shuffled, scheme, pattern))] == [
        v.raw for v in ordered
    ]
    assert all(x <= y for x, y in pairwise(ordered))


@schemes
@given(
    drawn=_raws(1),
    prefix=st.one_of(st.none(), st.sampled_from(["v", "rel-;rel-v", ";", "x"])),
)
def test_every_method_accepts_any_string(scheme, drawn, prefix):
    pattern, (raw,) = drawn
    version = make_version(
        raw,
        scheme=scheme,
        version_prefix=prefix,
        pre_release_filter="!odds;rc",
        version_pattern=pattern,
    )
    assert isinstance(version.parsed, str)
    assert str(version) == version.parsed
    assert isinstance(version.is_prerelease(), bool)
    assert isinstance(version.is_postrelease(), bool)
    assert version == make_version(
        raw, scheme=scheme, version_prefix=prefix, version_pattern=pattern
    )
