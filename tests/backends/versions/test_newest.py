"""Newest versus highest: the rule both the project page and API v2 apply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from backends.versions.newest import most_recently_published, newest_when_not_highest

DAY = datetime(2024, 1, 1, tzinfo=UTC)

#: (name, published on day or None, retrieved on day), highest first.
Item = tuple[str, int | None, int]


def _published(item: Item) -> datetime | None:
    return None if item[1] is None else DAY + timedelta(days=item[1])


def _retrieved(item: Item) -> datetime | None:
    return DAY + timedelta(days=item[2])


def _newest(*items: Item) -> str | None:
    found = newest_when_not_highest(list(items), _published, _retrieved)
    return None if found is None else found[0]


def test_a_backport_published_after_the_highest_is_the_newest():
    assert _newest(("3.12.2", 60, 60), ("3.11.9", 90, 90), ("3.11.8", 30, 30)) == "3.11.9"


def test_the_highest_published_last_is_no_news():
    assert _newest(("3.12.2", 90, 90), ("3.11.9", 60, 60)) is None


def test_of_versions_published_together_the_highest_wins():
    items = [("2.0", 10, 10), ("1.9", 10, 10)]
    assert most_recently_published(items, _published) == ("2.0", 10, 10)
    assert _newest(*items) is None


def test_only_published_versions_count():
    assert most_recently_published([("2.0", None, 99), ("1.0", None, 5)], _published) is None
    assert _newest(("2.0", None, 99), ("1.0", None, 5)) is None
    assert most_recently_published([("2.0", None, 99), ("1.0", 3, 5)], _published)[0] == "1.0"


def test_an_undated_highest_is_compared_by_when_it_was_retrieved():
    # 2.0 was retrieved on day 50: it existed then. 1.9.1 published on day 70 came after it.
    assert _newest(("2.0", None, 50), ("1.9.1", 70, 70)) == "1.9.1"
    # 1.9 published on day 40 may well be older than 2.0: the dates cannot tell.
    assert _newest(("2.0", None, 50), ("1.9", 40, 80)) is None


def test_no_versions_no_newest():
    assert _newest() is None
    assert most_recently_published([], _published) is None


@given(
    st.lists(
        st.tuples(
            st.integers(0, 5).map(str),
            st.one_of(st.none(), st.integers(0, 20)),
            st.integers(0, 20),
        ),
        max_size=12,
    )
)
def test_the_newest_is_never_the_highest_and_came_out_after_it(items):
    found = newest_when_not_highest(items, _published, _retrieved)
    if found is None:
        return
    assert found is not items[0]
    highest = items[0]
    assert _published(found) > (_published(highest) or _retrieved(highest))
    dated = [_published(item) for item in items if item[1] is not None]
    assert _published(found) == max(dated)
