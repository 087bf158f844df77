"""Sharing a view, on a desk and on a phone: "Copy link" puts the page's URL on the clipboard, a
chart's "PNG" is a slide-sized image named like the CSVs, Plotly's toolbar keeps off the legend,
and printing leaves out the sidebar and the buttons."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from analytics.dashboard.chart_images import png_size
from tests.support.browser import (
    PageErrors,
    new_context,
    open_signed_in,
    save_screenshot,
    wait_until_settled,
)
from tests.support.dashboard import FixedRange, page_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESK = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}
SLIDE_PIXELS = (2400, 1350)  # 1200 x 675 at scale 2
RENDER_TIMEOUT_MS = 120_000  # a cold headless Chromium for kaleido on a busy machine


@pytest.fixture(params=[DESK, PHONE], ids=["desk", "phone"])
def overview(
    request: pytest.FixtureRequest,
    browser: Browser,
    analyst_cookies: list,
    dashboard_url: str,
    fixed_range: FixedRange,
) -> Iterator[Page]:
    """The Overview of the fixed range, signed in as the analyst, clipboard allowed."""
    context = new_context(browser, timezone=fixed_range.tz, viewport=request.param)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=dashboard_url)
    context.add_cookies(analyst_cookies)
    page = context.new_page()
    errors = PageErrors(page)
    open_signed_in(page, page_url(dashboard_url, "", **fixed_range.params))
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    page.get_by_test_id("stPlotlyChart").first.wait_for()
    wait_until_settled(page)
    yield page
    context.close()
    assert not errors.messages, f"JavaScript errors in the page: {errors.messages}"


def test_copy_link_puts_the_pages_url_on_the_clipboard(overview: Page) -> None:
    copy = overview.get_by_role("button", name="Copy link")
    expect(copy).to_be_visible()
    copy.click()
    expect(overview.get_by_role("status")).to_have_text("Link copied")
    save_screenshot(overview, f"share-{overview.viewport_size['width']}")
    copied = overview.evaluate("() => navigator.clipboard.readText()")
    assert copied == overview.url
    assert "range=custom" in copied  # the view, not just the page
    assert "from=" in copied


def test_where_the_clipboard_is_refused_the_link_shows_selected_in_a_field(
    overview: Page,
) -> None:
    overview.evaluate(
        "() => { navigator.clipboard.writeText = () => Promise.reject(new Error('denied')); }"
    )
    overview.get_by_role("button", name="Copy link").click()
    expect(overview.get_by_role("status")).to_have_text("Copy this link:")
    field = overview.get_by_role("textbox", name="Link to this page")
    expect(field).to_have_value(overview.url)
    assert field.evaluate("(input) => input.selectionEnd - input.selectionStart") == len(
        overview.url
    )


def test_a_charts_png_is_a_slide_sized_image_named_like_the_csvs(
    overview: Page, fixed_range: FixedRange, tmp_path: Path
) -> None:
    button = _png_button(overview, "overview-total-views")
    button.scroll_into_view_if_needed()
    with overview.expect_download(timeout=RENDER_TIMEOUT_MS) as event:
        button.click()
    delivered = event.value
    first, last = fixed_range.first_day, fixed_range.last_day
    assert delivered.suggested_filename == f"overview_total-views_{first}_{last}.png"
    target = tmp_path / delivered.suggested_filename
    delivered.save_as(target)
    image = target.read_bytes()
    assert png_size(image) == SLIDE_PIXELS
    assert len(image) > 30_000  # drawn: a blank 2400 x 1350 PNG is a few kB


def test_plotlys_toolbar_does_not_cover_the_legend(overview: Page) -> None:
    chart = overview.get_by_test_id("stPlotlyChart").first
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box is not None
    chart.hover(position={"x": box["width"] - 12, "y": 6})  # the toolbar shows while hovered
    toolbar = chart.locator(".modebar")
    expect(toolbar).to_be_visible()
    legend = chart.locator(".infolayer > .legend")  # not the hover box's (hoverlayer) legend
    expect(legend).to_be_visible()
    assert "period" not in (legend.text_content() or "")  # the periods by date: "4–17 Nov"
    toolbar_box, legend_box = toolbar.bounding_box(), legend.bounding_box()
    plot_box = chart.locator(".nsewdrag").first.bounding_box()
    assert toolbar_box is not None
    assert legend_box is not None
    assert plot_box is not None
    assert not _overlap(toolbar_box, legend_box), (toolbar_box, legend_box)
    assert legend_box["y"] >= plot_box["y"] + plot_box["height"]  # under the plot


def test_printing_leaves_out_the_sidebar_and_the_buttons(overview: Page) -> None:
    overview.emulate_media(media="print")
    expect(overview.get_by_test_id("stSidebar")).to_be_hidden()
    expect(overview.get_by_role("button", name="Copy link")).to_be_hidden()
    expect(_png_button(overview, "overview-total-views")).to_be_hidden()
    expect(overview.get_by_role("heading", name="Overview")).to_be_visible()
    expect(overview.get_by_test_id("stPlotlyChart").first).to_be_visible()
    main = overview.get_by_test_id("stMain").bounding_box()
    assert main is not None
    assert main["x"] <= 1  # the page's content starts at the paper's edge: no sidebar beside it
    save_screenshot(overview, f"print-{overview.viewport_size['width']}")
    pdf = overview.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    print(f"printed pages: {pages}")
    assert 1 <= pages <= 6  # the whole page (not only the first screen), a few sheets


def _png_button(page: Page, chart_key: str) -> Locator:
    return page.locator(f".st-key-png_{chart_key}").get_by_role("button", name="PNG")


def _overlap(one: dict, other: dict) -> bool:
    return not (
        one["x"] + one["width"] <= other["x"]
        or other["x"] + other["width"] <= one["x"]
        or one["y"] + one["height"] <= other["y"]
        or other["y"] + other["height"] <= one["y"]
    )
