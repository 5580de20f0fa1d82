"""The status page's charts: axes on round ticks in the unit an operator reads, names that do
not fit cut with an ellipsis and kept whole in a tooltip, and small values still seen."""

from __future__ import annotations

import re

import pytest

from releasemon.operations.bars import MIN_BAR, WIDTH, Bar, Part, bars, ellipsised, text_width
from releasemon.operations.charts import ticks


@pytest.mark.parametrize(
    ("largest", "unit", "labels"),
    [
        (9_700, "", ["0", "2k", "4k", "6k", "8k", "10k"]),
        (17_259, "", ["0", "5k", "10k", "15k", "20k"]),
        (3, "", ["0", "1", "2", "3"]),
        (0, "", ["0", "1"]),
        (0.107, "%", ["0%", "5%", "10%", "15%"]),
        (0.004, "%", ["0%", "0.1%", "0.2%", "0.3%", "0.4%"]),
        (240.0, "s", ["0 min", "1 min", "2 min", "3 min", "4 min"]),
        (500.0, "s", ["0 min", "2 min", "4 min", "6 min", "8 min", "10 min"]),
        (2.9, "s", ["0 s", "1 s", "2 s", "3 s"]),
        (9 * 3600.0, "s", ["0 h", "2 h", "4 h", "6 h", "8 h", "10 h"]),
    ],
)
def test_ticks_are_round_in_the_unit_shown(largest, unit, labels):
    axis = ticks(largest, unit)
    assert [label for _, label in axis.ticks] == labels
    assert axis.top >= largest and axis.ticks[-1][0] == axis.top


def test_a_name_too_long_for_its_line_is_cut_and_kept_in_a_title():
    long = "mirror." * 20 + "example.edu"
    cut = ellipsised(long, 200)
    assert cut.endswith("…") and long.startswith(cut[:-1]) and text_width(cut) <= 200
    assert ellipsised("pypi.org", 200) == "pypi.org"

    html = str(bars("Hosts", [Part("Failed", "fail")], [Bar(long, [5], "5 failed")]))
    (shown,) = re.findall(r'<text class="name"[^>]*><title>([^<]*)</title>([^<]*)</text>', html)
    assert shown[0] == long and shown[1].endswith("…") and long.startswith(shown[1][:-1])


def test_a_small_value_is_drawn_wide_enough_to_see_and_zero_not_at_all():
    html = str(
        bars(
            "Hosts",
            [Part("Failed", "fail"), Part("Rate-limited", "limited")],
            [Bar("big", [100_000, 0], "a lot"), Bar("small", [1, 0], "one")],
        )
    )
    widths = [float(w) for w in re.findall(r'<rect class="fail"[^>]* width="([\d.]+)"', html)]
    assert widths[0] == pytest.approx(WIDTH) and widths[1] == MIN_BAR
    assert 'class="limited"' not in html


def test_names_and_figures_are_escaped():
    html = str(bars("<b>", [Part("<i>", "fail")], [Bar("<script>x</script>", [1], "<u>")]))
    assert "<script>" not in html and "<b>" not in html and "<u>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
