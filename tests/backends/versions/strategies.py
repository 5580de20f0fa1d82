"""Hypothesis strategies producing version-like strings (and plain junk)."""

from hypothesis import strategies as st

# Pieces that exercise every branch of the schemes: numbers with leading zeros, letters of both
# cases, the RPM markers, `~`/`^`, separators, a `v` prefix, whitespace and non-ASCII.
_PIECES = st.sampled_from(
    [
        "0", "1", "2", "9", "01", "007", "10", "2024", "99999999999999999999",
        "rc", "RC", "alpha", "beta", "dev", "pre", "post", "a", "b", "z", "Z", "git",
        ".", ".", "-", "_", "+", "~", "^", "v", " ", "é", "٣",
    ]
)  # fmt: skip

version_like = st.lists(_PIECES, max_size=8).map("".join)
any_version = st.one_of(version_like, st.text(max_size=12))
