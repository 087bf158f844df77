"""Peak viewers: how many watched at the same time, per content, and when the peak was."""

from analytics.dashboard.context import page_context
from analytics.dashboard.panels import peak_viewers
from analytics.dashboard.ui import data_caption

context = page_context("Peak viewers", "Concurrent viewers per content, top contents drawn.")
granularity, top = peak_viewers.choose(context.period)
data = peak_viewers.load(context, granularity)

peak_viewers.headline(context, granularity, data)
peak_viewers.show(context, granularity, top, data)

data_caption(data, context.tz)
