"""Views export: the raw view segments of the period, previewed and downloadable as CSV."""

from analytics.dashboard.context import page_context
from analytics.dashboard.panels import views_export

context = page_context(
    "Views export", "Every play of the period (the API's view segments), as the API lists them."
)
unfinished, inclusive = views_export.options()
total = views_export.preview(context, unfinished, inclusive)

if total:
    views_export.full_download(context, unfinished, inclusive, total)
