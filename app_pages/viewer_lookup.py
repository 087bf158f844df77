"""Viewer lookup: find a signed-in viewer and see what they watched, when and where."""

from analytics.dashboard.context import page_context
from analytics.dashboard.panels import viewer_lookup

context = page_context("Viewer lookup", "One viewer's history in the selected period.")
search = viewer_lookup.search_box()

if search:
    matches = viewer_lookup.find_matches(context, search)
    if matches is not None and not matches.empty:
        viewer = viewer_lookup.choose_viewer(matches, search)
        if viewer:
            history = viewer_lookup.load_viewer(context, viewer)
            viewer_lookup.viewer_history(context, viewer, history)
