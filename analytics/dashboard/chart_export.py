"""A chart laid out for a slide: its title, period, comparison and data source written on it.

A dashboard chart has no title of its own (the page's heading says what it is) and its legend
may say "This period"; an image taken out of the page needs both in the picture. `slide_figure`
copies the figure and lays it out at a fixed size; rendering it is `chart_images`' job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

import plotly.graph_objects as go

from analytics.dashboard.periods import Comparison, Period
from analytics.dashboard.text import hover_safe

SLIDE_WIDTH = 1200
SLIDE_HEIGHT = 675  # 16:9; rendered at scale 2 (2400 x 1350 pixels)
SLIDE_SCALE = 2
CURRENT_NAME = "This period"  # what the on-screen charts call the periods without dates
PREVIOUS_NAME = "Previous period"
API_SOURCE = "Source: IBM Video Streaming Analytics API"
DEMO_SOURCE = "Demo data (built-in demo Analytics API)"
_MUTED = "#525252"
_FONT = dict(family="IBM Plex Sans, Source Sans Pro, Helvetica, Arial, sans-serif", size=15)


# --- words -------------------------------------------------------------------------------------


def day_span(first: date, last: date, *, year: bool = True) -> str:
    """ "1–30 Nov 2026", "30 Nov – 6 Dec 2026", "29 Dec 2025 – 4 Jan 2026", "2 Dec 2026"."""
    tail = f" {last:%Y}" if year else ""
    if first == last:
        return f"{first.day} {first:%b}{tail}"
    if first.year != last.year:
        return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
    if first.month != last.month:
        return f"{first.day} {first:%b} – {last.day} {last:%b}{tail}"
    return f"{first.day}–{last.day} {last:%b}{tail}"


def period_words(period: Period) -> str:
    """The period in words: "1–30 Nov 2026"; a period ending mid-day ("today", "this month"
    so far) with its times: "1 Dec 00:00 – 2 Dec 2026 11:10"."""
    first, last = period.start.date(), period.last_day
    if period.start.time() == time(0) and period.end.time() == time(0):
        return day_span(first, last)
    end = period.end.astimezone(period.tz)
    if first == end.date():
        return f"{first.day} {first:%b %Y}, {period.start:%H:%M}–{end:%H:%M}"
    return f"{first.day} {first:%b} {period.start:%H:%M} – {end.day} {end:%b %Y} {end:%H:%M}"


def legend_names(period: Period, previous: Period | None) -> tuple[str, str]:
    """What a legend calls the two periods: ("1–30 Nov", "2–31 Oct"); with the years when
    they differ ("1–30 Nov 2026", "1–30 Nov 2025"). Without a comparison, the generic second."""
    spans = [(period.start.date(), period.last_day)]
    if previous is not None:
        spans.append((previous.start.date(), previous.last_day))
    one_year = len({day.year for span in spans for day in span}) == 1
    names = [day_span(first, last, year=not one_year) for first, last in spans]
    return names[0], names[1] if len(names) > 1 else PREVIOUS_NAME


def comparison_words(comparison: Comparison, previous: Period | None) -> str:
    """ "vs previous period 2–31 Oct 2026", "vs same period last year (1–30 Nov 2025)", or ""."""
    if previous is None or comparison is Comparison.OFF:
        return ""
    if comparison is Comparison.YEAR:
        return f"vs same period last year ({period_words(previous)})"
    return f"vs previous period {period_words(previous)}"


def source_words(*, is_demo: bool, tz: str, fetched: datetime | None = None) -> str:
    """The footer: where the numbers came from, the time zone, when they were fetched."""
    parts = [DEMO_SOURCE if is_demo else API_SOURCE, f"times in {tz}"]
    if fetched is not None:
        parts.append(f"fetched {fetched.day} {fetched:%b %Y %H:%M}")
    return " · ".join(parts)


# --- the slide ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartCaption:
    """What an exported chart says about itself, all in words."""

    title: str  # "Total views"
    period: str  # "1–30 Nov 2026"
    comparison: str  # "vs previous period 2–31 Oct 2026", or "" without one
    source: str  # "Source: IBM Video Streaming Analytics API · times in Europe/Berlin"
    current_name: str = CURRENT_NAME  # the legend's name for this period ("1–30 Nov")
    previous_name: str = PREVIOUS_NAME

    @property
    def subtitle(self) -> str:
        return " · ".join(part for part in (self.period, self.comparison) if part)


def caption_for(
    title: str,
    period: Period,
    *,
    comparison: Comparison,
    previous: Period | None,
    tz: str,
    is_demo: bool,
    fetched: datetime | None = None,
) -> ChartCaption:
    """The caption of a chart of `period` compared (or not) with `previous`."""
    current_name, previous_name = legend_names(period, previous)
    return ChartCaption(
        title=title,
        period=period_words(period),
        comparison=comparison_words(comparison, previous),
        source=source_words(is_demo=is_demo, tz=tz, fetched=fetched),
        current_name=current_name,
        previous_name=previous_name,
    )


def slide_figure(
    figure: go.Figure,
    caption: ChartCaption,
    *,
    width: int = SLIDE_WIDTH,
    height: int = SLIDE_HEIGHT,
) -> go.Figure:
    """A copy of `figure` laid out for a slide: title and subtitle (period, comparison) on top,
    the legend under them, the data source at the bottom, periods named by their dates."""
    slide = go.Figure(figure)
    names = {CURRENT_NAME: caption.current_name, PREVIOUS_NAME: caption.previous_name}
    for trace in slide.data:
        if trace.name in names:
            trace.name = names[trace.name]
    legend = slide.layout.showlegend is not False and _has_legend(slide)
    is_map = any(trace.type == "choropleth" for trace in slide.data)
    top = 128 if legend else 96
    bottom = 140 if is_map else 112
    slide.update_layout(
        width=width,
        height=max(height, (figure.layout.height or 0) + top + bottom - 44),
        font=_FONT,
        margin=dict(l=24, r=32, t=top, b=bottom, autoexpand=True),
        title=dict(
            text=f"<b>{hover_safe(caption.title)}</b>",
            subtitle=dict(text=hover_safe(caption.subtitle), font=dict(size=16, color=_MUTED)),
            font=dict(size=26),
            x=0,
            xref="paper",
            xanchor="left",
            y=1,
            yref="container",
            yanchor="top",
            pad=dict(t=20),
        ),
        legend=dict(
            orientation="h",
            x=0,
            xanchor="left",
            y=1.02,
            yref="paper",
            yanchor="bottom",
            title=None,
            font=dict(size=15),
        ),
    )
    if is_map:  # the whole world, however wide the slide (Plotly would crop the sides)
        slide.update_geos(lonaxis_range=[-180, 180], lataxis_range=[-58, 85])
    slide.add_annotation(
        text=hover_safe(caption.source),
        xref="paper",
        x=0,
        xanchor="left",
        yref="paper",
        y=0,
        yanchor="top",
        yshift=-(bottom - 34),
        showarrow=False,
        align="left",
        font=dict(size=13, color=_MUTED),
    )
    return slide


def _has_legend(figure: go.Figure) -> bool:
    """Whether Plotly draws a legend: more than one trace shown in it (Plotly's default)."""
    shown = [trace for trace in figure.data if trace.showlegend is not False]
    return len(shown) > 1 or any(trace.showlegend for trace in shown)
