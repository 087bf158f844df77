"""The global filters <-> URL parameters, without Streamlit."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from analytics.api.queries import ContentType
from analytics.dashboard.filters import (
    ReportFilters,
    filters_from_params,
    filters_to_params,
    last_day_of,
    parse_content_ids,
    whole_days,
)
from analytics.dashboard.periods import Comparison, Preset


@pytest.mark.parametrize(
    "filters",
    [
        ReportFilters(tz="Europe/Berlin"),
        ReportFilters(tz="UTC", preset=Preset.TODAY, comparison=Comparison.OFF),
        ReportFilters(tz="Asia/Tokyo", preset=Preset.LAST_MONTH, content_type=ContentType.LIVE),
        ReportFilters(tz="Europe/Berlin", preset=Preset.LAST_WEEK, comparison=Comparison.YEAR),
        ReportFilters(tz="UTC", preset=Preset.THIS_QUARTER),
        ReportFilters(tz="UTC", preset=Preset.LAST_YEAR, comparison=Comparison.PREVIOUS),
        ReportFilters(
            tz="America/New_York",
            preset=Preset.CUSTOM,
            custom_start=datetime(2026, 11, 1, 6, 30),
            custom_end=datetime(2026, 11, 3, 18, 0),
            content_type=ContentType.RECORDED,
            content_ids=(12, 345),
        ),
        ReportFilters(tz="UTC", content_type=ContentType.RECORDED, channel_id=77),
        ReportFilters(
            tz="UTC", content_type=ContentType.RECORDED, channel_id=77, content_ids=(5, 6)
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
        ReportFilters(tz="UTC", comparison=Comparison.OFF, content_type=ContentType.LIVE)
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
        ({"range": "forever"}, "preset", Preset.LAST_28_DAYS, "range"),
        ({"compare": "decade"}, "comparison", Comparison.PREVIOUS, "compare"),
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("previous", Comparison.PREVIOUS),
        ("year", Comparison.YEAR),
        ("YEAR", Comparison.YEAR),
        ("off", Comparison.OFF),
        # The words of older links still mean what they meant.
        ("0", Comparison.OFF),
        ("false", Comparison.OFF),
        ("on", Comparison.PREVIOUS),
        ("1", Comparison.PREVIOUS),
    ],
)
def test_compare_takes_previous_year_or_off_and_the_old_words(text, expected):
    filters = filters_from_params({"compare": text}, "UTC").filters
    assert filters.comparison is expected
    assert filters.compare is (expected is not Comparison.OFF)


def test_the_comparison_round_trips_and_the_default_is_not_written():
    assert "compare" not in filters_to_params(ReportFilters(comparison=Comparison.PREVIOUS))
    params = filters_to_params(ReportFilters(preset=Preset.LAST_WEEK, comparison=Comparison.YEAR))
    assert params == {"range": "last-week", "tz": "UTC", "compare": "year"}


def test_last_week_from_a_link_is_monday_to_sunday_and_compares_with_last_year():
    now = datetime(2026, 12, 2, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))  # a Wednesday
    params = {"range": "last-week", "tz": "Europe/Berlin", "compare": "year"}
    period = filters_from_params(params, "UTC").filters.period(now)
    berlin = ZoneInfo("Europe/Berlin")
    assert (period.start, period.end) == (
        datetime(2026, 11, 23, tzinfo=berlin),  # Monday
        datetime(2026, 11, 30, tzinfo=berlin),  # the next Monday (exclusive): Sunday included
    )
    previous = period.previous()
    assert (previous.start, previous.end) == (  # 52 weeks earlier: Monday to Sunday again
        datetime(2025, 11, 24, tzinfo=berlin),
        datetime(2025, 12, 1, tzinfo=berlin),
    )


def test_the_week_start_setting_moves_the_week():
    now = datetime(2026, 12, 2, 9, 30, tzinfo=ZoneInfo("UTC"))  # a Wednesday
    parsed = filters_from_params({"range": "last-week", "tz": "UTC"}, "UTC", week_start=6)
    period = parsed.filters.period(now)
    assert (period.start.date(), period.last_day) == (date(2026, 11, 22), date(2026, 11, 28))


def test_old_preset_links_keep_their_meaning():
    for value in ("today", "yesterday", "last-7-days", "last-28-days", "last-90-days"):
        parsed = filters_from_params({"range": value}, "UTC")
        assert parsed.problems == []
        assert parsed.filters.preset.value == value
    # An exclusive end with a time stays exactly that.
    parsed = filters_from_params(
        {"range": "custom", "from": "2026-11-01T06:00", "to": "2026-11-03T18:00"}, "UTC"
    )
    assert parsed.filters.custom_end == datetime(2026, 11, 3, 18, 0)
    assert filters_to_params(parsed.filters)["to"] == "2026-11-03T18:00"


def test_the_date_boxes_show_the_inclusive_last_day():
    start, end = whole_days(date(2026, 11, 1), date(2026, 11, 30))
    assert (start, end) == (datetime(2026, 11, 1), datetime(2026, 12, 1))
    assert last_day_of(end) == date(2026, 11, 30)
    assert last_day_of(datetime(2026, 11, 3, 18, 0)) == date(2026, 11, 3)
    params = filters_to_params(
        ReportFilters(preset=Preset.CUSTOM, custom_start=start, custom_end=end)
    )
    assert (params["from"], params["to"]) == ("2026-11-01T00:00", "2026-12-01T00:00")


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


def test_a_channel_scopes_recorded_videos_only_and_its_videos_stay_out_of_the_url():
    scoped = ReportFilters(
        content_type=ContentType.RECORDED, channel_id=77, channel_video_ids=(3, 4, 9)
    )
    assert scoped.scope_ids == (3, 4, 9)  # no video picked: the channel's videos
    assert filters_to_params(scoped) == {
        "range": "last-28-days",
        "tz": "UTC",
        "type": "recorded",
        "channel": "77",
    }
    picked = ReportFilters(
        content_type=ContentType.RECORDED, channel_id=77, channel_video_ids=(3, 4), content_ids=(4,)
    )
    assert picked.scope_ids == (4,)

    live = filters_from_params({"type": "live", "channel": "77"}, default_tz="UTC")
    assert live.filters.channel_id is None
    assert live.problems == ["Ignored the channel in the link: it scopes recorded videos only."]
    bad = filters_from_params({"type": "recorded", "channel": "1,2"}, default_tz="UTC")
    assert bad.filters.channel_id is None
    assert bad.problems == ["Ignored channel='1,2' in the link: one channel id."]
