"""Shared-cache suite: a real redis-server started by the tests, several dashboard processes."""

from tests.support.browser import chromium_browser  # noqa: F401 (the browser fixture)
