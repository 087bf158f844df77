"""What a page is about and for whom: the run's context, set by app.py and read by the page.

app.py opens the client, signs the user in and reads the sidebar once per run, then hands all of
it to the page here; pages and panels take everything from this context (the client included),
never from anywhere else.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import datetime

import streamlit as st

from analytics.api import AnalyticsClient, Catalogue
from analytics.dashboard.filters import ReportFilters
from analytics.dashboard.periods import Period, compare_label
from analytics.dashboard.service import wait_for_titles
from analytics.dashboard.share import share_bar
from analytics.dashboard.users import UserRecord

_CONTEXT = "dashboard_context"


@dataclass(frozen=True)
class PageContext:
    """What every page needs: who is looking, at what, with which client."""

    user: UserRecord
    filters: ReportFilters
    period: Period | None  # None when the custom range is unusable (the sidebar says why)
    client: AnalyticsClient
    now: datetime
    titles: Future[Catalogue] | None = None  # the catalogue, being read beside the page's calls
    page_title: str | None = None  # set by page_context(): names chart images and their files

    @property
    def tz(self) -> str:
        return self.filters.tz

    @property
    def previous(self) -> Period | None:
        if self.period is None or not self.filters.compare:
            return None
        return self.period.previous()

    def catalogue(self) -> Catalogue:
        """The account's channels and videos with their titles (the client keeps it for hours;
        empty, with the reason, when the Channel API cannot be used)."""
        return wait_for_titles(self.titles) if self.titles is not None else self.client.catalogue()

    @property
    def compare_label(self) -> str:
        """How KPI tiles name the comparison: "vs last week", "vs same period last year"."""
        return compare_label(self.filters.preset, self.filters.comparison)


def current_compare_label() -> str | None:
    """This run's comparison words, or None outside a page run (no context set)."""
    context: PageContext | None = st.session_state.get(_CONTEXT)
    return context.compare_label if context is not None else None


def current_context() -> PageContext | None:
    """This run's context (with the page's title once page_context() ran), None outside one."""
    return st.session_state.get(_CONTEXT)


def set_page_context(context: PageContext) -> None:
    """Hand this run's context to the page app.py is about to run."""
    st.session_state[_CONTEXT] = context


def page_context(title: str, caption: str | None = None) -> PageContext:
    """The page's title and context; stops with a message when there is no usable period.

    Under the title: "Copy link" (the page's URL, filters included) and "Print".
    """
    st.title(title)
    if caption:
        st.caption(caption)
    context: PageContext | None = st.session_state.get(_CONTEXT)
    if context is None:  # pragma: no cover - app.py always sets it before running a page
        st.error("Open the dashboard from its start page.")
        st.stop()
    context = replace(context, page_title=title)
    st.session_state[_CONTEXT] = context
    share_bar()
    if context.period is None:
        st.info("Choose a valid date range in the sidebar.", icon=":material/date_range:")
        st.stop()
    return context
