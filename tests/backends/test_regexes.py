"""User regexes: validation, the default regex, timeouts, and get_versions_by_regex."""

from __future__ import annotations

import re
import time

import pytest
import regex

from backends import regexes
from backends.base import BackendError, NotModified, Release
from backends.http import HttpClient
from backends.regexes import (
    DEFAULT_REGEX,
    InvalidRegex,
    find_versions,
    project_regex,
    validate_user_regex,
    versions_by_regex,
)
from tests.backends.conftest import make_spec, recording_cases, replay

LISTING = """
<a href="foo-1.2.3.tar.gz">foo-1.2.3.tar.gz</a>
<a href="foo-src-1.3.tgz">foo-src-1.3.tgz</a>
<a href="foo_2.0-rc1.zip">foo_2.0-rc1.zip</a>
<a href="foo-1.2.3.tar.gz.sig">signature</a>
<a href="foobar-9.9.tar.gz">another project</a>
<a href="FOO-3.0.tar.xz">upper case</a>
"""


# -- project_regex and the default regex --------------------------------------------------------


@pytest.mark.parametrize("regex", [None, "", "  ", "DEFAULT"])
def test_default_regex_finds_release_archives_of_the_project(regex):
    pattern = project_regex(regex, "foo")
    assert find_versions(pattern, LISTING) == ["1.2.3", "1.3", "2.0-rc1", "3.0"]


def test_the_project_name_is_matched_literally():
    # Anitya only escaped "+"; "." in a name must not match any character either.
    assert find_versions(project_regex(None, "c++"), "c++-1.0.tar.gz") == ["1.0"]
    assert find_versions(project_regex(None, "foo.bar"), "fooXbar-1.0.tar.gz") == []
    assert find_versions(project_regex(None, "foo.bar"), "foo.bar-2.0.tar.gz") == ["2.0"]


def test_a_custom_regex_gets_the_name_substituted():
    pattern = project_regex(r"%(name)s v(\d+\.\d+)", "my-tool")
    assert find_versions(pattern, "my-tool v1.4 released, other-tool v9.9") == ["1.4"]


def test_the_operator_can_change_the_default_regex(settings):
    settings.DEFAULT_REGEX = r"%(name)s/releases/tag/v?([0-9.]+)"
    pattern = project_regex("DEFAULT", "foo")
    assert find_versions(pattern, "foo/releases/tag/v1.5 foo-1.0.tar.gz") == ["1.5"]


def test_default_regex_is_anitya_s():
    assert DEFAULT_REGEX.startswith("(?i)%(name)s(?:[-_]?(?:minsrc|src|source))?[-_]")


# -- validate_user_regex ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        "",
        "DEFAULT",
        "(.*)",  # legal in Anitya: may match empty, but finds versions too
        r"%(name)s-(\d+(?:\.\d+)*)\.tar",
        r"(?i)release (\d+)_(\d+)",
        r"\p{L}+-(\d+)",  # syntax of the regex package only
        r"v?(\d*)",
    ],
)
def test_usable_regexes_are_accepted(pattern):
    validate_user_regex(pattern)


def test_an_overlong_regex_is_refused():
    with pytest.raises(InvalidRegex, match="at most 512"):
        validate_user_regex("a" * 513)
    validate_user_regex("a" * 512)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("foo-(\\d+", "missing ) at position 8"),
        ("[a-", "unterminated character set at position 3"),
        ("*foo", "nothing to repeat at position 0"),
    ],
)
def test_invalid_syntax_says_what_and_where(pattern, message):
    with pytest.raises(InvalidRegex) as raised:
        validate_user_regex(pattern)
    assert message in str(raised.value)


# -- the default regex is compiled once, not once per project -----------------------------------

TRICKY_PAGE = (
    "FOO-1.0.tar.gz foo_src_1.1.zip foofoo-2.0.tgz fofoo-3.0.tar.bz2 foo-foo-4.0.tar.gz "
    "\u212aFoo-5.0.zip \u017ftool-6.0.zip stool-6.1.zip c++-1.2.tar.gz C++-1.3.tar.gz "
    "a.b-7.0.tar.xz aXb-7.1.tar.xz my\ttool-8.0.zip aaa-9.0.tar.gz ab-9.1.tar.gz\n"
    "foo-10.0-rc1.tar.gz foo-10.0-src.tar.gz foo-11.0.tar.gz.asc foo-12.0-beta2.zip "
    "\u0130nkscape-1.0.tar.gz \u0131nkscape-1.1.tar.gz inkscape-1.2.tar.gz caf\u00e9-1.0.zip"
)
TRICKY_NAMES = ["foo", "FOO", "Foo", "kfoo", "tool", "stool", "c++", "a.b", "my\ttool"]
TRICKY_NAMES += ["aa", "a", "inkscape", "INKSCAPE", "café", "fo", "1.0", "-", "foo(bar)"]


def compiled_per_project(pattern: str, text: str) -> list[str]:
    """find_versions as it was: the whole pattern compiled, finditer over the page."""
    found: dict[str, None] = {}
    for match in regex.compile(pattern, regex.VERSION0).finditer(text):
        groups = match.groups()
        version = match.group(0) if not groups else ".".join(g for g in groups if g)
        if version:
            found.setdefault(version, None)
    return list(found)


@pytest.mark.parametrize("name", TRICKY_NAMES)
@pytest.mark.parametrize("text", [TRICKY_PAGE, TRICKY_PAGE.encode("ascii", "ignore").decode()])
def test_the_default_regex_finds_what_compiling_it_for_the_project_finds(name, text):
    pattern = project_regex(None, name)
    assert find_versions(pattern, text) == compiled_per_project(pattern, text)


@pytest.mark.parametrize(
    "template",
    [
        r"%(name)s-(\d+(?:\.\d+)*)\.tar",  # case-sensitive
        r"(?i)%(name)s(?<=o)-([\d.]+)\.zip",  # a lookbehind into the name
        r"(?i)%(name)s\b(?:-)(\d+)",
        r"(?i)%(name)s-\d+\.\d+",  # no group: the whole match, name included
        r"%(name)s-(?i)(\d+)",  # an inline flag after the name
    ],
)
@pytest.mark.parametrize("name", ["foo", "Foo", "c++", "tool"])
def test_an_operator_default_regex_finds_the_same_too(settings, template, name):
    settings.DEFAULT_REGEX = template
    pattern = project_regex(None, name)
    assert find_versions(pattern, TRICKY_PAGE) == compiled_per_project(pattern, TRICKY_PAGE)


def test_the_default_regex_is_compiled_once_for_all_projects(monkeypatch):
    compiled = []
    real = regex.compile
    monkeypatch.setattr(
        regexes.regex, "compile", lambda p, *a, **k: compiled.append(p) or real(p, *a, **k)
    )
    regexes.CACHE.clear()
    for index in range(300):  # each project has its own pattern
        name = f"project{index}"
        assert find_versions(project_regex(None, name), f"{name}-1.{index}.tar.gz") == [
            f"1.{index}"
        ]
    assert len(compiled) == 1
    assert "project" not in compiled[0]


def test_the_letters_folded_to_ascii_are_those_the_regex_module_folds():
    """Under (?i) an ASCII letter of a name matches these characters and no others."""
    everything = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    for code in range(32, 127):
        char = chr(code)
        matched = set(regex.compile("(?i)" + re.escape(char), regex.VERSION0).findall(everything))
        folded = {c for c in matched if c.translate(regexes._FOLD_TO_ASCII) == char.lower()}
        assert matched - folded <= set(regexes._DOTTED_I), char
        if char.lower() != "i":
            assert not matched & set(regexes._DOTTED_I), char
    for code, ascii_letter in regexes._FOLD_TO_ASCII.items():
        assert regex.fullmatch("(?i)" + ascii_letter, chr(code), regex.VERSION0), chr(code)


def test_the_default_regex_keeps_its_time_limit(settings):
    settings.DEFAULT_REGEX = r"(?i)%(name)s-(\d+)*(\d+)*y"  # catastrophic after the name
    page = "foo-" + "1" * 5_000 + "x"
    started = time.process_time()
    with pytest.raises(BackendError, match="took too long"):
        find_versions(project_regex(None, "foo"), page, timeout=0.2)
    assert time.process_time() - started < 0.2 + 1.5


@pytest.mark.parametrize("pattern", ["()", "^$", r"\b", "(?=foo)", "a{0}"])
def test_a_regex_that_can_only_match_nothing_is_refused(pattern):
    with pytest.raises(InvalidRegex, match="can only match an empty string"):
        validate_user_regex(pattern)


# -- find_versions ------------------------------------------------------------------------------


def test_several_groups_are_joined_with_dots_skipping_empty_ones():
    text = "foo_1_2_3.tar foo_4_5.tar"
    assert find_versions(r"foo_(\d+)_(\d+)(?:_(\d+))?\.tar", text) == ["1.2.3", "4.5"]


def test_versions_are_deduplicated_in_first_seen_order():
    text = "v2.0 v1.0 v2.0 v3.0 v1.0"
    assert find_versions(r"v([\d.]+)", text) == ["2.0", "1.0", "3.0"]


def test_without_groups_the_whole_match_is_the_version():
    assert find_versions(r"\d+\.\d+", "a 1.0 b 2.5") == ["1.0", "2.5"]


def test_empty_matches_are_not_versions():
    assert find_versions(r"v(\d*)", "v v1 v") == ["1"]


def test_an_invalid_pattern_at_check_time_is_a_backend_error():
    with pytest.raises(BackendError, match="Invalid regular expression"):
        find_versions("(", "text")


def test_a_catastrophic_regex_stops_at_the_time_limit():
    # (Half a million characters: over about 550,000 the match-memory budget refuses this
    # pattern before it runs, see test_regex_budget.py.)
    page = "a" * 500_000 + "!"
    # The regex package measures its limit with clock(), the process's CPU time: on a busy
    # machine the wall time can be longer, the CPU spent cannot.
    started = time.process_time()
    with pytest.raises(BackendError) as raised:
        find_versions(r"(a+)+$", page, timeout=1.0)
    assert time.process_time() - started < 1.0 + 1.5
    assert str(raised.value) == (
        "The regular expression took too long on 500001 bytes (limit 1 s); simplify the regex"
    )


def test_the_time_limit_defaults_to_the_setting(settings):
    settings.REGEX_TIMEOUT = 0.3
    started = time.process_time()
    with pytest.raises(BackendError, match=r"limit 0\.3 s"):
        find_versions(r"(a|aa)+b", "a" * 60)
    assert time.process_time() - started < 0.3 + 1.5


# -- versions_by_regex --------------------------------------------------------------------------


def test_versions_by_regex_reads_the_page(mock_http):
    mock_http.get("https://example.org/downloads/", body=LISTING)
    spec = make_spec(name="foo", homepage="https://example.org/", backend="custom")
    releases = versions_by_regex(
        HttpClient(), "https://example.org/downloads/", project_regex(None, "foo"), spec
    )
    assert releases == [Release("1.2.3"), Release("1.3"), Release("2.0-rc1"), Release("3.0")]


def test_versions_by_regex_is_conditional(mock_http):
    mock_http.get("https://example.org/downloads/", status=304)
    spec = make_spec(name="foo", homepage="https://example.org/", backend="custom")
    client = HttpClient(etag='"x"')
    with pytest.raises(NotModified):
        versions_by_regex(client, "https://example.org/downloads/", "(.*)", spec)
    assert mock_http.calls[0].request.headers["If-None-Match"] == '"x"'


def test_no_match_is_anitya_s_error(mock_http):
    """The message starts as Anitya's (``<name>: no upstream version found.``), then says in
    plain words what was read, what found nothing, and what to try."""
    mock_http.get("https://example.org/downloads/", body="nothing here")
    spec = make_spec(name="foo", homepage="https://example.org/", backend="custom")
    with pytest.raises(BackendError) as raised:
        versions_by_regex(HttpClient(), "https://example.org/downloads/", r"foo-(\d+)", spec)
    assert str(raised.value) == (
        "foo: no upstream version found. The page https://example.org/downloads/ was read, but "
        r"the regular expression foo-(\d+) found no version on it. Check the regex against the "
        "page (Test check shows what it finds)."
    )


def test_a_long_regex_is_clipped_in_the_message(mock_http):
    mock_http.get("https://example.org/downloads/", body="nothing here")
    spec = make_spec(name="foo", homepage="https://example.org/", backend="custom")
    pattern = "foo-(" + "x?" * 200 + r"\d+)"
    with pytest.raises(BackendError) as raised:
        versions_by_regex(HttpClient(), "https://example.org/downloads/", pattern, spec)
    message = str(raised.value)
    assert pattern[:99] + "…" in message and pattern not in message
    assert len(message) < 320


def test_a_version_with_a_space_is_refused(mock_http):
    mock_http.get("https://example.org/downloads/", body="Version: 1.0 beta<br>")
    spec = make_spec(name="foo", homepage="https://example.org/", backend="custom")
    with pytest.raises(BackendError, match=r"foo: invalid upstream version:>1\.0 beta<") as raised:
        versions_by_regex(HttpClient(), "https://example.org/downloads/", r"Version: ([^<]+)", spec)
    assert str(raised.value) == (
        "foo: invalid upstream version:>1.0 beta<. The regular expression Version: ([^<]+) "
        'caught "1.0 beta" on https://example.org/downloads/, which has spaces, so it is text '
        "rather than a version. Make the regex catch the version only."
    )


def test_fetch_errors_name_the_url(mock_http):
    mock_http.get("https://example.org/downloads/", status=404)
    spec = make_spec(name="foo", homepage="https://example.org/", backend="custom")
    with pytest.raises(BackendError, match=r"https://example\.org/downloads/.*404"):
        versions_by_regex(HttpClient(), "https://example.org/downloads/", "(.*)", spec)


@pytest.mark.parametrize(
    "case",
    [p for p in recording_cases("custom.json") if p.id == "custom-4"],
)
def test_default_regex_on_a_recorded_page(mock_http, case):
    replay(mock_http, case)
    spec = make_spec(case)
    pattern = project_regex(spec.regex, spec.name)
    releases = versions_by_regex(HttpClient(), spec.version_url, pattern, spec)
    assert sorted(r.version for r in releases) == sorted(case["expected"]["value"])
