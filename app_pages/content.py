"""Content: which channels and videos did best in this period, by title, against the previous
period; or, with `?id=`, how one of them did."""

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
    data_caption(data, context.tz)
