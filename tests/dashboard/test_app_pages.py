"""AppTest: breakdowns, peak viewers, viewer lookup and views export on demo data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from analytics.api import Dimension, Metric, MetricQuery
from analytics.dashboard.periods import Preset, resolve_period
from analytics.dashboard.service import QUERY_LOG, Chunked
from analytics.dashboard.tables import peaks_by_content
from analytics.demo import segments_frame

from .conftest import csv_rows, texts

BREAKDOWNS = "app_pages/breakdowns.py"
PEAKS = "app_pages/peak_viewers.py"
LOOKUP = "app_pages/viewer_lookup.py"
EXPORT = "app_pages/views_export.py"


def open_page(at, page: str):
    at.run()
    return at.switch_page(page).run()


def by_name(at) -> dict:
    return {name: query for name, query, _ in at.session_state[QUERY_LOG]}


# --- breakdowns ------------------------------------------------------------------------------


def test_breakdown_by_country_has_a_map_shares_and_changes(
    dashboard_env, app, downloads, direct_client
):
    at = app(params={"range": "last-28-days", "metric": "unique-devices", "by": "country"})
    at = open_page(at, BREAKDOWNS)
    assert not at.exception
    query = by_name(at)["current"]
    assert (query.metric, query.dimension) == (Metric.UNIQUE_DEVICES, Dimension.COUNTRY)
    assert at.query_params["metric"] == "unique-devices"
    assert at.query_params["by"] == "country"
    # one chart (the map): no picker offering it
    assert [w.key for w in at.get("segmented_control")] == ["filter_type"]

    expected = direct_client.metric(query).frame
    shown = at.dataframe[0].value
    table, total = shown.iloc[:-1], shown.iloc[-1]
    assert list(table["point"]) == list(expected["point"])  # ranked as the API ranks
    assert table["value"].sum() == expected["value"].sum()
    assert table["share"].sum() == pytest.approx(1.0)
    assert "change" in table
    assert "United States" in set(table["label"])
    # The totals row: unique devices do not add up across countries, so it is the API's total.
    summary = direct_client.metric(
        MetricQuery(Metric.UNIQUE_DEVICES, query.time_range, tz=query.tz)
    )
    assert total["label"] == "Total"
    assert total["value"] == summary.frame["value"].sum()
    assert total["share"] == 1.0

    period = resolve_period(Preset.LAST_28_DAYS, "Europe/Berlin")
    name = (
        f"breakdowns_unique-devices-by-country_{period.start.date():%Y-%m-%d}_"
        f"{period.last_day:%Y-%m-%d}.csv"
    )
    rows = csv_rows(downloads[name])
    assert list(rows[0]) == [
        "Country",
        "Country code",
        "Unique devices",
        "Share (%)",
        "Unique devices, previous period",
        "Change (%)",
    ]
    assert [row["Country code"] for row in rows] == list(expected["point"])
    assert sum(int(row["Unique devices"]) for row in rows) == expected["value"].sum()
    assert sum(float(row["Share (%)"]) for row in rows) == pytest.approx(100, abs=0.05 * len(rows))
    for row, share in zip(rows, table["share"], strict=True):
        assert float(row["Share (%)"]) == pytest.approx(share * 100, abs=0.05)


def test_an_older_link_by_location_opens_the_country_breakdown(dashboard_env, app):
    at = open_page(app(params={"range": "last-7-days", "by": "location"}), BREAKDOWNS)
    assert not at.exception
    assert at.query_params["by"] == "country"
    assert by_name(at)["current"].dimension is Dimension.COUNTRY


def test_breakdown_choices_follow_the_widgets_into_the_url(dashboard_env, app, downloads):
    at = open_page(app(params={"range": "last-7-days"}), BREAKDOWNS)
    at.selectbox(key="url_by").set_value(Dimension.DEVICE).run()
    at.selectbox(key="url_metric").set_value(Metric.AUTHENTICATED_VIEWERS).run()
    assert at.query_params["by"] == "device"
    assert at.query_params["metric"] == "authenticated-viewers"
    query = by_name(at)["current"]
    assert (query.metric, query.dimension) == (Metric.AUTHENTICATED_VIEWERS, Dimension.DEVICE)
    labels = set(at.dataframe[0].value["label"]) - {"Total"}
    assert labels <= {"Desktop", "Mobile", "Tablet", "TV", "Other"}
    # Devices are shown and downloaded by name: no column of the API's raw values.
    assert "point" not in at.dataframe[0].proto.column_order
    (name,) = [name for name in downloads if "authenticated-viewers-by-device" in name]
    assert list(csv_rows(downloads[name])[0]) == [
        "Device",
        "Authenticated viewers",
        "Share (%)",
        "Authenticated viewers, previous period",
        "Change (%)",
    ]


def test_regions_are_downloaded_with_their_code(dashboard_env, app, downloads):
    at = open_page(
        app(params={"range": "last-7-days", "by": "region", "compare": "off"}), BREAKDOWNS
    )
    assert not at.exception
    (name,) = [name for name in downloads if "total-views-by-region" in name]
    rows = csv_rows(downloads[name])
    assert list(rows[0]) == ["Region", "Region code", "Total views", "Share (%)"]
    shown = at.dataframe[0].value.iloc[:-1]  # less the totals row
    assert [row["Region code"] for row in rows] == list(shown["point"])
    assert [row["Region"] for row in rows] == list(shown["label"])


def test_breakdown_over_time_has_a_row_per_bucket(dashboard_env, app, downloads):
    at = open_page(app(params={"range": "yesterday", "by": "hour", "chart": "bar"}), BREAKDOWNS)
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 24
    assert {"value", "previous_value", "change"} <= set(table.columns)

    period = resolve_period(Preset.YESTERDAY, "Europe/Berlin")
    name = f"breakdowns_total-views-by-hour_{period.start:%Y-%m-%d}_{period.last_day:%Y-%m-%d}.csv"
    rows = csv_rows(downloads[name])
    assert list(rows[0]) == [
        "Hour",
        "Total views",
        "Hour, previous period",
        "Total views, previous period",
        "Change (%)",
        "Time zone",
    ]
    assert len(rows) == 24
    assert rows[0]["Hour"] == f"{period.start:%Y-%m-%d} 00:00"  # the local wall clock
    assert {row["Time zone"] for row in rows} == {"Europe/Berlin"}
    by_time = table.set_index("time")
    for row in rows:
        change = by_time.loc[pd.Timestamp(row["Hour"], tz="Europe/Berlin"), "change"]
        if pd.isna(change):
            assert row["Change (%)"] == ""  # nothing before: empty, never 0
        else:
            assert float(row["Change (%)"]) == pytest.approx(change * 100, abs=0.05)


def test_breakdown_without_data_shows_an_empty_state(dashboard_env, app):
    params = {"range": "custom", "from": "2019-03-01", "to": "2019-03-02", "by": "device"}
    at = open_page(app(params=params), BREAKDOWNS)
    assert not at.exception
    assert not at.error
    assert "No total views in this period" in " ".join(texts(at.info))


# --- peak viewers ----------------------------------------------------------------------------


def test_peak_viewers_table_matches_the_api(dashboard_env, app, direct_client, downloads):
    at = open_page(app(params={"range": "last-7-days", "top": "3"}), PEAKS)
    assert not at.exception
    query = by_name(at)["current"]
    assert query.granularity.value == "hour"  # minutes only up to 3 days
    expected = peaks_by_content(direct_client.peak_viewers(query).frame)
    table = at.dataframe[0].value
    assert list(table["peak"]) == list(expected["peak"])
    assert list(table["content_id"]) == [str(i) for i in expected["content_id"]]
    headline = {metric.label: metric.value for metric in at.metric}
    assert headline["Overall peak concurrent viewers"] == f"{expected['peak'].max():,}"
    assert at.slider(key="url_top").value == 3

    (name,) = [name for name in downloads if name.startswith("peak-viewers_peak-per-content")]
    rows = csv_rows(downloads[name])
    assert list(rows[0]) == [
        "Title",
        "Content type",
        "Content ID",
        "Peak concurrent viewers",
        "Peak at",
        "Time zone",
    ]
    assert [int(row["Peak concurrent viewers"]) for row in rows] == list(expected["peak"])
    catalogue = direct_client.catalogue()
    assert [row["Title"] for row in rows] == [
        catalogue.title(kind, int(number)) or ""
        for kind, number in zip(expected["content_type"], expected["content_id"], strict=True)
    ]
    assert all(row["Title"] for row in rows)
    assert [row["Peak at"] for row in rows] == [
        f"{moment:%Y-%m-%d %H:%M}" for moment in expected["peak_time"]
    ]
    (name,) = [name for name in downloads if name.startswith("peak-viewers_top-3-by-hour")]
    assert list(csv_rows(downloads[name])[0]) == [
        "Hour",
        "Title",
        "Content type",
        "Content ID",
        "Peak concurrent viewers",
        "Time zone",
    ]


def test_peak_viewers_by_minute_for_one_content_type(dashboard_env, app):
    params = {"range": "today", "type": "recorded", "granularity": "minute"}
    at = open_page(app(params=params), PEAKS)
    assert not at.exception
    query = by_name(at)["current"]
    assert query.granularity.value == "minute"
    assert query.content_type.value == "recorded"
    if at.dataframe:
        assert set(at.dataframe[0].value["content_type"]) <= {"recorded"}


# --- role gating -----------------------------------------------------------------------------


@pytest.mark.parametrize("page", [LOOKUP, EXPORT])
def test_a_viewer_cannot_reach_pages_with_personal_data(dashboard_env, app, page):
    at = app(user="victor").run()
    assert not at.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(page)


@pytest.mark.parametrize("user", ["alice", "root"])
def test_analysts_and_admins_reach_them(dashboard_env, app, user):
    at = open_page(app(user=user), LOOKUP)
    assert [title.value for title in at.title] == ["Viewer lookup"]


def test_a_user_removed_from_the_users_file_is_signed_out(dashboard_env, app):
    at = app(user="mallory").run()
    assert not at.exception
    assert not at.metric
    assert "Sign in" in texts(at.subheader)
    assert not at.session_state["authentication_status"]


# --- viewer lookup ---------------------------------------------------------------------------


def submit(at):
    form_button = next(button for button in at.button if button.label == "Search")
    return form_button.click().run()


def test_viewer_lookup_finds_matches_and_one_viewers_totals(
    dashboard_env, app, direct_client, downloads
):
    at = open_page(app(params={"range": "last-28-days"}), LOOKUP)
    at.main.text_input[0].input("anna")
    at = submit(at)
    assert not at.exception
    matches = at.dataframe[0].value
    assert len(matches) > 0
    assert all("anna" in identifier.lower() for identifier in matches["viewer_identifier"])
    assert list(matches["last_activity"]) == sorted(matches["last_activity"], reverse=True)
    assert "anna" not in str(at.query_params)  # personal data stays out of the URL

    chosen = at.main.selectbox[-1].value
    viewer_query = by_name(at)["viewer"]
    assert viewer_query.viewer_identifier == chosen
    segments = direct_client.viewers(viewer_query).segments
    segments = segments[segments["viewer_identifier"] == chosen]
    totals = {metric.label: metric.value for metric in at.metric}
    assert totals["Views"] == f"{segments['view_session_id'].nunique():,}"
    assert (
        totals["Contents"] == f"{len(segments[['content_type', 'content_id']].drop_duplicates()):,}"
    )
    assert len(at.dataframe[1].value) == len(segments)

    (name,) = [name for name in downloads if name.startswith("viewer-lookup_matches_")]
    found = csv_rows(downloads[name])
    assert [row["Viewer identifier"] for row in found] == list(matches["viewer_identifier"])
    assert [row["Last activity"] for row in found] == [
        f"{moment:%Y-%m-%d %H:%M:%S}" for moment in matches["last_activity"]
    ]
    (name,) = [name for name in downloads if name.startswith("viewer-lookup_segments_")]
    history = csv_rows(downloads[name])
    assert len(history) == len(segments)
    assert list(history[0])[:3] == ["Started", "Finished", "Title"]
    assert list(history[0])[-1] == "Time zone"
    assert [row["Started"] for row in history] == sorted(row["Started"] for row in history)


def test_viewer_lookup_without_matches_says_so(dashboard_env, app):
    at = open_page(app(), LOOKUP)
    at.main.text_input[0].input("no-such-viewer-xyz")
    at = submit(at)
    assert not at.exception
    assert "No signed-in viewer" in " ".join(texts(at.info))


def test_viewer_lookup_needs_three_characters(dashboard_env, app):
    at = open_page(app(), LOOKUP)
    at.main.text_input[0].input("an")
    at = submit(at)
    assert "at least 3 characters" in " ".join(texts(at.warning))
    assert "matches" not in by_name(at)


# --- views export ----------------------------------------------------------------------------


def test_views_export_preview_counts_and_full_csv(dashboard_env, app, downloads, direct_client):
    params = {"range": "yesterday", "unfinished": "off", "inclusive": "off"}
    at = open_page(app(params=params), EXPORT)
    assert not at.exception
    query = by_name(at)["preview"].query
    assert (query.list_unfinished_segments, query.inclusive_range) == (False, False)
    expected = direct_client.views(query).frame
    assert f"**{len(expected):,}** plays (the API's view segments) match" in " ".join(
        texts(at.markdown)
    )
    assert len(at.dataframe[0].value) == min(100, len(expected))

    prepare = next(button for button in at.button if button.label.startswith("Prepare the CSV"))
    at = prepare.click().run()
    assert not at.exception
    period = resolve_period(Preset.YESTERDAY, "Europe/Berlin")
    name = f"views-export_segments_{period.start.date():%Y-%m-%d}_{period.last_day:%Y-%m-%d}.csv"
    rows = csv_rows(downloads[name])
    assert len(rows) == len(expected)
    assert rows[0]["view_id"] == expected["view_id"].iloc[0]
    assert all(row["finished_at"] for row in rows)  # no unfinished segments
    assert list(rows[0])[:4] == ["view_id", "content_type", "content_id", "title"]
    catalogue = direct_client.catalogue()
    assert [row["title"] for row in rows] == [
        catalogue.title(kind, int(number)) or ""
        for kind, number in zip(expected["content_type"], expected["content_id"], strict=True)
    ]
    command = " ".join(texts(at.code))
    assert "--no-list-unfinished-segments --no-inclusive-range" in command


def test_views_export_neutralises_formulas_in_the_csv(point_app_at, start_demo, app, downloads):
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=30)
    rows = [
        {
            "started_at": start + timedelta(minutes=i),
            "finished_at": start + timedelta(minutes=i, seconds=40),
            "viewer_identifier": identifier,
            "city": city,
            "view_session_id": f"s{i}",
        }
        for i, (identifier, city) in enumerate(
            [('=HYPERLINK("http://x")', "+Budapest"), ("@evil", "-1+2"), ("ok@example.com", "Pécs")]
        )
    ]
    server = start_demo(datasets={"demo-client": segments_frame(rows)})
    point_app_at(server)
    at = open_page(app(params={"range": "last-7-days"}), EXPORT)
    prepare = next(button for button in at.button if button.label.startswith("Prepare the CSV"))
    at = prepare.click().run()
    assert not at.exception
    (name,) = [name for name in downloads if name.startswith("views-export_segments_")]
    exported = csv_rows(downloads[name])
    identifiers = {row["viewer_identifier"] for row in exported}
    cities = {row["city"] for row in exported}
    assert identifiers == {'\'=HYPERLINK("http://x")', "'@evil", "ok@example.com"}
    assert cities == {"'+Budapest", "'-1+2", "Pécs"}
    assert {row["from"] for row in exported} <= {"0"}  # numbers are not quoted
    pd.testing.assert_index_equal(
        pd.Index(list(exported[0])[:3]), pd.Index(["view_id", "content_type", "content_id"])
    )


def test_long_peak_ranges_are_fetched_in_parts_side_by_side(dashboard_env, app, direct_client):
    params = {"range": "last-90-days", "compare": "off", "granularity": "hour"}
    at = open_page(app(params=params), PEAKS)
    assert not at.exception
    call = by_name(at)["current"]
    assert isinstance(call, Chunked)
    assert len(call.parts) == 7  # 90 days in pieces of at most 14
    assert call.parts[0].time_range.start == call.whole.time_range.start
    assert call.parts[-1].time_range.end == call.whole.time_range.end
    expected = peaks_by_content(direct_client.peak_viewers(call.whole).frame)
    table = at.dataframe[0].value
    assert list(table["peak"]) == list(expected["peak"])
    assert list(table["content_id"]) == [str(i) for i in expected["content_id"]]
