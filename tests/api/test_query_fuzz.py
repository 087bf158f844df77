"""Hypothesis over the query objects: any input either builds a query the API accepts or raises
ValueError with a message naming the parameter; no other exception escapes validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.api import (
    ContentType,
    Dimension,
    Metric,
    MetricQuery,
    PeakGranularity,
    PeakQuery,
    TimeRange,
    ViewersQuery,
    ViewsQuery,
)

PARAMETER_NAMES = (
    "metric",
    "dimension",
    "granularity",
    "content_type",
    "content_ids",
    "time_range",
    "viewer_identifier",
    "list_unfinished_segments",
    "inclusive_range",
    "tz",
)

# Anything a caller (a page, the CLI, a notebook) might hand over, valid or not.
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.binary(max_size=4),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.none()
).flatmap(
    lambda naive: st.sampled_from(
        [naive, naive.replace(tzinfo=UTC), naive.replace(tzinfo=timezone(timedelta(hours=-7)))]
    )
)
time_ranges = st.one_of(
    junk,
    st.builds(lambda a, b: (a, b), instants, instants),  # a tuple is not a TimeRange
    st.builds(lambda a, b: _time_range_or_error(a, b), instants, instants),
)
content_types = st.one_of(junk, st.sampled_from([*ContentType, "LIVE", " recorded ", "vod"]))
content_ids = st.one_of(
    junk,
    st.lists(st.one_of(st.integers(), st.text(max_size=6), st.booleans(), st.none()), max_size=4),
    st.tuples(st.integers(min_value=1, max_value=10**9)),
)
zones = st.one_of(junk, st.sampled_from(["UTC", "Europe/Budapest", "Mars/Base", "", "../etc"]))
flags = st.one_of(junk, st.booleans())


def _time_range_or_error(start: datetime, end: datetime) -> TimeRange | str:
    try:
        return TimeRange(start, end)
    except ValueError as error:
        _assert_names_a_parameter(error)
        return "not a range"


def _assert_names_a_parameter(error: ValueError) -> None:
    message = str(error)
    assert message.strip(), "a ValueError without a message"
    assert any(name in message for name in PARAMETER_NAMES), message


def _check(build) -> None:
    """Build the query; a success must yield a path and string parameters."""
    try:
        query = build()
    except ValueError as error:
        _assert_names_a_parameter(error)
        return
    assert query.path
    assert not query.path.startswith("/")
    params = query.params()
    assert all(isinstance(value, str) for value in params.values())
    assert params["date_time_from"][-6] in "+-"  # always an explicit offset
    assert hash(query) == hash(query)  # hashable: dashboard caches key on it


fuzz = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fuzz
@given(
    metric=st.one_of(junk, st.sampled_from(Metric)),
    time_range=time_ranges,
    dimension=st.one_of(junk, st.sampled_from([*Dimension, "week"])),
    content_type=content_types,
    content_ids=content_ids,
    tz=zones,
)
def test_metric_queries_validate(metric, time_range, dimension, content_type, content_ids, tz):
    _check(lambda: MetricQuery(metric, time_range, dimension, content_type, content_ids, tz))


@fuzz
@given(
    time_range=time_ranges,
    granularity=st.one_of(junk, st.sampled_from([*PeakGranularity, "second"])),
    content_type=content_types,
    content_ids=content_ids,
    tz=zones,
)
def test_peak_queries_validate(time_range, granularity, content_type, content_ids, tz):
    _check(lambda: PeakQuery(time_range, granularity, content_type, content_ids, tz))


@fuzz
@given(
    time_range=time_ranges,
    content_type=content_types,
    content_ids=content_ids,
    viewer_identifier=st.one_of(junk, st.text(max_size=20)),
    unfinished=flags,
    tz=zones,
)
def test_viewers_queries_validate(
    time_range, content_type, content_ids, viewer_identifier, unfinished, tz
):
    _check(
        lambda: ViewersQuery(
            time_range, content_type, content_ids, viewer_identifier, unfinished, tz
        )
    )


@fuzz
@given(
    time_range=time_ranges,
    content_type=content_types,
    content_ids=content_ids,
    unfinished=flags,
    inclusive=flags,
    tz=zones,
)
def test_views_queries_validate(time_range, content_type, content_ids, unfinished, inclusive, tz):
    _check(lambda: ViewsQuery(time_range, content_type, content_ids, unfinished, inclusive, tz))


def test_the_fuzzing_reaches_both_outcomes():
    """Guard against a strategy that only ever produces invalid input."""
    week = TimeRange(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 8, tzinfo=UTC))
    _check(lambda: MetricQuery(Metric.TOTAL_VIEWS, week, "day", "live", ["12", 7], "UTC"))
    with pytest.raises(ValueError, match="content_ids"):
        MetricQuery(Metric.TOTAL_VIEWS, week, "day", None, (7,), "UTC")
