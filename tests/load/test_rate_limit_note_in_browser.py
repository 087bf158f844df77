"""In the browser: while the overview's calls wait for the API's rate limit, the page says
"Waiting for the API's rate limit (N s)…"; then the numbers come, and the data caption says
how long the page waited (issue 10, item 4).

The dashboard is `streamlit run app.py` against a demo API that allows 4 requests per 15 s, so
the overview's dozen requests cannot all go at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.support.browser import (
    assert_no_error_shown,
    new_context,
    open_signed_out,
    wait_until_settled,
)
from tests.support.dashboard import Account, served_dashboard

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ACCOUNT = Account("rita", "rita-ratelimit-pw", "viewer")


@pytest.fixture
def app_url(start_demo, tmp_path) -> Iterator[str]:
    server = start_demo(segments=5_000, days=40, rate_limit="4/15")
    with served_dashboard(server, tmp_path, [ACCOUNT], "load-rate-limit-note") as url:
        yield url


def test_the_overview_says_it_waits_for_the_rate_limit(browser: Browser, app_url: str) -> None:
    context = new_context(browser, timezone="UTC")
    try:
        page = context.new_page()
        open_signed_out(page, f"{app_url}/?range=last-7-days")
        page.get_by_label("Username", exact=True).fill(ACCOUNT.username)
        page.get_by_label("Password", exact=True).fill(ACCOUNT.password)
        page.get_by_role("button", name="Sign in").click()
        note = page.get_by_text(re.compile(r"Waiting for the API's rate limit \(\d+ s\)…"))
        expect(note.first).to_be_visible(timeout=60_000)
        caption = page.get_by_text(re.compile(r"waited \d+ s for the API's rate limit"))
        expect(caption.first).to_be_visible(timeout=180_000)
        wait_until_settled(page, timeout_ms=180_000)
        expect(note).to_have_count(0)  # gone once the answers are there
        assert_no_error_shown(page)
    finally:
        context.close()
