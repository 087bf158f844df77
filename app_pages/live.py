"""Live now: the channels on air this minute with their viewers, one channel up close, or the
last broadcast when nothing is on air; the live part refreshes itself."""

from analytics.dashboard.context import page_context
from analytics.dashboard.panels import live

context = page_context("Live now", "Channels on air and their viewers, minute by minute.")


@live.every_refresh(context)
def live_now() -> None:
    figures = live.load(context)
    if figures is None:
        return
    live.freshness(context, figures)
    if figures.channels:
        live.channels_on_air(context, figures)
        channel = live.choose(figures)
        live.channel_now(context, figures, channel)
    else:
        live.nothing_on_air(context, figures)


live_now()
