"""Overview: how did our streams do in this period, compared with the previous one?"""

from analytics.dashboard.context import page_context
from analytics.dashboard.panels import overview
from analytics.dashboard.ui import data_caption

context = page_context("Overview", "Headline numbers, views over time and the live/recorded split.")
data = overview.load(context)

overview.kpi_row(context, data)
overview.over_time(context, data)
overview.live_vs_recorded(context, data)

data_caption(data, context.tz)
