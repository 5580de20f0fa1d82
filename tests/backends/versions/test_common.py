"""What every scheme shares: prefix stripping, the filters, scheme lookup and resolution."""

import pytest

from backends.registry import resolve_scheme_name
from backends.versions import (
    DEFAULT_SCHEME,
    SCHEME_NAMES,
    CalendarVersion,
    Pep440Version,
    RpmVersion,
    SemanticVersion,
    UnknownVersionScheme,
    canonical_scheme_name,
    get_scheme,
    is_filtered,
    make_version,
    matches_pre_release_filter,
    sort_versions,
    strip_prefixes,
)


@pytest.mark.parametrize(
    ("raw", "prefix", "expected"),
    [
        ("1.2", None, "1.2"),
        ("v1.2", None, "1.2"),
        ("v1.2", "", "1.2"),
        ("version-1.2", None, "version-1.2"),
        ("vim-9.0", None, "vim-9.0"),
        ("V1.2", None, "V1.2"),
        ("v", None, "v"),
        ("foo-1.2", "foo-", "1.2"),
        ("foo-v1.2", "foo-", "1.2"),
        ("foo-bar-1.2", "foo-;foo-bar-", "1.2"),
        ("foo-bar-1.2", "foo-bar-;foo-", "1.2"),
        ("foo-1.2", "foo-;foo-bar-", "1.2"),
        ("bar-1.2", "foo-", "bar-1.2"),
        ("release 1.2 ", "release", "1.2"),
        ("  1.2\n", None, "1.2"),
        ("foo-1.2", ";;foo-;", "1.2"),
        ("foo-1.2", "foo- ; bar-", "1.2"),
        ("1.2-foo", "foo", "1.2-foo"),
        ("foo-", "foo-", ""),
        ("vv1.2", "v", "1.2"),
    ],
)
def test_strip_prefixes(raw, prefix, expected):
    assert strip_prefixes(raw, prefix) == expected


def test_prefix_and_v_are_removed_in_every_scheme():
    for scheme in SCHEME_NAMES:
        version = make_version("proj-v1.2.3", scheme=scheme, version_prefix="proj-")
        assert version.parsed == "1.2.3", scheme
        assert version == make_version("1.2.3", scheme=scheme), scheme


@pytest.mark.parametrize(
    ("raw", "version_filter", "prefix", "expected"),
    [
        ("1.0", None, None, False),
        ("1.0", "", None, False),
        ("1.0-beta", "beta", None, True),
        ("1.0-beta", "alpha;beta", None, True),
        ("1.0-beta", "alpha; beta ", None, True),
        ("1.0", ";", None, False),
        ("1.0", " ; ", None, False),
        ("1.0", "2.0", None, False),
        ("1.0", "1.", None, True),
        # The filter also sees the prefix field glued to the raw string.
        ("1.0", "foo-1", "foo-", True),
        ("foo-1.0", "foo-foo", "foo-", True),
        ("1.0", "foo-1", None, False),
    ],
)
def test_is_filtered(raw, version_filter, prefix, expected):
    assert is_filtered(raw, version_filter, prefix) is expected


@pytest.mark.parametrize(
    ("raw", "pre_release_filter", "expected"),
    [
        ("1.0-snapshot", "snap", True),
        ("1.0", "snap", False),
        ("1.0-snapshot", "foo;snap", True),
        # Anitya stopped at the first empty entry (pitfall 17); empty entries are ignored here.
        ("1.0-snapshot", ";snap", True),
        ("1.0-snapshot", "foo;;snap", True),
        ("1.0-snapshot", "snap;", True),
        ("1.0", ";;", False),
        ("1.0-snapshot", "foo; snap", True),
        # Entries are matched against the raw string, prefix included.
        ("nightly-1.0", "nightly", True),
        # !odds: release component 1 (the minor) by default, or the given index.
        ("3.5.0", "!odds", True),
        ("3.4.0", "!odds", False),
        ("3.4.1", "!odds:2", True),
        ("3.4.2", "!odds:2", False),
        ("3.4", "!odds:2", False),
        ("5.0", "!odds:0", True),
        ("v3.5.0", "!odds", True),
        ("foo-3.5.0", "!odds", False),
        ("foo-3.5.0", "!odds;foo", True),
        ("3.5.0", "!odds:x", False),
    ],
)
def test_pre_release_filter(raw, pre_release_filter, expected):
    assert matches_pre_release_filter(raw, pre_release_filter) is expected
    # None of these strings carries an RPM marker, so the filter alone decides.
    version = make_version(raw, scheme="RPM", pre_release_filter=pre_release_filter)
    assert version.is_prerelease() is expected


def test_scheme_names_are_the_stored_strings():
    assert SCHEME_NAMES == ["Calendar", "Python (PEP 440)", "RPM", "Semantic"]
    assert DEFAULT_SCHEME == "RPM"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("RPM", RpmVersion),
        ("rpm", RpmVersion),
        ("semantic", SemanticVersion),
        ("CALENDAR", CalendarVersion),
        ("python (pep 440)", Pep440Version),
    ],
)
def test_get_scheme_is_case_insensitive(name, expected):
    assert get_scheme(name) is expected
    assert canonical_scheme_name(name) == expected.scheme_name


@pytest.mark.parametrize("name", ["", "pep440", "Python", "RPM ", "semver"])
def test_unknown_scheme_is_refused_with_a_clear_message(name):
    with pytest.raises(UnknownVersionScheme) as raised:
        get_scheme(name)
    assert str(raised.value) == f'No version scheme was found for "{name}"'
    assert isinstance(raised.value, LookupError)


@pytest.mark.parametrize(
    ("version_scheme", "ecosystem_name", "backend", "expected"),
    [
        ("Semantic", "pypi", "PyPI", "Semantic"),
        ("semantic", None, None, "Semantic"),
        ("python (PEP 440)", "https://example.org", "custom", "Python (PEP 440)"),
        (None, "pypi", "PyPI", "RPM"),
        ("", "npm", "npmjs", "RPM"),
        (None, "https://example.org", "GitHub", "RPM"),
        (None, None, None, "RPM"),
        (None, None, "no such backend", "RPM"),
    ],
)
def test_resolve_scheme_name(version_scheme, ecosystem_name, backend, expected):
    assert resolve_scheme_name(version_scheme, ecosystem_name, backend) == expected


def test_resolve_scheme_name_refuses_an_unknown_project_scheme():
    with pytest.raises(UnknownVersionScheme, match='"Debian"'):
        resolve_scheme_name("Debian", "pypi", "PyPI")


def test_resolve_scheme_name_uses_the_ecosystem_default(monkeypatch):
    from backends import ecosystems

    pypi = ecosystems.ECOSYSTEMS["pypi"]
    monkeypatch.setitem(
        ecosystems._BY_LOWER_NAME,
        "pypi",
        ecosystems.Ecosystem(pypi.name, pypi.default_backend, "Python (PEP 440)"),
    )
    assert resolve_scheme_name(None, "PyPI", "PyPI") == "Python (PEP 440)"
    assert resolve_scheme_name("RPM", "pypi", "PyPI") == "RPM"


def test_make_version_defaults_to_rpm_and_keeps_its_settings():
    version = make_version("x-1.0", scheme=None, version_prefix="x-", pre_release_filter="b")
    assert isinstance(version, RpmVersion)
    assert version.raw == "x-1.0"
    assert version.parsed == "1.0"
    assert version.version_prefix == "x-"


def test_make_version_refuses_non_strings():
    with pytest.raises(TypeError):
        make_version(1.0, scheme="RPM")


def test_versions_of_different_schemes_do_not_compare():
    rpm, pep = make_version("1.0", scheme="RPM"), make_version("1.0", scheme="Python (PEP 440)")
    assert rpm != pep
    with pytest.raises(TypeError):
        _ = rpm < pep


def test_sort_versions_is_independent_of_input_order_for_equal_versions():
    one = sort_versions(make_version(r, scheme="RPM") for r in ["v1.0", "1.0", "0.9"])
    two = sort_versions(make_version(r, scheme="RPM") for r in ["1.0", "0.9", "v1.0"])
    assert [v.raw for v in one] == [v.raw for v in two] == ["0.9", "1.0", "v1.0"]


def test_versions_work_as_set_members_and_dict_keys():
    versions = {make_version(r, scheme="RPM") for r in ["v1.0", "1.0", "1.04", "1.4"]}
    assert len(versions) == 2


def test_repr_names_the_class_and_raw_string():
    assert repr(make_version("v1", scheme="Semantic")) == "SemanticVersion('v1')"
