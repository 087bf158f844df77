"""Chart images: the words written on them, their layout, their file names, and the PNG itself
(kaleido in Debian's headless Chromium, as the dashboard and the e-mail digest render them)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import plotly.graph_objects as go
import pytest

from analytics.dashboard import chart_export, chart_images, charts, downloads, tables
from analytics.dashboard.chart_export import ChartCaption, caption_for, slide_figure
from analytics.dashboard.periods import Comparison, Period, Preset, resolve_period
from tests.support.servers import require_binary

BERLIN = ZoneInfo("Europe/Berlin")
NOVEMBER = Period(datetime(2026, 11, 1, tzinfo=BERLIN), datetime(2026, 12, 1, tzinfo=BERLIN))
OCTOBER_END = Period(datetime(2026, 10, 2, tzinfo=BERLIN), datetime(2026, 11, 1, tzinfo=BERLIN))
SLIDE_PIXELS = (2400, 1350)


def november_series() -> pd.DataFrame:
    times = pd.date_range("2026-11-01", periods=30, freq="D", tz=BERLIN)
    return pd.DataFrame(
        {
            "time": times,
            "value": pd.array(range(100, 130), dtype="Int64"),
            "previous_time": times - pd.Timedelta(days=30),
            "previous_value": pd.array(range(90, 120), dtype="Int64"),
        }
    )


def november_caption(**changes: Any) -> ChartCaption:
    return caption_for(
        "Total views by day",
        NOVEMBER,
        comparison=changes.pop("comparison", Comparison.PREVIOUS),
        previous=changes.pop("previous", OCTOBER_END),
        tz="Europe/Berlin",
        is_demo=changes.pop("is_demo", False),
        **changes,
    )


# --- words -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "words"),
    [
        (date(2026, 11, 1), date(2026, 11, 30), "1–30 Nov 2026"),
        (date(2026, 11, 30), date(2026, 12, 6), "30 Nov – 6 Dec 2026"),
        (date(2025, 12, 29), date(2026, 1, 4), "29 Dec 2025 – 4 Jan 2026"),
        (date(2026, 12, 2), date(2026, 12, 2), "2 Dec 2026"),
    ],
)
def test_a_span_of_days_is_written_as_people_write_it(first, last, words):
    assert chart_export.day_span(first, last) == words


def test_a_period_ending_mid_day_says_until_when():
    today = Period(
        datetime(2026, 12, 2, tzinfo=BERLIN), datetime(2026, 12, 2, 11, 10, tzinfo=BERLIN)
    )
    assert chart_export.period_words(today) == "2 Dec 2026, 00:00–11:10"
    so_far = Period(
        datetime(2026, 12, 1, tzinfo=BERLIN), datetime(2026, 12, 2, 11, 10, tzinfo=BERLIN)
    )
    assert chart_export.period_words(so_far) == "1 Dec 00:00 – 2 Dec 2026 11:10"


def test_legends_name_the_periods_by_date_with_years_only_when_they_differ():
    assert chart_export.legend_names(NOVEMBER, OCTOBER_END) == ("1–30 Nov", "2–31 Oct")
    year_before = resolve_period(
        Preset.LAST_MONTH,
        "Europe/Berlin",
        now=datetime(2026, 12, 2, 12, tzinfo=BERLIN),
        comparison=Comparison.YEAR,
    )
    assert chart_export.legend_names(year_before, year_before.previous()) == (
        "1–30 Nov 2026",
        "1–30 Nov 2025",
    )
    assert chart_export.legend_names(NOVEMBER, None)[0] == "1–30 Nov"


def test_the_caption_says_the_period_the_comparison_and_the_source():
    caption = november_caption()
    assert caption.period == "1–30 Nov 2026"
    assert caption.comparison == "vs previous period 2–31 Oct 2026"
    assert caption.subtitle == "1–30 Nov 2026 · vs previous period 2–31 Oct 2026"
    assert caption.source == "Source: IBM Video Streaming Analytics API · times in Europe/Berlin"

    demo = november_caption(is_demo=True, fetched=datetime(2026, 12, 2, 9, 5, tzinfo=BERLIN))
    assert demo.source.startswith("Demo data")
    assert demo.source.endswith("fetched 2 Dec 2026 09:05")
    year = november_caption(comparison=Comparison.YEAR)
    assert year.comparison.startswith("vs same period last year")
    alone = november_caption(comparison=Comparison.OFF, previous=None)
    assert alone.comparison == ""
    assert alone.subtitle == "1–30 Nov 2026"


# --- layout ------------------------------------------------------------------------------------


def test_time_series_legend_names_the_periods_and_sits_under_the_plot():
    figure = charts.time_series(
        november_series(),
        value_label="Total views",
        time_label="Day",
        current_name="1–30 Nov",
        previous_name="2–31 Oct",
    )
    previous, current = figure.data
    assert (current.name, previous.name) == ("1–30 Nov", "2–31 Oct")
    assert current.hovertemplate.endswith("<extra>1–30 Nov</extra>")
    # Under the figure, away from Plotly's toolbar (top right).
    assert figure.layout.legend.yref == "container"
    assert figure.layout.legend.yanchor == "bottom"
    assert figure.layout.legend.y == 0


def test_the_slide_has_the_title_period_comparison_legend_and_source_written_on_it():
    screen = charts.time_series(november_series(), value_label="Total views", time_label="Day")
    slide = slide_figure(screen, november_caption())
    title = slide.layout.title
    assert "Total views by day" in title.text
    assert title.subtitle.text == "1–30 Nov 2026 · vs previous period 2–31 Oct 2026"
    footer = [note.text for note in slide.layout.annotations]
    assert footer == ["Source: IBM Video Streaming Analytics API · times in Europe/Berlin"]
    # "This period"/"Previous period" become dates; the figure on screen is left as it was.
    assert [trace.name for trace in slide.data] == ["2–31 Oct", "1–30 Nov"]
    assert [trace.name for trace in screen.data] == ["Previous period", "This period"]
    assert screen.layout.title.text is None
    assert (slide.layout.width, slide.layout.height) == (1200, 675)
    assert slide.layout.legend.yref == "paper"  # under the subtitle: a slide has no toolbar


def test_text_from_the_api_is_written_as_text_on_the_slide():
    caption = ChartCaption("<b>Launch</b> & more", "1–30 Nov 2026", "", "Source: x")
    slide = slide_figure(go.Figure(go.Bar(x=[1], y=[2])), caption)
    assert "&lt;b&gt;Launch&lt;/b&gt; &amp; more" in slide.layout.title.text


def test_a_tall_chart_keeps_its_height_and_a_map_shows_the_whole_world():
    rows = pd.DataFrame({"label": [f"Content {n}" for n in range(20)], "value": range(20)})
    bars = charts.category_bars(rows, value_label="Views", category_label="Content")
    assert slide_figure(bars, november_caption()).layout.height > bars.layout.height
    countries = tables.with_countries(pd.DataFrame({"point": ["DE", "US"], "value": [3, 9]}))
    world = slide_figure(charts.choropleth(countries, value_label="Views"), november_caption())
    assert list(world.layout.geo.lonaxis.range) == [-180, 180]


def test_chart_images_are_named_like_the_csvs():
    csv = downloads.file_name("Overview", "total-views", NOVEMBER)
    png = downloads.file_name("Overview", "total-views", NOVEMBER, suffix="png")
    assert csv == "overview_total-views_2026-11-01_2026-11-30.csv"
    assert png == "overview_total-views_2026-11-01_2026-11-30.png"


# --- the PNG -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> Iterator[str]:
    """Chromium for kaleido (skipped outside CI when missing, failed in CI)."""
    path = require_binary("chromium", "apt-get install chromium")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BROWSER_PATH", path)  # what kaleido starts
        yield path


@pytest.mark.browser
def test_a_chart_renders_as_a_slide_sized_png_once(chromium):
    figure = charts.time_series(november_series(), value_label="Total views", time_label="Day")
    caption = november_caption()
    image = chart_images.slide_png(figure, caption)
    assert image.startswith(chart_images.PNG_SIGNATURE)
    assert chart_images.png_size(image) == SLIDE_PIXELS
    assert len(image) > 30_000  # drawn on: a blank 2400 x 1350 PNG is a few kB
    assert chart_images.slide_png(figure, caption) is image  # a second click is not re-rendered


@pytest.mark.browser
def test_a_map_renders_without_the_network(chromium):
    """The world outline comes from static/topojson (Plotly's CDN is unreachable in CI)."""
    countries = tables.with_countries(pd.DataFrame({"point": ["DE", "US"], "value": [3, 9]}))
    image = chart_images.slide_png(
        charts.choropleth(countries, value_label="Views"), november_caption()
    )
    assert chart_images.png_size(image) == SLIDE_PIXELS


def test_png_size_refuses_what_is_not_a_png():
    with pytest.raises(ValueError, match="not a PNG"):
        chart_images.png_size(b"GIF89a" + bytes(40))


# --- on the page -------------------------------------------------------------------------------


def test_every_overview_chart_offers_a_titled_png_named_like_its_csv(
    dashboard_env, app, offered_images
):
    at = app(params={"range": "last-28-days"}).run()
    assert not at.exception
    period = resolve_period(Preset.LAST_28_DAYS, "Europe/Berlin")
    days = f"{period.start:%Y-%m-%d}_{period.last_day:%Y-%m-%d}"
    assert set(offered_images) == {
        f"overview_total-views_{days}.png",
        f"overview_unique-devices_{days}.png",
        f"overview_live-vs-recorded_{days}.png",
    }
    made = offered_images[f"overview_total-views_{days}.png"]
    assert isinstance(made, partial)  # made on click, not on every run
    figure, caption = made.args
    assert caption.title == "Total views by day"
    assert caption.period == chart_export.period_words(period)
    assert (
        caption.comparison == f"vs previous period {chart_export.period_words(period.previous())}"
    )
    assert " · times in Europe/Berlin · fetched " in caption.source  # when the API answered
    # On screen the legend already names the periods by date.
    names = {trace.name for trace in figure.data}
    assert names == set(chart_export.legend_names(period, period.previous()))
    slide = slide_figure(figure, caption)  # what the click renders
    assert "Total views by day" in slide.layout.title.text
    assert slide.layout.title.subtitle.text == f"{caption.period} · {caption.comparison}"
