"""The global filters <-> URL parameters, without Streamlit."""

from __future__ import annotations

from datetime import datetime

import pytest

from analytics.api.queries import ContentType
from analytics.dashboard.filters import (
    ReportFilters,
    filters_from_params,
    filters_to_params,
    parse_content_ids,
)
from analytics.dashboard.periods import Preset


@pytest.mark.parametrize(
    "filters",
    [
        ReportFilters(tz="Europe/Berlin"),
        ReportFilters(tz="UTC", preset=Preset.TODAY, compare=False),
        ReportFilters(tz="Asia/Tokyo", preset=Preset.LAST_MONTH, content_type=ContentType.LIVE),
        ReportFilters(
            tz="America/New_York",
            preset=Preset.CUSTOM,
            custom_start=datetime(2026, 11, 1, 6, 30),
            custom_end=datetime(2026, 11, 3, 18, 0),
            content_type=ContentType.RECORDED,
            content_ids=(12, 345),
        ),
    ],
)
def test_filters_survive_the_round_trip_through_the_url(filters):
    params = filters_to_params(filters)
    parsed = filters_from_params(params, default_tz="Pacific/Auckland")
    assert parsed.problems == []
    assert parsed.filters == filters


def test_url_carries_the_timezone_and_only_what_differs_from_the_defaults():
    assert filters_to_params(ReportFilters(tz="Europe/Berlin")) == {
        "range": "last-28-days",
        "tz": "Europe/Berlin",
    }
    params = filters_to_params(
        ReportFilters(tz="UTC", compare=False, content_type=ContentType.LIVE)
    )
    assert params == {"range": "last-28-days", "tz": "UTC", "type": "live", "compare": "off"}


def test_missing_parameters_take_the_defaults_and_the_browser_zone():
    parsed = filters_from_params({}, default_tz="Europe/Paris")
    assert parsed.filters == ReportFilters(tz="Europe/Paris")
    assert parsed.problems == []


@pytest.mark.parametrize(
    ("params", "field", "expected", "problem"),
    [
        ({"tz": "Mars/Base"}, "tz", "UTC", "timezone"),
        ({"range": "last-year"}, "preset", Preset.LAST_28_DAYS, "range"),
        ({"type": "podcast"}, "content_type", None, "type"),
        ({"ids": "12"}, "content_ids", (), "need a content type"),
        ({"type": "live", "ids": "12,abc"}, "content_ids", (), "'abc'"),
        ({"range": "custom", "from": "2026-11-05"}, "preset", Preset.LAST_28_DAYS, "custom"),
        (
            {"range": "custom", "from": "2026-11-05", "to": "2026-11-01"},
            "preset",
            Preset.LAST_28_DAYS,
            "before the end",
        ),
    ],
)
def test_bad_parameters_fall_back_with_a_note_naming_them(params, field, expected, problem):
    parsed = filters_from_params(params, default_tz="UTC")
    assert getattr(parsed.filters, field) == expected
    assert len(parsed.problems) == 1
    assert problem in parsed.problems[0]


def test_a_bare_end_date_includes_that_whole_day():
    parsed = filters_from_params(
        {"range": "custom", "from": "2026-11-01", "to": "2026-11-07", "tz": "UTC"}, "UTC"
    )
    period = parsed.filters.period()
    assert (period.start.day, period.end.day) == (1, 8)


def test_repeated_parameters_use_the_last_value():
    parsed = filters_from_params({"range": ["today", "yesterday"]}, "UTC")
    assert parsed.filters.preset is Preset.YESTERDAY


def test_compare_is_on_unless_switched_off():
    assert filters_from_params({"compare": "off"}, "UTC").filters.compare is False
    assert filters_from_params({"compare": "0"}, "UTC").filters.compare is False
    assert filters_from_params({"compare": "on"}, "UTC").filters.compare is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12", (12,)), ("34, 12 12", (12, 34)), (" 7 ,8,", (7, 8)), ("", ())],
)
def test_content_ids_are_parsed_sorted_and_deduplicated(text, expected):
    assert parse_content_ids(text) == expected


@pytest.mark.parametrize("text", ["0", "-4", "1.5", "12a", "١٢"])
def test_content_ids_must_be_positive_whole_numbers(text):
    with pytest.raises(ValueError, match="content ids"):
        parse_content_ids(text)


def test_too_many_content_ids_are_refused():
    with pytest.raises(ValueError, match="at most"):
        parse_content_ids(",".join(str(n) for n in range(1, 60)))
