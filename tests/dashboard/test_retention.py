"""Audience retention and average view duration on hand-built data, answers worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from analytics.api import Result
from analytics.dashboard.panels.common import average_view
from analytics.dashboard.retention import (
    biggest_drop,
    furthest_position,
    position_label,
    retention,
)
from analytics.dashboard.service import Outcome


def segments(rows: list[tuple[str | None, int | None, int | None]]) -> pd.DataFrame:
    """(view_session_id, from, to) rows as the API's segment frame has them."""
    frame = pd.DataFrame(rows, columns=["view_session_id", "from", "to"])
    return frame.astype({"view_session_id": "string", "from": "Int64", "to": "Int64"})


# A 100-second video, so point p (p %) is second p.
HAND_BUILT = segments(
    [
        ("A", 0, 100),  # watched it all: 0..99 and the end (100)
        ("B", 0, 50),  # left at 50 s: 0..49 (50 itself is not covered, to is exclusive)
        ("C", 0, 20),  # 0..19, then a seek forward to 60 ...
        ("C", 60, 80),  # ... 60..79, then back to 10 ...
        ("C", 10, 30),  # ... 10..29 once more: C counts once at 10..19, so 0..29 and 60..79
        ("D", None, 40),  # no start: left out (never read as 0) ...
        ("D", 0, 10),  # ... D still counts through its other segment: 0..9
        ("E", 5, None),  # unfinished, no end: E's only segment, so E is left out
        ("F", 50, 40),  # ends before it starts: F's only segment, left out
        ("G", 30, 120),  # started at 30 s, past the end (clipped to 100): 30..99 and the end
        (None, 0, 100),  # no session: left out
    ]
)
# Views at each point, by hand (base: A, B, C, D, G = 5 views):
#   0..9: A B C D = 4     10..29: A B C = 3     30..49: A B G = 3     50..59: A G = 2
#   60..79: A C G = 3     80..99: A G = 2       100 (the end): A G = 2
EXPECTED_VIEWS = [4] * 10 + [3] * 20 + [3] * 20 + [2] * 10 + [3] * 20 + [2] * 20 + [2]


def test_retention_counts_each_view_once_per_position():
    curve = retention(HAND_BUILT, 100)
    assert curve.views == 5
    assert list(curve.curve["percent"]) == list(range(101))
    assert list(curve.curve["views"]) == EXPECTED_VIEWS
    assert curve.curve["share"][0] == pytest.approx(4 / 5)  # G started at 30 s
    assert curve.curve["share"][100] == pytest.approx(2 / 5)
    assert curve.left_out_segments == 4  # D's without a start, E's, F's, the one without session
    assert curve.left_out_views == 2  # E and F had no usable segment


def test_points_are_percent_of_the_length_and_segments_half_open():
    # A 200-second video: point p is second 2p. [0, 101) covers p while 2p < 101: 0..50;
    # [0, 100) stops before second 100, so before point 50: 0..49.
    curve = retention(segments([("a", 0, 101), ("b", 0, 100)]), 200).curve
    assert list(curve["position"][[0, 50, 100]]) == [0, 100, 200]
    assert list(curve["views"][[0, 49, 50, 51, 100]]) == [2, 2, 1, 0, 0]


def test_the_end_counts_views_that_reached_it():
    # 1,000 s long: "b" stops 1 s short, so it is at 99 % (990 s) but not at the end.
    curve = retention(segments([("a", 0, 1_000), ("b", 0, 999)]), 1_000).curve
    assert list(curve["views"][[99, 100]]) == [2, 1]


def test_no_usable_segment_gives_an_empty_curve_not_zeros_counted_as_views():
    curve = retention(segments([("a", None, None), ("b", 10, None)]), 60)
    assert curve.views == 0
    assert curve.left_out_views == 2
    assert curve.curve["share"].eq(0).all()
    assert biggest_drop(curve.curve) is None


def test_a_length_is_required():
    with pytest.raises(ValueError, match="length_seconds"):
        retention(HAND_BUILT, 0)
    assert furthest_position(HAND_BUILT) == 120  # G's end, unclipped
    assert furthest_position(segments([("a", 0, None)])) is None


def test_biggest_drop_is_the_largest_fall_over_five_points():
    # Shares by hand (of 5): 0..9 0.8, 10..29 0.6, 30..49 0.6, 50..59 0.4, 60..79 0.6,
    # 80..100 0.4. Falls over 5 points of 0.2 start at 5..9, 45..49 and 75..79: the first wins.
    drop = biggest_drop(retention(HAND_BUILT, 100).curve)
    assert drop is not None
    assert (drop.start, drop.end) == (5, 10)
    assert (drop.share_before, drop.share_after) == (pytest.approx(0.8), pytest.approx(0.6))
    assert drop.fall == pytest.approx(0.2)


def test_biggest_drop_finds_a_steep_fall_later_in_the_video():
    # 10 views; 1 leaves at 10 s, 6 leave at 70 s, 3 watch to the end (100 s long).
    rows = [(f"v{n}", 0, 10) for n in range(1)]
    rows += [(f"w{n}", 0, 70) for n in range(6)]
    rows += [(f"x{n}", 0, 100) for n in range(3)]
    drop = biggest_drop(retention(segments(rows), 100).curve)
    # 0.9 until 69 %, 0.3 from 70 %: the first 5-point window across it is 65 -> 70.
    assert drop is not None
    assert (drop.start, drop.end) == (65, 70)
    assert drop.fall == pytest.approx(0.6)


def test_a_curve_that_never_falls_has_no_drop():
    flat = retention(segments([("a", 0, 100)]), 100).curve
    assert biggest_drop(flat) is None


def test_position_labels():
    assert [position_label(s) for s in (0, 59.6, 61, 3599, 3600, 3725)] == [
        "0:00",
        "1:00",
        "1:01",
        "59:59",
        "1:00:00",
        "1:02:05",
    ]


# --- average view duration -------------------------------------------------------------------


def answer(*values: int) -> Outcome:
    frame = pd.DataFrame({"value": pd.array(values, dtype="Int64")})
    return Outcome(Result(frame, datetime(2026, 11, 1, tzinfo=UTC), False, False, len(values)))


def test_average_view_duration_is_watch_time_over_views():
    # 1,000 s + 500 s watched (two month buckets) over 4 + 2 views = 1,500 / 6 = 250 s.
    average = average_view(answer(1_000, 500), answer(4, 2))
    assert list(average.result.frame["value"]) == [250]
    # 100 s over 3 views = 33.3 s, rounded to 33; no views: 0, not a division by zero.
    assert list(average_view(answer(100), answer(3)).result.frame["value"]) == [33]
    assert list(average_view(answer(100), answer(0)).result.frame["value"]) == [0]
    failed = Outcome(error="The API said no", status=503)
    assert average_view(answer(100), failed) is failed
