"""Breakdowns: one metric by time, country, device or view source, against the previous period."""

from analytics.dashboard.context import page_context
from analytics.dashboard.panels import breakdowns
from analytics.dashboard.ui import data_caption

context = page_context("Breakdowns", "Where, when and on what people watched.")
choice = breakdowns.limited(context, breakdowns.choose())
data = breakdowns.load(context, choice)

breakdowns.show(context, choice, data)

data_caption(data, context.tz)
