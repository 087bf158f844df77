"""Viewer lookup: find signed-in viewers by part of their identifier, then see one viewer's
totals and the timeline of what they watched.

Identifiers are personal data: they never go into the URL, and this page is only registered for
analysts and admins (see navigation.py).
"""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from analytics.api import ViewersQuery
from analytics.dashboard import charts, tables
from analytics.dashboard.context import PageContext
from analytics.dashboard.downloads import Cell, Column, spreadsheet
from analytics.dashboard.service import FirstPage, Outcome, fetch_one
from analytics.dashboard.ui import (
    chart,
    download,
    empty_state,
    fetched_at,
    show_error,
    time_column,
    titles_or_ids,
)

PAGE = "viewer-lookup"
MIN_SEARCH_LENGTH = 3
_SEARCH = "viewer_lookup_search"
_SEARCH_BOX = "viewer_lookup_box"
MATCH_COLUMNS = (
    Column("viewer_identifier", "Viewer identifier"),
    Column("videos_watched", "Contents watched"),
    Column("last_activity", "Last activity", Cell.SECOND),
)
# One viewer's segments as the Segments table shows them, then what only the API's rows hold.
SEGMENT_COLUMNS = (
    Column("started_at", "Started", Cell.SECOND),
    Column("finished_at", "Finished", Cell.SECOND),
    Column("title", "Title"),
    Column("content_type", "Content type"),
    Column("content_id", "Content ID"),
    Column("view_session_id", "View session"),
    Column("country", "Country"),
    Column("city", "City"),
    Column("device", "Device"),
    Column("browser", "Browser"),
    Column("os", "OS"),
    Column("view_type", "View source"),
    Column("from", "From (s)"),
    Column("to", "To (s)"),
    Column("is_mobile_view", "Mobile view"),
    Column("viewer_identifier", "Viewer identifier"),
    Column("id", "Segment ID"),
    Column("client_id", "Client ID"),
)


def search_box() -> str | None:
    """The search form; returns the submitted text (kept for the session, not in the URL)."""
    with st.form("viewer-search", border=False):
        left, right = st.columns([5, 1], vertical_alignment="bottom")
        with left:
            text = st.text_input(
                "Viewer identifier contains",
                key=_SEARCH_BOX,  # user state: forgotten at logout (auth.USER_STATE_PREFIXES)
                placeholder="e.g. anna or @example.com",
                help="Matches signed-in viewers whose identifier contains this text "
                "(case-insensitive).",
            )
        with right:
            submitted = st.form_submit_button("Search", icon=":material/search:", width="stretch")
    if submitted:
        st.session_state[_SEARCH] = text.strip()
    search = st.session_state.get(_SEARCH, "")
    if not search:
        st.caption("Search by part of an identifier (for example an e-mail domain).")
        return None
    if len(search) < MIN_SEARCH_LENGTH:
        st.warning(f"Type at least {MIN_SEARCH_LENGTH} characters to search.")
        return None
    return search


def _viewers_query(context: PageContext, identifier: str) -> ViewersQuery:
    return ViewersQuery(
        context.period.time_range,
        content_type=context.filters.content_type,
        content_ids=context.filters.scope_ids,
        viewer_identifier=identifier,
        tz=context.tz,
    )


def find_matches(context: PageContext, search: str) -> pd.DataFrame | None:
    """The matching viewers (first page), most recently active first; None after an error."""
    with st.spinner("Searching viewers…"):
        outcome = fetch_one(
            "matches", lambda: FirstPage(_viewers_query(context, search)), context.client
        )
    if show_error(outcome, "the matching viewers"):
        return None
    matches = outcome.result.frame.sort_values("last_activity", ascending=False, ignore_index=True)
    total = outcome.result.total_count
    if matches.empty:
        empty_state(
            f"No signed-in viewer with “{search}” in their identifier watched in this period."
        )
        return matches
    shown = f"{len(matches):,} of {total:,}" if total > len(matches) else f"{total:,}"
    st.caption(
        f"{shown} matching viewers"
        + (" (refine the search to see the rest)" if total > len(matches) else "")
    )
    st.dataframe(
        matches,
        hide_index=True,
        column_config={
            "viewer_identifier": st.column_config.TextColumn("Viewer identifier"),
            "videos_watched": st.column_config.NumberColumn("Contents watched", format="localized"),
            "last_activity": time_column("Last activity"),
        },
        width="stretch",
        height=min(300, 38 + 35 * len(matches)),
    )
    download(
        spreadsheet(matches, MATCH_COLUMNS),
        page=PAGE,
        what="matches",
        period=context.period,
        key="download-matches",
    )
    return matches


def choose_viewer(matches: pd.DataFrame, search: str) -> str | None:
    """Pick one of the matches (the most recently active first)."""
    options = matches["viewer_identifier"].tolist()
    if not options:
        return None
    # One widget per search, so a new search starts from its own first match.
    return st.selectbox("Viewer", options, key=f"viewer-choice:{search}")


def load_viewer(context: PageContext, identifier: str) -> Outcome:
    with st.spinner("Loading the viewer's history…"):
        return fetch_one("viewer", partial(_viewers_query, context, identifier), context.client)


def viewer_history(context: PageContext, identifier: str, outcome: Outcome) -> None:
    """Totals, the timeline of segments coloured by content, and the segments table."""
    if show_error(outcome, "the viewer's history"):
        return
    segments = outcome.result.segments
    # The API matches substrings: keep exactly this viewer's segments.
    segments = segments[segments["viewer_identifier"] == identifier].reset_index(drop=True)
    if segments.empty:
        empty_state("Nothing watched by this viewer in this period.")
        return
    totals = tables.viewer_totals(segments)
    columns = st.columns(5)
    figures = [
        ("Views", f"{totals.views:,}", "Distinct playback sessions."),
        (
            "Watch time",
            tables.format_duration(totals.watch_time),
            "Sum of the durations of finished plays (the API's view segments).",
        ),
        ("Contents", f"{totals.contents:,}", "Distinct live channels and videos."),
        ("Countries", f"{totals.countries:,}", None),
        ("Devices", f"{totals.devices:,}", "Distinct device families."),
    ]
    for column, (label, value, help_text) in zip(columns, figures, strict=True):
        with column:
            st.metric(label, value, help=help_text, border=True)
    if totals.unfinished_segments:
        st.caption(
            f"{totals.unfinished_segments} play(s) still running: drawn up to now, "
            "not counted in the watch time."
        )

    st.subheader("Timeline")
    timeline = tables.timeline_frame(
        segments, until=context.now, labels=titles_or_ids(context.catalogue())
    )
    chart(
        charts.viewer_timeline(timeline),
        key="viewer-timeline",
        title="One viewer's timeline",
        fetched=fetched_at(outcome),
    )

    st.subheader(
        "Plays",
        help="One row per stretch of watching without a pause or a jump (the API's view segments).",
    )
    table = timeline[
        [
            "started_at",
            "finished_at",
            "content",
            "content_type",
            "content_id",
            "view_session_id",
            "country",
            "city",
            "device",
            "browser",
            "os",
            "view_type",
            "from",
            "to",
        ]
    ]
    st.dataframe(
        table.assign(content_id=table["content_id"].astype("str")),
        hide_index=True,
        column_config={
            "started_at": time_column("Started"),
            "finished_at": time_column("Finished"),
            "content": st.column_config.TextColumn("Content"),
            "content_type": st.column_config.TextColumn("Type"),
            "content_id": st.column_config.TextColumn("Id"),
            "view_session_id": st.column_config.TextColumn("View session"),
            "country": st.column_config.TextColumn("Country"),
            "city": st.column_config.TextColumn("City"),
            "device": st.column_config.TextColumn("Device"),
            "browser": st.column_config.TextColumn("Browser"),
            "os": st.column_config.TextColumn("OS"),
            "view_type": st.column_config.TextColumn("View source"),
            "from": st.column_config.NumberColumn("From (s)", format="localized"),
            "to": st.column_config.NumberColumn("To (s)", format="localized"),
        },
        width="stretch",
    )
    download(
        spreadsheet(context.catalogue().with_titles(timeline), SEGMENT_COLUMNS),
        page=PAGE,
        what="segments",
        period=context.period,
        key="download-segments",
    )
