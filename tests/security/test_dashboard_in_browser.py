"""Attacks on the dashboard that need a real browser (headless Chromium, `streamlit run`):
markdown in link parameters, a login cookie copied before logout, malformed login cookies.

The package's `browser` fixture comes from this folder's conftest.py (a package-scoped fixture
must be registered there to be closed when the package ends: one sync Playwright at a time).
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import jwt
import pytest

from tests.support.browser import (
    assert_no_traceback,
    new_context,
    open_as,
    open_signed_out,
    wait_until_settled,
)
from tests.support.dashboard import COOKIE_KEY, VIEWER, page_url, served_dashboard

pytestmark = pytest.mark.browser

COOKIE = "ibm_video_analytics_login"
EVIL = {"type": "[Session expired](http://evil)", "range": "![i](http://evil/x)", "tz": "UTC"}


def assert_no_evil_markup(html: str) -> None:
    assert '<a href="http://evil' not in html
    assert '<img src="http://evil' not in html


@pytest.fixture
def app_url(start_demo, tmp_path: Path):
    with served_dashboard(start_demo(), tmp_path, [VIEWER], "security-cookie") as url:
        yield url


def login_form_shown(page) -> bool:
    return page.get_by_label("Username", exact=True).count() > 0


def open_with_cookie(browser, url: str, value: str):
    context = new_context(browser)
    context.add_cookies([{"name": COOKIE, "value": value, "url": url}])
    page = context.new_page()
    page.goto(url)
    wait_until_settled(page)
    return context, page


@pytest.mark.browser
def test_a_cookie_copied_before_logout_no_longer_signs_in(browser, app_url):
    first = new_context(browser)
    page = first.new_page()
    open_as(page, page_url(app_url), VIEWER.username, VIEWER.password)
    copied = next(c["value"] for c in first.cookies() if c["name"] == COOKIE)
    # The copy works while the user is signed in...
    other, stolen = open_with_cookie(browser, app_url, copied)
    stolen.get_by_test_id("stSidebar").get_by_role("button", name="Log out").wait_for()
    other.close()
    # ...and not after they logged out.
    page.get_by_test_id("stSidebar").get_by_role("button", name="Log out").click()
    page.get_by_label("Username", exact=True).wait_for()
    first.close()
    other, stolen = open_with_cookie(browser, app_url, copied)
    try:
        stolen.get_by_label("Username", exact=True).wait_for()
        assert stolen.get_by_role("button", name="Log out").count() == 0
    finally:
        other.close()


def _unsigned(payload: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(payload)}."


@pytest.mark.browser
def test_malformed_login_cookies_mean_not_signed_in(browser, app_url):
    payload = {"username": VIEWER.username, "exp_date": time.time() + 86_400}
    for value in (
        _unsigned(payload),
        jwt.encode(payload, COOKIE_KEY, algorithm="HS512"),
        "not-a-jwt",
    ):
        context, page = open_with_cookie(browser, app_url, value)
        try:
            page.get_by_label("Username", exact=True).wait_for()
            assert_no_traceback(page)
        finally:
            context.close()


@pytest.mark.browser
def test_link_parameters_show_as_text_in_the_toast(browser, app_url):
    url = app_url
    context = new_context(browser)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        open_signed_out(page, page_url(url, "", **EVIL))
        page.get_by_label("Username", exact=True).fill(VIEWER.username)
        page.get_by_label("Password", exact=True).fill(VIEWER.password)
        page.get_by_role("button", name="Sign in").click()
        # The toast shows for a while after sign-in: read the page until it is there.
        toast = page.get_by_test_id("stToast").filter(has_text="Session expired")
        toast.first.wait_for()
        assert "[Session expired](http://evil)" in toast.first.inner_text()
        assert_no_evil_markup(page.content())
        assert not [u for u in requested if u.startswith("http://evil")]
    finally:
        context.close()
