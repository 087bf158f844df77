"""Load suite: its own demo API (fresh request counters) behind one dashboard process."""

from tests.support.browser import chromium_browser  # noqa: F401 (the browser fixture)
