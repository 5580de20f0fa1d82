"""Regex memory bombs (issue #13): the size estimate, the match-memory bound, the cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import regex

from backends import regexes
from backends.base import BackendError
from backends.regexes import (
    CACHE,
    CACHE_BUDGET,
    MAX_MATCH_MEMORY,
    MAX_STEPS,
    InvalidRegex,
    PatternCache,
    estimate,
    find_versions,
    project_regex,
    validate_user_regex,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
TOO_LARGE = "would make the regular expression too large to run"

# 24 characters each: every one of these used to take from 260 MB to several GB to compile.
BOMBS = [
    r"((a{1000}){1000}){1000}",
    r"(?:a{65535}){65535}",
    r"(a{1000}){1000}",
    r"(((a{65535}){65535}){65535}){65535}",
    r"(a{1000}?){1000}?",  # lazy
    r"(?:a{1000}+){1000}+",  # possessive
    r"(a{1000,}){1000,}",
    r"(?:a{1000,}){1000}",
    r"(?:a{,1000}){,1000}",
    r"(?:a{0,1000}){1000}",
    r"(?P<v>(?P<w>a{1000}){1000})",
    r"(?<v>a{1000}){1000}",
    r"([a-z]{1000}){1000}",
    r"([]a]{1000}){1000}",
    r"([^]a\]]{1000}){1000}",
    r"[[:alpha:]]{1000}(?:[[:digit:]]{1000}){1000}",
    r"(a{1000}|b{1000}){1000}",
    r"(?:x|(?:y|a{1000})){1000}",
    r"(a)(?:\1{1000}){1000}",
    r"(?P<x>a)(?:(?P=x){1000}){1000}",
    r"(?:(?=a{1000})a){1000}",
    r"(?:(?<=a)b{1000}){1000}",
    r"(?>(?:a{1000}){1000})",
    r"(?i)(?:A{1000}){1000}",
    r"(?i:(?:a{1000}){1000})",
    r"(?x)(a{1000}) {1000}",  # verbose: the space does not separate the repeat
    r"(?x)(a{1 0 0 0}){1000}",
    "(?x)(a{1000}) # a comment (\n{1000}",
    r"a(?x)(a{1000}) {1000}",  # a global flag anywhere applies to the whole pattern
    r"(?#{1})(?:a{1000}){1000}",
    r"\p{L}{1000}(?:\p{L}{1000}){1000}",
    r"(?:\d{1,1000}){1,1000}",
    r"a{65535}",
    r"\d{1,65535}",
    r"a{9000}b{9000}c{9000}",
    r"%(name)s-(?:\d{1000}){1000}",
    r"(a{4294967294})",
]

# The messages of the bombs, word for word.
MESSAGES = {
    r"((a{1000}){1000}){1000}": (
        "The repeat {1000} inside {1000} would make the regular expression too large to run "
        "(about 1,000,000,000 steps; at most 10,000 are allowed)."
    ),
    r"(a{1000}){1000}": (
        "The repeat {1000} inside {1000} would make the regular expression too large to run "
        "(about 1,000,000 steps; at most 10,000 are allowed)."
    ),
    r"(?:a{65535}){65535}": (
        "The repeat {65535} would make the regular expression too large to run "
        "(about 4,300,000,000 steps; at most 10,000 are allowed)."
    ),
    r"\d{1,65535}": (
        "The repeat {1,65535} would make the regular expression too large to run "
        "(about 66,000 steps; at most 10,000 are allowed)."
    ),
}

# Regexes people use (and Anitya's default): (regex, page, versions it finds).
REALISTIC = [
    (None, "foo-1.2.3.tar.gz foo-src-1.3.tgz foo_2.0-rc1.zip", ["1.2.3", "1.3", "2.0-rc1"]),
    (r"(?i)foo-(\d+(?:\.\d+)+)\.tar\.gz", "FOO-1.2.3.tar.gz foo-2.0.tar.gz", ["1.2.3", "2.0"]),
    (r"v(\d+\.\d+\.\d+)", "tags: v1.2.3 v1.10.0 v2", ["1.2.3", "1.10.0"]),
    (r"release-(\d{4}-\d{2}-\d{2})", "release-2024-05-01.zip", ["2024-05-01"]),
    (r"[0-9]+(?:\.[0-9]+){0,5}", "version 1.2.3.4 and 7", ["1.2.3.4", "7"]),
    (r"v?(\d+(?:\.\d+){1,3})", "v10.2 and 3.4.5.6.7", ["10.2", "3.4.5.6"]),
    (r"\d{1,4}", "x 2024 y", ["2024"]),
    (r"%(name)s-(\d+(?:\.\d+)*)\.tar", "foo-1.0.tar foo-2.1.3.tar", ["1.0", "2.1.3"]),
    (r'href="[^"]*?/v?([0-9][0-9.]*)/"', '<a href="/pub/v1.4/">', ["1.4"]),
    (r'<a href="[^"]+/releases/tag/v?([^"]+)"', '<a href="/o/r/releases/tag/v0.9">', ["0.9"]),
    (r"Version:\s*([\d.]+)", "Version: 3.2.1\n", ["3.2.1"]),
    (
        r"(?P<version>\d+\.\d+(?:\.\d+)?(?:-?(?:rc|beta|alpha)\d*)?)",
        "1.0-rc2 and 2.3.4beta1",
        ["1.0-rc2", "2.3.4beta1"],
    ),
    (r"%(name)s_(\d+)_(\d+)_(\d+)\.zip", "foo_1_2_3.zip", ["1.2.3"]),
    (r"(?i)<title>[^<]*?(\d+(?:\.\d+)+)[^<]*</title>", "<TITLE>Foo 4.5.6 out</TITLE>", ["4.5.6"]),
    (r"/download/(\d+\.\d+(?:\.\d+)?)/", "/download/8.1/ /download/8.2.1/", ["8.1", "8.2.1"]),
    (r"[Rr]elease\s+(\d+(?:\.\d+){2})", "Release 1.2.3, release  4.5.6", ["1.2.3", "4.5.6"]),
    (r"(\d{1,3}(?:\.\d{1,3}){2,3})", "at 10.20.30 and 1.2.3.4", ["10.20.30", "1.2.3.4"]),
    (r"(?m)^(\d+\.\d+\.\d+)$", "1.2.3\nnot 4.5.6\n7.8.9", ["1.2.3", "7.8.9"]),
    (r'tag/([^"/]+)"', '<a href="/tag/2.0.1">', ["2.0.1"]),
    (r"\p{L}+-(\d+)", "foo-12 bär-13", ["12", "13"]),
    (r"(?x) v (\d+) \. (\d+)  # major, minor", "v1.2 v3.4", ["1.2", "3.4"]),
    (r"([0-9a-f]{40})", "commit " + "ab12" * 10, ["ab12" * 10]),
    (r"(\d+(?:[._]\d+)*)", "foo 1_2_3 and 4.5", ["1_2_3", "4.5"]),
]


@pytest.fixture(autouse=True)
def fresh_cache():
    CACHE.clear()
    yield
    CACHE.clear()


def run_limited(script: str, *args: str) -> dict:
    """Run ``script`` in a child limited to 512 MB of address space: a bomb that slipped
    through would fail there (MemoryError, or the child killed) instead of taking the machine.

    ``peak()`` is the child's peak resident memory in bytes (VmHWM: ru_maxrss would include
    the memory of this process, which the child starts as a copy of).
    """
    prelude = textwrap.dedent(
        """
        import json, resource, sys, time
        resource.setrlimit(resource.RLIMIT_AS, (512 << 20, 512 << 20))

        def peak():
            with open("/proc/self/status") as status:
                line = next(line for line in status if line.startswith("VmHWM:"))
            return int(line.split()[1]) * 1024
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(script), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


BOMB_SCRIPT = """
from backends.base import BackendError
from backends.regexes import InvalidRegex, find_versions, project_regex, validate_user_regex

results = {}
for pattern in json.loads(sys.argv[1]):
    started = time.process_time()
    try:
        validate_user_regex(pattern)
        refused = None
    except InvalidRegex as error:
        refused = str(error)
    validated = time.process_time() - started
    started = time.process_time()
    try:
        find_versions(project_regex(pattern, "foo"), "foo-" + "a" * 1000, timeout=1.0)
        failed = None
    except BackendError as error:
        failed = str(error)
    matched = time.process_time() - started
    results[pattern] = [refused, validated, failed, matched]
print(json.dumps({"results": results, "peak_mb": peak() >> 20}))
"""


def test_every_bomb_is_refused_quickly_at_validation_and_at_check_time():
    answer = run_limited(BOMB_SCRIPT, json.dumps(BOMBS))
    for pattern in BOMBS:
        refused, validated, failed, matched = answer["results"][pattern]
        assert refused is not None and TOO_LARGE in refused, pattern
        assert failed is not None and TOO_LARGE in failed, pattern
        if pattern in MESSAGES:
            assert refused == MESSAGES[pattern]
            assert failed == MESSAGES[pattern]
        assert validated < 0.5 and matched < 0.5, pattern
    assert answer["peak_mb"] < 100  # the interpreter and its imports; nothing compiled


@pytest.mark.parametrize("pattern", BOMBS)
def test_a_bomb_is_never_handed_to_the_regex_module(monkeypatch, pattern):
    def refuse(*args, **kwargs):
        raise AssertionError("compiled a bomb")

    monkeypatch.setattr(regexes.regex, "compile", refuse)
    with pytest.raises(InvalidRegex, match=TOO_LARGE):
        validate_user_regex(pattern)
    with pytest.raises(BackendError, match=TOO_LARGE):
        find_versions(project_regex(pattern, "foo"), "foo-aaa", timeout=1.0)


def test_the_refusal_is_the_same_for_an_old_row_and_a_backend_pattern():
    # A row stored before the rule reaches find_versions without validation.
    with pytest.raises(BackendError) as raised:
        find_versions(r"(a{1000}){1000}", "aaa", timeout=1.0)
    assert str(raised.value) == MESSAGES[r"(a{1000}){1000}"]


def test_the_operator_default_regex_is_held_to_the_budget_too(settings):
    settings.DEFAULT_REGEX = r"(?i)%(name)s-(?:\d{1000}){1000}"
    with pytest.raises(BackendError, match=TOO_LARGE):
        find_versions(project_regex(None, "foo"), "foo-1.tar.gz", timeout=1.0)


@pytest.mark.parametrize(("pattern", "page", "expected"), REALISTIC)
def test_realistic_regexes_validate_and_find_versions(pattern, page, expected):
    validate_user_regex(pattern or "")
    concrete = project_regex(pattern, "foo")
    assert estimate(concrete).steps < MAX_STEPS // 20  # far below the budget
    assert find_versions(concrete, page, timeout=2.0) == expected


def test_a_pattern_just_under_the_budget_compiles_small_and_fast():
    pattern = r"(?:(a)){3333}"
    assert estimate(pattern).steps <= MAX_STEPS
    script = """
    import regex
    before = peak()
    started = time.perf_counter()
    regex.compile(sys.argv[1], regex.VERSION0)
    elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "grown": peak() - before}))
    """
    answer = run_limited(script, pattern)
    assert answer["seconds"] < 0.5
    assert answer["grown"] < 20 << 20


# -- the estimate ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "steps"),
    [
        ("a", 1),
        ("abc", 3),
        ("a{1000}", 1001),
        ("a{1000}?", 1001),
        ("a{1000}+", 1001),
        ("a{2,1000}", 1001),
        ("a{1000,}", 1001),
        ("a{,1000}", 1001),
        ("a{,}", 2),  # {0,} is *
        ("a*", 2),
        ("(a{10}){10}", 121),
        ("(?:a{10}){10}", 121),
        ("[abc]{10}", 31),  # a class costs its length
        ("[]a]{10}", 21),
        ("[^]a]{10}", 31),
        ("[[:alpha:]]{2}", 19),
        (r"[\]]{10}", 21),
        ("a{1 0}", 6),  # not a quantifier without (?x): literal text
        ("a{x}", 4),
        ("a{}", 3),
        ("a{1,2,3}", 8),
        ("a{e<=1}", 7),  # a fuzzy constraint: not a repeat
        ("x{", 2),
        ("(?#{1000})a{3}", 4),
        ("a(?#c){3}", 4),  # a comment is transparent
        (r"\{1000}", 6),
        (r"\p{L}{10}", 11),
        (r"\N{LATIN SMALL LETTER A}{10}", 11),
        (r"\x61{10}", 11),
        (r"\u0061{10}", 11),
        (r"\141{10}", 11),
    ],
)
def test_the_estimate_reads_the_syntax(pattern, steps):
    assert estimate(pattern).steps == steps


@pytest.mark.parametrize(
    ("pattern", "steps"),
    [
        ("(?x)a{1 0}", 11),  # verbose: whitespace inside the braces is skipped
        ("(?x)a{1#c\n0}", 11),
        ("(?x)(a {10}) {10}", 121),
        ("(?x:a {10})", 12),
        ("(?x)(?-x:a {10})", 13),  # scoped off: the space is the repeated item
    ],
)
def test_the_estimate_reads_verbose_mode(pattern, steps):
    assert estimate(pattern).steps == steps


def test_the_estimate_bounds_what_the_regex_module_writes_out():
    """Whatever the tokenizer makes of a pattern, every exact repeat the module expands is
    counted: compiled memory per estimated step stays small (measured ~140-200 bytes)."""
    import tracemalloc

    for pattern in [
        r"a{5000}",
        r"(a){3000}",
        r"(?:\w+\.){2000}",
        r"(?x)(a {10}) {500}",
        r"(?:[abc]{10}){200}",
        r"(?:(?=a)b){3000}",
        r"(?P<n>a)(?:(?P=n)){3000}",
    ]:
        tracemalloc.start()
        regex.compile(pattern, regex.VERSION0)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak / estimate(pattern).steps < 1024, pattern


def test_the_estimate_never_fails_on_any_text():
    import random

    alphabet = "a()[]{}|?*+.^$\\-:=!<>#,0123456789xPpNgR&' \n"
    rng = random.Random(13)
    for _ in range(3000):
        pattern = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        result = estimate(pattern)
        assert result.steps >= 0
        assert result.match_memory(10_000) >= 0


def test_deep_nesting_is_estimated_without_recursion():
    assert estimate("(" * 50_000 + "a" + ")" * 50_000).steps > 50_000


# -- match memory ---------------------------------------------------------------------------


def test_a_repeated_group_over_a_long_page_is_refused_before_it_runs():
    page = "a" * 2_000_000
    started = time.process_time()
    with pytest.raises(BackendError, match=r"could need about \d[\d,]* MB of memory"):
        find_versions(r"(a)*", page, timeout=5.0)
    assert time.process_time() - started < 0.5


def test_repeats_of_single_characters_run_over_any_page():
    page = "x" * 8_000_000 + " 1.2.3.tar.gz"
    assert estimate(r"([\d.]+)\.tar\.gz").match_memory(len(page)) == 0
    assert find_versions(r"([\d.]+)\.tar\.gz", page, timeout=5.0) == ["1.2.3"]
    default = project_regex(None, "foo")
    assert estimate(default).match_memory(32 * 1024 * 1024) == 0


def test_a_common_repeated_group_runs_over_a_page_of_one_and_a_half_million_characters():
    pattern = r"(\d+(?:\.\d+)*)"
    assert estimate(pattern).match_memory(1_500_000) <= MAX_MATCH_MEMORY
    page = "release 1.2.3 " * 100_000
    assert len(page) < 1_500_000
    assert find_versions(pattern, page, timeout=5.0) == ["1.2.3"]


def test_the_match_memory_bound_holds_in_a_limited_process():
    """``(a)*`` over 8 million "a" took ~600 MB and raised MemoryError in the regex module."""
    script = """
    from backends.base import BackendError
    from backends.regexes import find_versions
    try:
        find_versions(r"(a)*", "a" * 8_000_000, timeout=5.0)
        message = None
    except BackendError as error:
        message = str(error)
    print(json.dumps({"message": message}))
    """
    assert "could need about" in run_limited(script)["message"]


def test_the_match_memory_estimate_bounds_what_matching_takes():
    """Measured in a child (one per pattern): the peak memory of a search stays under the
    estimate, and does grow (so the measure works)."""
    script = """
    import regex
    from backends.regexes import estimate
    pattern, unit = sys.argv[1], sys.argv[2]
    text = unit * (300_000 // len(unit))
    compiled = regex.compile(pattern, regex.VERSION0)
    before = peak()
    compiled.search(text, timeout=5)
    print(json.dumps([peak() - before, estimate(pattern).match_memory(len(text))]))
    """
    for pattern, unit in [("((((((((a))))))))*", "a"), ("(?:(a)(b))*", "ab"), ("(a)*", "a")]:
        grown, bound = run_limited(script, pattern, unit)
        assert bound / 4 < grown <= bound, pattern


# -- errors inside the regex module ---------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (MemoryError, "needs too much memory to compile"),
        (RecursionError, "nested too deeply"),
        (OverflowError, "Invalid regular expression"),
    ],
)
def test_errors_inside_compile_are_invalid_regexes(monkeypatch, error, message):
    def fail(*args, **kwargs):
        raise error("boom")

    monkeypatch.setattr(regexes.regex, "compile", fail)
    with pytest.raises(InvalidRegex, match=message):
        validate_user_regex(r"v(\d+)")


@pytest.mark.parametrize("error", [MemoryError, RecursionError, OverflowError, regex.error])
def test_errors_inside_compile_are_backend_errors_at_check_time(monkeypatch, error):
    def fail(*args, **kwargs):
        raise error("boom")

    monkeypatch.setattr(regexes.regex, "compile", fail)
    with pytest.raises(BackendError):
        find_versions(r"v(\d+)", "v1", timeout=1.0)


def test_memory_running_out_while_matching_is_a_backend_error(monkeypatch):
    class Exhausted:
        def finditer(self, *args, **kwargs):
            raise MemoryError

    monkeypatch.setattr(regexes.regex, "compile", lambda *args, **kwargs: Exhausted())
    with pytest.raises(BackendError, match="needed too much memory on 2 bytes"):
        find_versions(r"v(\d+)", "v1", timeout=1.0)


# -- the compiled-pattern cache -------------------------------------------------------------


def test_the_cache_stays_within_its_weight_budget():
    for index in range(3000):
        find_versions(rf"v{index}-(\d+)", f"v{index}-1", timeout=1.0)
    for index in range(40):  # heavy ones, each a tenth of the compile budget or more
        find_versions(rf"(?:{index}\d{{1,2000}}){{1}}", str(index) + "1", timeout=1.0)
    assert 0 < CACHE.weight <= CACHE_BUDGET
    assert sum(estimate(p).steps + len(p) for p in list(CACHE._entries)) == CACHE.weight
    assert r"(?:39\d{1,2000}){1}" in CACHE  # the most recent are kept
    assert r"v0-(\d+)" not in CACHE  # the least recently used went first


def test_the_cache_evicts_the_least_recently_used():
    cache = PatternCache(budget=30)
    compiled = regex.compile("a")
    for name in ("aaaaaaaa", "bbbbbbbb", "cccccccc"):  # 16 each: 8 steps + 8 characters
        cache.put(name, compiled, estimate(name))
    assert cache.weight <= 30
    assert "cccccccc" in cache and "aaaaaaaa" not in cache
    cache.get("cccccccc")
    cache.put("dd", compiled, estimate("dd"))
    assert "cccccccc" in cache and "dd" in cache


def test_a_pattern_heavier_than_the_whole_cache_is_compiled_but_not_kept():
    cache = PatternCache(budget=10)
    cache.put("a" * 20, regex.compile("a"), estimate("a" * 20))
    assert len(cache) == 0 and cache.weight == 0
    assert find_versions("a" * 20, "a" * 20, timeout=1.0) == ["a" * 20]


def test_the_cache_is_safe_across_threads():
    errors = []

    def work(offset):
        try:
            for index in range(300):
                pattern = rf"t{(index * 7 + offset) % 500}-(\d+)"
                assert find_versions(pattern, pattern[:-6] + "-5", timeout=1.0) == ["5"]
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert CACHE.weight == sum(entry[2] for entry in CACHE._entries.values())
    assert CACHE.weight <= CACHE_BUDGET


def test_the_default_regex_tail_is_compiled_once_and_cached(monkeypatch):
    compiled = []
    real = regex.compile
    monkeypatch.setattr(
        regexes.regex, "compile", lambda p, *a, **k: compiled.append(p) or real(p, *a, **k)
    )
    for index in range(1000):
        name = f"project{index}"
        found = find_versions(project_regex(None, name), f"{name}-1.{index}.tar.gz", timeout=1)
        assert found == [f"1.{index}"]
    assert len(compiled) == 1
