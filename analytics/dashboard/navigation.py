"""The dashboard's pages and which roles get them.

Pages showing viewer identifiers are registered only for analysts and admins; for everyone else
their URLs lead to a hidden "not available" page, so the page script itself is never reachable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from analytics.dashboard.ui import not_available
from analytics.dashboard.users import UserRecord


@dataclass(frozen=True)
class PageSpec:
    script: str
    title: str
    icon: str
    url_path: str
    personal_data: bool = False
    compared: bool = True  # whether the page compares with another period (the sidebar's choice)


PAGES = (
    PageSpec("app_pages/overview.py", "Overview", ":material/dashboard:", "overview"),
    PageSpec("app_pages/breakdowns.py", "Breakdowns", ":material/bar_chart:", "breakdowns"),
    PageSpec("app_pages/peak_viewers.py", "Peak viewers", ":material/groups:", "peak-viewers"),
    PageSpec("app_pages/content.py", "Content", ":material/video_library:", "content"),
    PageSpec("app_pages/live.py", "Live now", ":material/sensors:", "live", compared=False),
    PageSpec(
        "app_pages/viewer_lookup.py",
        "Viewer lookup",
        ":material/person_search:",
        "viewer-lookup",
        personal_data=True,
        compared=False,
    ),
    PageSpec(
        "app_pages/views_export.py",
        "Views export",
        ":material/table_view:",
        "views-export",
        personal_data=True,
        compared=False,
    ),
)


def pages_for(user: UserRecord) -> list[st.Page]:
    """The navigation of `user`: every page they may see, the overview first (the default,
    served at / and also reachable at /overview)."""
    pages = []
    for index, spec in enumerate(PAGES):
        if spec.personal_data and not user.can_see_personal_data:
            pages.append(
                st.Page(
                    _not_available_page(spec),
                    title=spec.title,
                    icon=":material/lock:",
                    url_path=spec.url_path,
                    visibility="hidden",
                )
            )
            continue
        default = index == 0
        page = st.Page(
            spec.script,
            title=spec.title,
            icon=spec.icon,
            url_path="" if default else spec.url_path,
            default=default,
        )
        pages.append(page)
        if default:
            pages.append(_alias(page, spec.url_path))
    return pages


def compares(page: st.Page) -> bool:
    """Whether `page` compares periods, so the sidebar offers "Compare with" only there."""
    path = page.url_path
    spec = next((spec for spec in PAGES if path in (spec.url_path, "")), None)
    return spec is None or spec.compared


def _alias(target: st.Page, url_path: str) -> st.Page:
    """A hidden page at /url_path that switches to `target`, the default page served at /
    (so a typed /overview finds the overview instead of "Page not found")."""

    def switch() -> None:
        st.switch_page(target, query_params=st.query_params.to_dict())

    switch.__name__ = f"{url_path.replace('-', '_')}_alias"
    return st.Page(switch, title=target.title, url_path=url_path, visibility="hidden")


def _not_available_page(spec: PageSpec) -> Callable[[], None]:
    def locked() -> None:
        not_available(spec.title)

    locked.__name__ = f"{spec.url_path.replace('-', '_')}_not_available"
    return locked
