"""Views export: the raw view segments of the period, previewed, then downloaded whole as CSV.

The full export is fetched page by page with a progress bar; for very large exports the page
points to the CLI, which streams to a file in constant memory.
"""

from __future__ import annotations

import logging
import shlex

import streamlit as st

from analytics.api import AnalyticsClient, ApiError, ViewsQuery
from analytics.dashboard import downloads
from analytics.dashboard.context import PageContext
from analytics.dashboard.filters import url_flag
from analytics.dashboard.service import (
    FirstPage,
    error_message,
    fetch_one,
    fetch_views_with_progress,
)
from analytics.dashboard.text import plain
from analytics.dashboard.ui import empty_state, show_error, time_column

log = logging.getLogger(__name__)

PAGE = "views-export"
PREVIEW_ROWS = 100
# Above this many segments the browser download is refused: the CLI streams them instead.
MAX_BROWSER_EXPORT_ROWS = 250_000
_PREPARED = "views_export_prepared"


def options() -> tuple[bool, bool]:
    """The two /views flags, mirrored in the URL."""
    left, right = st.columns(2)
    with left:
        unfinished = url_flag(
            "Include plays still running",
            param="unfinished",
            default=True,
            help="A play is one stretch of watching without a pause or a jump (the API's view "
            "segment). Plays still running have no finish time yet (list_unfinished_segments).",
        )
    with right:
        inclusive = url_flag(
            "Include plays that cross the range's edges",
            param="inclusive",
            default=True,
            help="On: plays that start or finish in the range. Off: only plays that start and "
            "finish inside it (inclusive_range).",
        )
    return unfinished, inclusive


def views_query(context: PageContext, unfinished: bool, inclusive: bool) -> ViewsQuery:
    return ViewsQuery(
        context.period.time_range,
        content_type=context.filters.content_type,
        content_ids=context.filters.scope_ids,
        list_unfinished_segments=unfinished,
        inclusive_range=inclusive,
        tz=context.tz,
    )


def preview(context: PageContext, unfinished: bool, inclusive: bool) -> int | None:
    """The first rows and the total count; returns the count (None after an error)."""
    with st.spinner("Loading the first rows…"):
        outcome = fetch_one(
            "preview",
            lambda: FirstPage(views_query(context, unfinished, inclusive)),
            context.client,
        )
    if show_error(outcome, "the views"):
        return None
    total = outcome.result.total_count
    if total == 0:
        empty_state("No plays match these filters in this period.")
        return 0
    st.markdown(
        f"**{total:,}** plays (the API's view segments) match. "
        f"The first {min(total, PREVIEW_ROWS):,}:"
    )
    st.dataframe(
        outcome.result.frame.head(PREVIEW_ROWS),
        hide_index=True,
        column_config={
            "started_at": time_column("Started"),
            "finished_at": time_column("Finished"),
            "content_id": st.column_config.NumberColumn("content_id", format="plain"),
        },
        width="stretch",
        height=360,
    )
    return total


def cli_command(context: PageContext, unfinished: bool, inclusive: bool) -> str:
    """The `python -m analytics fetch views` command for the same export."""
    period = context.period
    args = [
        "python",
        "-m",
        "analytics",
        "fetch",
        "views",
        "--from",
        period.start.isoformat(timespec="minutes"),
        "--to",
        period.end.isoformat(timespec="minutes"),
        "--tz",
        context.tz,
    ]
    if context.filters.content_type is not None:
        args += ["--content-type", context.filters.content_type.value]
        for content_id in context.filters.content_ids:
            args += ["--content-id", str(content_id)]
        if not context.filters.content_ids and context.filters.channel_id is not None:
            args += ["--channel-id", str(context.filters.channel_id)]  # the channel's videos
    if not unfinished:
        args.append("--no-list-unfinished-segments")
    if not inclusive:
        args.append("--no-inclusive-range")
    args += ["--output", downloads.file_name(PAGE, "segments", period)]
    return shlex.join(args)


def full_download(context: PageContext, unfinished: bool, inclusive: bool, total: int) -> None:
    """Fetch every page with a progress bar, then offer the CSV."""
    st.subheader("Download everything")
    command = cli_command(context, unfinished, inclusive)
    if total > MAX_BROWSER_EXPORT_ROWS:
        st.warning(
            f"{total:,} plays are too many for a browser download (the limit is "
            f"{MAX_BROWSER_EXPORT_ROWS:,}). Export them with the command line, which writes "
            "them to a file page by page:",
            icon=":material/terminal:",
        )
        st.code(command, language="bash")
        return
    query = views_query(context, unfinished, inclusive)
    prepared = st.session_state.get(_PREPARED)
    if prepared is not None and prepared[0] != repr(query):
        del st.session_state[_PREPARED]  # made for other filters: free the memory
        prepared = None
    if prepared is None and st.button(
        f"Prepare the CSV of all {total:,} plays", icon=":material/table_view:"
    ):
        made = _prepare(query, context.client)
        if made is not None:
            prepared = st.session_state[_PREPARED] = (repr(query), *made)
    if prepared is not None:
        _, data, rows = prepared
        st.download_button(
            f"Download CSV ({rows:,} plays)",
            data=data,
            file_name=downloads.file_name(PAGE, "segments", context.period),
            mime="text/csv",
            icon=":material/download:",
            type="primary",
            on_click="ignore",
            key="download-views-export",
        )
    with st.expander("Very large exports: use the command line"):
        st.caption("Same filters, streamed to a file in constant memory:")
        st.code(command, language="bash")


def _prepare(query: ViewsQuery, client: AnalyticsClient) -> tuple[bytes, int] | None:
    bar = st.progress(0.0, text="Fetching page 1…")

    def on_progress(done: int, pages: int) -> None:
        bar.progress(done / max(pages, 1), text=f"Fetched page {done:,} of {pages:,}")

    try:
        result = fetch_views_with_progress(query, on_progress, client)
    except (ApiError, ValueError) as error:
        bar.empty()
        st.error(f"The export failed: {plain(error_message(error))}", icon=":material/error:")
        return None
    except Exception:
        bar.empty()
        log.exception("The views export failed")
        st.error(f"The export failed: {error_message(RuntimeError())}", icon=":material/error:")
        return None
    bar.progress(1.0, text=f"Fetched {len(result.frame):,} plays; writing the CSV…")
    # The API's columns, plus `title` beside content_id (like the CLI's --with-titles).
    data = downloads.csv_bytes(client.catalogue().with_titles(result.frame))
    bar.empty()
    return data, len(result.frame)
