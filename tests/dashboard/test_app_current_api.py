"""The dashboard on IBM's current Analytics API and on v1.0.3: watch time and average view
duration, countries asked as `country` (with v1.0.3's `location` behind it), peaks by day or
month for long ranges, and records the API sends incomplete."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest

from analytics.api import (
    Dimension,
    Metric,
    MetricQuery,
    PeakGranularity,
    PeakQuery,
    ViewerSecondsQuery,
)
from analytics.dashboard.filters import Preset
from analytics.dashboard.periods import resolve_period
from analytics.dashboard.tables import format_duration
from tests.dashboard.conftest import texts
from tests.dashboard.test_app_pages import BREAKDOWNS, PEAKS, by_name, open_page

TZ = "Europe/Berlin"


@pytest.fixture(scope="module")
def old_api(demo_settings_factory):
    from analytics.demo import start_demo_server

    server = start_demo_server(demo_settings_factory(api_version="1.0.3"))
    yield server
    server.stop()


def tiles(at) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def test_overview_shows_watch_time_and_average_view_duration(dashboard_env, app, direct_client):
    at = app(params={"range": "last-28-days"}).run()
    assert not at.exception
    assert not at.error
    period = resolve_period(Preset.LAST_28_DAYS, TZ)
    watched = (
        direct_client.viewer_seconds(
            ViewerSecondsQuery(period.time_range, PeakGranularity.MONTH, tz=TZ)
        )
        .frame["value"]
        .sum()
    )
    views = direct_client.metric(MetricQuery(Metric.TOTAL_VIEWS, period.time_range, tz=TZ))
    count = views.frame["value"].sum()
    assert watched > 0
    assert count > 0
    shown = tiles(at)
    assert shown["Watch time"] == format_duration(timedelta(seconds=int(watched)))
    assert shown["Average view duration"] == format_duration(
        timedelta(seconds=round(watched / count))
    )
    # ... with their change against the previous period, like the other tiles
    deltas = {metric.label: metric.delta for metric in at.metric}
    assert deltas["Watch time"]
    assert deltas["Average view duration"]


def test_on_the_older_api_the_overview_says_watch_time_is_not_reported(point_app_at, old_api, app):
    point_app_at(old_api)
    at = app(params={"range": "last-7-days"}).run()
    assert not at.exception
    assert not at.error  # a calm note, not a failed panel
    assert tiles(at)["Watch time"] == "–"
    assert "Average view duration" not in tiles(at)
    assert any("does not report watch time" in text for text in texts(at.caption))


@pytest.mark.parametrize("api", ["current", "1.0.3"])
def test_the_country_map_works_on_both_api_versions(point_app_at, demo_server, old_api, app, api):
    server = demo_server if api == "current" else old_api
    point_app_at(server)
    at = open_page(app(params={"range": "last-28-days", "by": "country"}), BREAKDOWNS)
    assert not at.exception
    assert not at.error
    assert by_name(at)["current"].dimension is Dimension.COUNTRY
    table = at.dataframe[0].value
    assert len(table) > 5
    assert "Germany" in set(table["label"])
    assert len(at.get("plotly_chart")) == 1


@pytest.mark.parametrize("api", ["current", "1.0.3"])
@pytest.mark.parametrize(
    ("days", "granularity"), [(400, PeakGranularity.DAY), (1200, PeakGranularity.MONTH)]
)
def test_long_ranges_show_peaks_by_day_or_month_over_the_whole_range(
    point_app_at, demo_server, old_api, app, direct_client, api, days, granularity
):
    server = demo_server if api == "current" else old_api
    point_app_at(server)
    period = resolve_period(Preset.LAST_7_DAYS, TZ)
    start = period.end - timedelta(days=days)
    params = {
        "range": "custom",
        "from": f"{start:%Y-%m-%d}",
        "to": f"{period.end:%Y-%m-%d}",
        "compare": "off",
    }
    at = open_page(app(params=params), PEAKS)
    assert not at.exception
    assert not at.error
    call = by_name(at)["current"]
    call = getattr(call, "whole", call)  # a day series comes in yearly parts
    assert call.granularity is granularity
    assert call.time_range.start.date() == start.date()  # the whole range, not its last days
    assert not [info for info in texts(at.info) if "cover only" in info]
    overall = next(metric for metric in at.metric if metric.label.startswith("Overall peak"))
    hourly = direct_client.peak_viewers(
        PeakQuery(resolve_period(Preset.LAST_90_DAYS, TZ).time_range, "hour", tz=TZ)
    ).frame
    # the demo's data is recent, so the whole range's peak is the last 90 days' peak
    if api == "current":
        assert overall.value == f"{int(hourly['value'].max()):,}"


def test_a_record_without_a_country_leaves_the_rest_of_the_panel_and_says_so(
    point_app_at, start_demo, app
):
    server = start_demo(segments=5_000, null_rate=0.2, unknown_country_rate=0.1)
    point_app_at(server)
    at = open_page(app(params={"range": "last-28-days", "by": "country"}), BREAKDOWNS)
    assert not at.exception
    assert not at.error
    table = at.dataframe[0].value.iloc[:-1]  # less the totals row
    unknown = table[table["label"] == "Unknown"]
    assert len(unknown) == 1
    assert unknown["value"].iloc[0] > 0
    assert (table["value"] > 0).sum() > 5  # the known countries are all there
    assert table["share"].sum() == pytest.approx(1.0)
    notes = [text for text in texts(at.caption) if "without a country, time or id" in text]
    assert notes
    assert notes[0].startswith("1 record(s)")


# --- titles: the content catalogue ------------------------------------------------------------

ID_LABEL = re.compile(r"^(Channel|Video) \d+$")


def test_peaks_and_the_overview_name_contents_by_their_titles(dashboard_env, app, direct_client):
    catalogue = direct_client.catalogue()
    assert catalogue.available
    at = open_page(app(params={"range": "last-7-days"}), PEAKS)
    assert not at.exception
    per_content = at.dataframe[0].value
    assert len(per_content) > 3
    expected = [
        catalogue.label(kind, int(number))
        for kind, number in zip(per_content["content_type"], per_content["content_id"], strict=True)
    ]
    assert list(per_content["content"]) == expected
    assert not [label for label in per_content["content"] if ID_LABEL.match(label)]
    shown = texts(at.caption)
    assert any(catalogue.title(*_top(per_content)) in text for text in shown)

    overview = app(params={"range": "last-7-days"}).run()
    top = [text for text in texts(overview.caption) if text.startswith("Top content: ")]
    assert top
    assert not ID_LABEL.match(top[0].removeprefix("Top content: ").split(",")[0])


def _top(per_content) -> tuple[str, int]:
    row = per_content.iloc[0]
    return row["content_type"], int(row["content_id"])


def test_without_the_channel_api_contents_keep_their_ids_and_the_page_says_why(
    point_app_at, start_demo, app
):
    server = start_demo(channel_api="refuse")
    point_app_at(server)
    at = open_page(app(params={"range": "last-7-days"}), PEAKS)
    assert_ids_with_one_note(at, "refused")


def assert_ids_with_one_note(at, words: str) -> None:
    """The page works, names contents by id, and says why in one note holding `words`."""
    assert not at.exception
    assert not at.error
    per_content = at.dataframe[0].value
    assert all(ID_LABEL.match(label) for label in per_content["content"])
    notes = [text for text in texts(at.caption) if words in text]
    assert len(notes) == 1


def test_the_sidebar_picks_contents_by_title_and_the_url_keeps_their_ids(
    dashboard_env, app, direct_client
):
    catalogue = direct_client.catalogue()
    channels = sorted(catalogue.titles("live"))[:2]
    at = app(params={"range": "last-7-days", "type": "live", "ids": str(channels[0])}).run()
    assert not at.exception
    picker = at.multiselect(key="filter_content_pick_live")
    assert picker.value == [channels[0]]  # the link's id, chosen by its title
    assert picker.format_func(channels[0]).startswith(catalogue.title("live", channels[0]))
    picker.set_value(channels).run()
    assert not at.exception
    assert at.query_params["ids"] == ",".join(map(str, channels))
    assert at.session_state["dashboard_context"].filters.content_ids == tuple(channels)


def test_a_channel_scopes_the_video_picker_and_the_figures_to_its_videos(
    dashboard_env, app, direct_client
):
    catalogue = direct_client.catalogue()
    channel = next(
        c.content_id for c in catalogue.channels if len(catalogue.videos_of(c.content_id)) >= 2
    )
    videos = tuple(sorted(v.content_id for v in catalogue.videos_of(channel)))
    at = app(params={"range": "last-28-days", "type": "recorded", "channel": str(channel)}).run()
    assert not at.exception
    assert at.selectbox(key="filter_channel").value == channel
    picker = at.multiselect(key="filter_content_pick_recorded")
    assert sorted(picker.options) == sorted(picker.format_func(v) for v in videos)
    filters = at.session_state["dashboard_context"].filters
    assert filters.channel_id == channel
    assert filters.content_ids == ()
    assert filters.scope_ids == videos
    assert at.query_params["channel"] == str(channel)
    assert "ids" not in at.query_params

    period = resolve_period(Preset.LAST_28_DAYS, TZ)
    views = direct_client.metric(
        MetricQuery(
            Metric.TOTAL_VIEWS,
            period.time_range,
            content_type="recorded",
            content_ids=videos,
            tz=TZ,
        )
    )
    assert tiles(at)["Total views"] == f"{int(views.frame['value'].sum()):,}"

    picker.set_value([videos[0]]).run()  # one of its videos
    assert not at.exception
    assert at.session_state["dashboard_context"].filters.scope_ids == (videos[0],)
    assert at.query_params["ids"] == str(videos[0])

    at.selectbox(key="filter_channel").set_value(None).run()  # every channel again
    assert not at.exception
    filters = at.session_state["dashboard_context"].filters
    assert (filters.channel_id, filters.scope_ids) == (None, ())
    assert "channel" not in at.query_params


def test_a_channel_api_that_does_not_answer_holds_no_page_up(
    point_app_at, start_demo, app, monkeypatch
):
    """The page waits TITLES_WAIT_SECONDS for the titles, then shows ids and says why."""
    from analytics.api import AnalyticsClient
    from analytics.dashboard import service

    answer = threading.Event()
    asked = AnalyticsClient.catalogue

    def hanging(self, *, refresh: bool = False):
        answer.wait(60)  # a Channel API that takes its time
        return asked(self, refresh=refresh)

    monkeypatch.setattr(AnalyticsClient, "catalogue", hanging)
    monkeypatch.setattr(service, "TITLES_WAIT_SECONDS", 1.0)
    point_app_at(start_demo())
    try:
        at = open_page(app(params={"range": "last-7-days"}), PEAKS)
        assert_ids_with_one_note(at, "has not answered")
    finally:
        answer.set()
