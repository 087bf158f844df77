"""Plotly figures as PNG, rendered by kaleido in headless Chromium (Debian's `chromium`).

One place for it: the dashboard's chart downloads and the e-mail digest (`analytics.reports`)
both render here. A Chromium start costs about a second, each further figure in the same session
a fraction of one, so `render_pngs` renders a batch in one session, and `slide_png` (one chart,
on a user's click) keeps its recent answers and lets only a few renders run at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import struct
import threading
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

import plotly.graph_objects as go

from analytics.dashboard.chart_export import (
    SLIDE_SCALE,
    SLIDE_WIDTH,
    ChartCaption,
    slide_figure,
)

RENDER_TIMEOUT = 120.0
DEFAULT_HEIGHT = 360
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Maps draw the world outline the app serves (static/topojson), not Plotly's CDN: no network.
MAP_DATA = Path(__file__).resolve().parents[2] / "static" / "topojson"
_CACHED_IMAGES = 32  # a few MB: a slide PNG is 100-400 kB
_CONCURRENT_RENDERS = 2  # each one is a Chromium process

_cache: OrderedDict[str, bytes] = OrderedDict()
_cache_lock = threading.Lock()
_renders = threading.BoundedSemaphore(_CONCURRENT_RENDERS)


def render_pngs(
    figures: Mapping[str, go.Figure], *, width: int = SLIDE_WIDTH, scale: int = SLIDE_SCALE
) -> dict[str, bytes]:
    """Every figure as PNG (its layout's size, else `width` x DEFAULT_HEIGHT, times `scale`),
    all in one kaleido session.

    RuntimeError when Chromium cannot be started or a figure fails (the message says why).
    """
    if not figures:
        return {}
    import kaleido  # imported on first use: it is only needed when an image is asked for

    async def render() -> dict[str, bytes]:
        images: dict[str, bytes] = {}
        async with kaleido.Kaleido(n=1, timeout=RENDER_TIMEOUT) as session:
            for name, figure in figures.items():
                layout = figure.layout
                options = {
                    "format": "png",
                    "width": layout.width or width,
                    "height": layout.height or DEFAULT_HEIGHT,
                    "scale": scale,
                }
                images[name] = await session.calc_fig(
                    figure, opts=options, topojson=MAP_DATA.as_uri() + "/"
                )
        return images

    try:
        return asyncio.run(render())
    except Exception as exc:  # kaleido/choreographer raise their own types
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise RuntimeError(f"cannot render the charts (headless Chromium): {message}") from exc


def slide_png(figure: go.Figure, caption: ChartCaption) -> bytes:
    """The chart as a slide-ready PNG (see `chart_export.slide_figure`), cached by content."""
    slide = slide_figure(figure, caption)
    key = hashlib.sha256(slide.to_json().encode("utf-8")).hexdigest()
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    with _renders:
        image = render_pngs({"slide": slide})["slide"]
    with _cache_lock:
        _cache[key] = image
        while len(_cache) > _CACHED_IMAGES:
            _cache.popitem(last=False)
    return image


def png_size(image: bytes) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's header; ValueError when it is not a PNG."""
    if len(image) < 24 or not image.startswith(PNG_SIGNATURE) or image[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", image[16:24])
    return width, height
