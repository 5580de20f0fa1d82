"""What an edit does to the versions a page shows (backends/versions/edit_diff.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from backends.versions.edit_diff import ShownVersion, compare, latest, latest_stable


def shown(*raws: str, prerelease: tuple[str, ...] = (), withdrawn: tuple[str, ...] = ()):
    return [ShownVersion(raw, raw, raw in prerelease, raw in withdrawn) for raw in raws]


def raws(versions) -> list[str]:
    return [version.raw for version in versions]


def test_nothing_changes():
    before = shown("2.0", "1.0")
    diff = compare(before, before)
    assert (diff.hidden, diff.revealed, diff.moved, diff.relabelled) == ((), (), (), ())
    assert not diff.changes_anything
    assert diff.latest_before == diff.latest_after == before[0]


def test_hidden_and_revealed_keep_their_sides_order():
    diff = compare(shown("3.0", "2.0", "1.0"), shown("2.5", "2.0", "1.5"))
    assert raws(diff.hidden) == ["3.0", "1.0"]
    assert raws(diff.revealed) == ["2.5", "1.5"]
    assert diff.moved == ()
    assert (diff.latest_before.raw, diff.latest_after.raw) == ("3.0", "2.5")


def test_one_version_moving_is_the_only_move():
    diff = compare(shown("d", "c", "b", "a"), shown("c", "b", "a", "d"))
    assert [(m.version.raw, m.before, m.after) for m in diff.moved] == [("d", 1, 4)]


def test_a_reversed_order_moves_all_but_one():
    diff = compare(shown("c", "b", "a"), shown("a", "b", "c"))
    assert len(diff.moved) == 2


def test_the_same_string_read_differently_is_relabelled_not_hidden():
    before = [ShownVersion("v1.0", "v1.0", False)]
    after = [ShownVersion("v1.0", "1.0", True)]
    diff = compare(before, after)
    assert diff.hidden == diff.revealed == ()
    assert [(r.before.parsed, r.after.parsed, r.after.prerelease) for r in diff.relabelled] == [
        ("v1.0", "1.0", True)
    ]


def test_the_latest_skips_withdrawn_and_the_latest_stable_pre_releases():
    versions = shown("3.0", "2.1rc1", "2.0", prerelease=("2.1rc1",), withdrawn=("3.0",))
    assert latest(versions).raw == "2.1rc1"
    assert latest_stable(versions).raw == "2.0"
    assert latest([]) is None
    assert latest_stable(shown("1.0rc1", prerelease=("1.0rc1",))) is None


@given(
    st.lists(st.integers(0, 30), unique=True, max_size=15),
    st.lists(st.integers(0, 30), unique=True, max_size=15),
)
def test_the_lists_account_for_every_version(before_ids, after_ids):
    before = shown(*map(str, before_ids))
    after = shown(*map(str, after_ids))
    diff = compare(before, after)
    both = [raw for raw in raws(after) if raw in set(raws(before))]
    assert set(raws(diff.hidden)) == set(raws(before)) - set(raws(after))
    assert set(raws(diff.revealed)) == set(raws(after)) - set(raws(before))
    # Taking the moved versions out leaves the others in the same relative order on both sides.
    moved = {move.version.raw for move in diff.moved}
    staying = [raw for raw in both if raw not in moved]
    assert staying == [raw for raw in raws(before) if raw in set(staying)]
    # There are moves exactly when the versions on both sides changed their relative order.
    assert bool(diff.moved) == (both != [raw for raw in raws(before) if raw in set(both)])
    # And as few as possible: the versions staying are a longest common order of both sides.
    assert len(staying) == _longest_common_order(both, [r for r in raws(before) if r in set(both)])
    for move in diff.moved:
        assert before[move.before - 1].raw == after[move.after - 1].raw == move.version.raw


def _longest_common_order(left: list[str], right: list[str]) -> int:
    """The length of a longest common subsequence (dynamic programming)."""
    table = [[0] * (len(right) + 1) for _ in range(len(left) + 1)]
    for i, a in enumerate(left):
        for j, b in enumerate(right):
            table[i + 1][j + 1] = (
                table[i][j] + 1 if a == b else max(table[i][j + 1], table[i + 1][j])
            )
    return table[-1][-1]
