"""Content: which channels and videos did best in this period, by title, against the previous
period; or, with `?id=`, how one of them did: its figures, a live channel's event card, views and
watch time over time, the minutes around its peak, a video's audience retention, its countries
and devices."""

from analytics.dashboard.context import page_context
from analytics.dashboard.panels import content, one_content
from analytics.dashboard.ui import data_caption

context = page_context("Content", "Your channels and videos ranked by watch time or peak viewers.")
focus = one_content.chosen(context)

if focus is None:
    loaded = content.load(context)
    choice = content.choose(loaded)
    ranking = content.rank(context, loaded, choice)
    content.show(context, ranking)
    data_caption(ranking.batch, context.tz)
else:
    one_content.header(focus)
    data = one_content.load(context, focus)
    one_content.kpis(context, focus, data)
    data = one_content.load_around_peak(context, focus, data)
    if focus.is_live:
        one_content.live_event(context, focus, data)
    one_content.over_time(context, focus, data)
    one_content.peak_minutes(context, focus, data)
    if not focus.is_live:
        one_content.retention_panel(context, focus, data)
    one_content.audience(context, focus, data)
    data_caption(data, context.tz)
