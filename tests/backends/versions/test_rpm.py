"""RPM ordering: rpm's own rpmvercmp test vectors, a literal port of rpmvercmp.c as oracle,
and Anitya's rc/pre/beta/alpha/dev marker rule on top."""

import pytest
from hypothesis import given

from backends.versions import make_version, rpm_sort_key, rpm_vercmp, sort_versions
from tests.backends.versions.strategies import any_version, version_like


def c_rpmvercmp(a: str, b: str) -> int:
    """A line-by-line port of rpm's lib/rpmvercmp.c (rpm >= 4.16), used only as the oracle."""

    def isdigit(c: str) -> bool:
        return "0" <= c <= "9"

    def isalpha(c: str) -> bool:
        return "a" <= c <= "z" or "A" <= c <= "Z"

    if a == b:
        return 0
    one, two = a + "\0", b + "\0"  # C strings
    i = j = 0
    while one[i] != "\0" or two[j] != "\0":
        while one[i] != "\0" and not (isdigit(one[i]) or isalpha(one[i])) and one[i] not in "~^":
            i += 1
        while two[j] != "\0" and not (isdigit(two[j]) or isalpha(two[j])) and two[j] not in "~^":
            j += 1
        if one[i] == "~" or two[j] == "~":
            if one[i] != "~":
                return 1
            if two[j] != "~":
                return -1
            i, j = i + 1, j + 1
            continue
        if one[i] == "^" or two[j] == "^":
            if one[i] == "\0":
                return -1
            if two[j] == "\0":
                return 1
            if one[i] != "^":
                return 1
            if two[j] != "^":
                return -1
            i, j = i + 1, j + 1
            continue
        if one[i] == "\0" or two[j] == "\0":
            break
        end1, end2 = i, j
        kind = isdigit if isdigit(one[i]) else isalpha
        while one[end1] != "\0" and kind(one[end1]):
            end1 += 1
        while two[end2] != "\0" and kind(two[end2]):
            end2 += 1
        if end2 == j:
            return 1 if kind is isdigit else -1
        seg1, seg2 = one[i:end1], two[j:end2]
        if kind is isdigit:
            seg1, seg2 = seg1.lstrip("0"), seg2.lstrip("0")
            if len(seg1) != len(seg2):
                return 1 if len(seg1) > len(seg2) else -1
        if seg1 != seg2:
            return 1 if seg1 > seg2 else -1
        i, j = end1, end2
    if one[i] == "\0" and two[j] == "\0":
        return 0
    return -1 if one[i] == "\0" else 1


# rpm's tests/rpmvercmp.at, including the "oddities" it documents.
RPMVERCMP_AT = [
    ("1.0", "1.0", 0),
    ("1.0", "2.0", -1),
    ("2.0", "1.0", 1),
    ("2.0.1", "2.0.1", 0),
    ("2.0", "2.0.1", -1),
    ("2.0.1", "2.0", 1),
    ("2.0.1a", "2.0.1a", 0),
    ("2.0.1a", "2.0.1", 1),
    ("2.0.1", "2.0.1a", -1),
    ("5.5p1", "5.5p1", 0),
    ("5.5p1", "5.5p2", -1),
    ("5.5p2", "5.5p1", 1),
    ("5.5p10", "5.5p10", 0),
    ("5.5p1", "5.5p10", -1),
    ("5.5p10", "5.5p1", 1),
    ("10xyz", "10.1xyz", -1),
    ("10.1xyz", "10xyz", 1),
    ("xyz10", "xyz10", 0),
    ("xyz10", "xyz10.1", -1),
    ("xyz10.1", "xyz10", 1),
    ("xyz.4", "xyz.4", 0),
    ("xyz.4", "8", -1),
    ("8", "xyz.4", 1),
    ("xyz.4", "2", -1),
    ("2", "xyz.4", 1),
    ("5.5p2", "5.6p1", -1),
    ("5.6p1", "5.5p2", 1),
    ("5.6p1", "6.5p1", -1),
    ("6.5p1", "5.6p1", 1),
    ("6.0.rc1", "6.0", 1),
    ("6.0", "6.0.rc1", -1),
    ("10b2", "10a1", 1),
    ("10a2", "10b2", -1),
    ("1.0aa", "1.0aa", 0),
    ("1.0a", "1.0aa", -1),
    ("1.0aa", "1.0a", 1),
    ("10.0001", "10.0001", 0),
    ("10.0001", "10.1", 0),
    ("10.1", "10.0001", 0),
    ("10.0001", "10.0039", -1),
    ("10.0039", "10.0001", 1),
    ("4.999.9", "5.0", -1),
    ("5.0", "4.999.9", 1),
    ("20101121", "20101121", 0),
    ("20101121", "20101122", -1),
    ("20101122", "20101121", 1),
    ("2_0", "2_0", 0),
    ("2.0", "2_0", 0),
    ("2_0", "2.0", 0),
    ("a", "a", 0),
    ("a+", "a+", 0),
    ("a+", "a_", 0),
    ("a_", "a+", 0),
    ("+a", "+a", 0),
    ("+a", "_a", 0),
    ("_a", "+a", 0),
    ("+_", "+_", 0),
    ("_+", "+_", 0),
    ("_+", "_", 0),
    ("+", "_", 0),
    ("_", "+", 0),
    ("1.0~rc1", "1.0~rc1", 0),
    ("1.0~rc1", "1.0", -1),
    ("1.0", "1.0~rc1", 1),
    ("1.0~rc1", "1.0~rc2", -1),
    ("1.0~rc2", "1.0~rc1", 1),
    ("1.0~rc1~git123", "1.0~rc1~git123", 0),
    ("1.0~rc1~git123", "1.0~rc1", -1),
    ("1.0~rc1", "1.0~rc1~git123", 1),
    ("1.0^", "1.0^", 0),
    ("1.0^", "1.0", 1),
    ("1.0", "1.0^", -1),
    ("1.0^git1", "1.0^git1", 0),
    ("1.0^git1", "1.0", 1),
    ("1.0", "1.0^git1", -1),
    ("1.0^git1", "1.0^git2", -1),
    ("1.0^git2", "1.0^git1", 1),
    ("1.0^git1", "1.01", -1),
    ("1.01", "1.0^git1", 1),
    ("1.0^20160101", "1.0^20160101", 0),
    ("1.0^20160101", "1.0.1", -1),
    ("1.0.1", "1.0^20160101", 1),
    ("1.0^20160101^git1", "1.0^20160101^git1", 0),
    ("1.0^20160102", "1.0^20160101^git1", 1),
    ("1.0^20160101^git1", "1.0^20160102", -1),
    ("1.0~rc1^git1", "1.0~rc1^git1", 0),
    ("1.0~rc1^git1", "1.0~rc1", 1),
    ("1.0~rc1", "1.0~rc1^git1", -1),
    ("1.0^git1~pre", "1.0^git1~pre", 0),
    ("1.0^git1", "1.0^git1~pre", 1),
    ("1.0^git1~pre", "1.0^git1", -1),
    # Oddities rpm documents: letters glued to a number are a segment of their own, and
    # non-ASCII characters are separators, so these compare equal.
    ("1b.fc17", "1.fc17", -1),
    ("1g.fc17", "1.fc17", 1),
    ("1.1.\u03b1", "1.1.\u03b2", 0),
    ("1.1.\u03b1\u03b1", "1.1.\u03b1", 0),
]

# More hard cases: numbers beat letters, the end of the string, leading zeros, `~` before even
# the end of the string.
MORE_VECTORS = [
    ("a", "1", -1),
    ("1", "a", 1),
    ("1.04", "1.3", 1),
    ("1.04", "1.4", 0),
    ("1.0", "1.0.0", -1),
    ("1.0a", "1.0", 1),
    ("1.0", "1.0.", 0),
    ("1.0~", "1.0", -1),
    ("1.0~", "1.0~~", 1),
    ("1.0^", "1.0~", 1),
    ("1.0^", "1.0a", -1),
    ("1.0^post", "1.0.1", -1),
    ("", "0", -1),
    ("", "~", 1),
    ("", "^", -1),
    ("9" * 5000, "1" + "0" * 5000, -1),
    ("B", "a", -1),
    ("1.\u0661", "1", 0),
]


@pytest.mark.parametrize(("a", "b", "expected"), RPMVERCMP_AT + MORE_VECTORS)
def test_rpm_vercmp_matches_rpm(a, b, expected):
    assert rpm_vercmp(a, b) == expected
    assert c_rpmvercmp(a, b) == expected


@pytest.mark.parametrize(("a", "b", "expected"), RPMVERCMP_AT + MORE_VECTORS)
def test_rpm_sort_key_orders_like_rpm_vercmp(a, b, expected):
    key_a, key_b = rpm_sort_key(a), rpm_sort_key(b)
    assert (key_a > key_b) - (key_a < key_b) == expected


@given(version_like, version_like)
def test_rpm_vercmp_equals_the_c_algorithm_on_version_like_strings(a, b):
    assert rpm_vercmp(a, b) == c_rpmvercmp(a, b)


def test_nothing_after_a_nul_counts_as_in_rpms_c_strings():
    # Found by the property test below: rpm's C strings end at the first NUL.
    assert rpm_vercmp("", "\x000") == c_rpmvercmp("", "\x000") == 0
    assert rpm_vercmp("1.0\x009", "1.0") == 0
    assert rpm_vercmp("1.1\x00", "1.0") == 1


@given(any_version, any_version)
def test_rpm_vercmp_equals_the_c_algorithm_on_any_text(a, b):
    assert rpm_vercmp(a, b) == c_rpmvercmp(a, b)


def test_max_over_directory_names_picks_rpm_newest():
    assert max(["1.9", "1.10", "1.10~rc1", "1.2"], key=rpm_sort_key) == "1.10"


def rpm(raw, **kwargs):
    return make_version(raw, scheme="RPM", **kwargs)


# (older, newer) under the RPM scheme.
RPM_LESS = [
    ("1.0", "1.0.0"),
    ("1.0", "1.0.1"),
    ("1.3", "1.04"),
    ("1.0", "1.0a"),
    ("1.9", "1.10"),
    ("1.0~rc1", "1.0"),
    ("1.0", "1.0^post"),
    ("1.0^post", "1.0.1"),
    ("1.0", "2.0-rc1"),
    ("1.0-rc1", "1.0"),
    ("1.0rc1", "1.0"),
    ("1.0.rc1", "1.0"),
    ("1.0-RC1", "1.0"),
    ("1.0-dev", "1.0"),
    ("1.0-alpha", "1.0-alpha1"),
    ("1.0-alpha1", "1.0-alpha2"),
    ("1.0-alpha9", "1.0-alpha10"),
    ("1.0-rc9", "1.0-rc12"),
    ("1.0-rc", "1.0-rc0"),
    # Markers compare alphabetically (Anitya's rule, pitfall 19): alpha < beta < dev < pre < rc.
    ("1.0-alpha2", "1.0-beta1"),
    ("1.0-beta1", "1.0-dev1"),
    ("1.0-dev1", "1.0-pre1"),
    ("1.0-pre1", "1.0-rc1"),
    ("1.0-Beta3", "1.0-rc1"),
    ("1.0-rc5", "1.0.1-alpha1"),
    ("0.9", "1.0-alpha1"),
    # An empty base (nothing but a marker, or nothing at all) sorts lowest.
    ("rc1", "0"),
    ("", "0"),
    ("", "~1"),
    ("1.0-1", "1.0-2"),
    ("1.0", "1.0-1"),
]

RPM_EQUAL = [
    ("1.0", "1.0"),
    ("v1.0", "1.0"),
    ("1.04", "1.4"),
    ("1.0-rc1", "1.0-rc1-1"),
    ("1.0-rc1", "1.0rc1"),
    ("1.0-rc1", "1.0.rc1"),
    ("1.0-RC1", "1.0-rc1"),
    ("1.0-rc01", "1.0-rc1"),
    ("1_0", "1.0"),
]


@pytest.mark.parametrize(("older", "newer"), RPM_LESS)
def test_rpm_scheme_orders(older, newer):
    a, b = rpm(older), rpm(newer)
    assert a < b
    assert b > a
    assert a != b
    assert not b <= a


@pytest.mark.parametrize(("a", "b"), RPM_EQUAL)
def test_rpm_scheme_equal_versions(a, b):
    assert rpm(a) == rpm(b)
    assert hash(rpm(a)) == hash(rpm(b))
    assert not rpm(a) < rpm(b)
    assert not rpm(b) < rpm(a)


def test_rpm_sorting_a_release_history():
    history = ["1.0-alpha1", "1.0-beta1", "1.0-rc1", "1.0", "1.0.1", "1.1~rc1", "1.1", "2.0"]
    shuffled = [history[i] for i in (5, 2, 7, 0, 3, 6, 1, 4)]
    assert [v.raw for v in sort_versions(rpm(r) for r in shuffled)] == history


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.0-rc1", True),
        ("1.0rc1", True),
        ("1.0.Beta", True),
        ("1.0-alpha", True),
        ("2.0.dev3", True),
        ("1.0-pre2", True),
        ("1.0", False),
        ("1.0~git1", False),
        ("1.0.post1", False),
    ],
)
def test_rpm_prerelease_markers(raw, expected):
    assert rpm(raw).is_prerelease() is expected


def test_rpm_prerelease_from_the_filter_when_no_marker():
    assert rpm("1.0-snapshot", pre_release_filter="snap").is_prerelease()
    assert not rpm("1.0", pre_release_filter="snap").is_prerelease()


def test_rpm_parsed_is_prefix_stripped_and_has_no_postrelease():
    version = rpm("release-v2.1", version_prefix="release-")
    assert version.parsed == "2.1"
    assert str(version) == "2.1"
    assert not version.is_postrelease()
