"""Which stored versions an answer withdraws or brings back (backends/withdrawals.py) and what
the pipeline counts as a complete answer (issue #20)."""

from __future__ import annotations

import pytest

from backends import pipeline, registry
from backends.base import Backend, PartialListing, ProjectSpec, Release
from backends.withdrawals import withdrawal_changes

STORED = {"1.0": "1.0", "1.1": "1.1", "1.2": "1.2", "1.3": "1.3"}


def test_a_complete_list_withdraws_the_missing_and_the_yanked():
    changes = withdrawal_changes(STORED, (), {"1.0", "1.2"}, complete=True, yanked={"1.3"})

    assert changes.withdraw == ("1.1", "1.3")
    assert changes.warning is None


def test_a_partial_answer_withdraws_only_what_the_upstream_says_is_withdrawn():
    changes = withdrawal_changes(STORED, (), {"1.3"}, complete=False, yanked={"1.2"})

    assert changes.withdraw == ("1.2",)  # 1.0 and 1.1 are only missing


def test_a_partial_answer_brings_back_what_it_lists_again():
    changes = withdrawal_changes(STORED, {"1.2"}, {"1.2"}, complete=False)

    assert changes == withdrawal_changes(STORED, {"1.2"}, {"1.2", "1.3"}, complete=False)
    assert changes.restore == ("1.2",)
    assert changes.withdraw == ()


def test_explicit_withdrawals_pass_the_mass_drop_guard_missing_ones_do_not():
    # Four of six vanish without a word: none of those; the yanked one is the upstream's word.
    stored = {f"1.{minor}": f"1.{minor}" for minor in range(6)}
    changes = withdrawal_changes(stored, (), {"1.0"}, complete=True, yanked={"1.5"})

    assert changes.withdraw == ("1.5",)
    assert "none marked withdrawn" in (changes.warning or "")


def test_a_version_listed_both_ways_is_not_withdrawn():
    # Two spellings of one version (v1.3 and 1.3), one of them yanked: it is still offered.
    changes = withdrawal_changes(STORED, (), set(STORED), complete=False, yanked={"1.3"})

    assert changes.withdraw == ()


class ScriptedBackend(Backend):
    name = "custom"
    lists_every_version = True

    def __init__(self, answer):
        self.answer = answer

    def fetch(self, spec, http):
        return self.answer


@pytest.mark.parametrize(
    ("answer", "complete", "withdrawn"),
    [
        ([Release("1.2"), Release("1.3")], True, ("1.0", "1.1")),
        (PartialListing([Release("1.3")]), False, ()),
        (PartialListing([Release("1.3"), Release("1.2", withdrawn=True)]), False, ("1.2",)),
    ],
    ids=["whole-list", "partial", "partial-with-a-yank"],
)
def test_a_partial_listing_is_not_complete(monkeypatch, answer, complete, withdrawn):
    monkeypatch.setattr(registry, "get_backend", lambda name: ScriptedBackend(answer))
    spec = ProjectSpec(
        name="foo",
        homepage="https://example.org",
        backend="custom",
        stored_versions=("1.0", "1.1", "1.2", "1.3"),
    )

    result = pipeline.preview(spec)

    assert result.complete is complete
    assert result.withdrawals.withdraw == withdrawn
    assert result.latest_version == "1.3"
