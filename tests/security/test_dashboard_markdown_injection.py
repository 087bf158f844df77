"""Markdown injection: text from the URL, the API or a user is shown as text.

The attack: `/?type=[Session expired](http://evil)&range=![i](http://evil/x)` rendered a
clickable link and loaded a remote image in the "ignored parameter" toast after sign-in, and
API error text was rendered as markdown in panel errors. The toast attack is played in a
browser in test_dashboard_in_browser.py.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

EVIL = {"type": "[Session expired](http://evil)", "range": "![i](http://evil/x)", "tz": "UTC"}


def assert_no_evil_markup(html: str) -> None:
    assert '<a href="http://evil' not in html
    assert '<img src="http://evil' not in html


def _panel_error() -> None:
    from analytics.dashboard.service import Outcome
    from analytics.dashboard.ui import empty_state, kpi, show_error

    error = "Bad request: [Session expired](http://evil) ![i](http://evil/x) <b>x</b>"
    show_error(Outcome(error=error), "views")
    kpi("Views", Outcome(error=error), None, value_of=int)
    empty_state("No viewer with “[me](http://evil)” watched.")


def test_api_error_text_is_escaped_in_panel_errors():
    at = AppTest.from_function(_panel_error).run()
    shown = [str(element.value) for element in [*at.error, *at.info]]
    assert len(shown) == 3
    for body in shown:
        # Every markdown bracket is escaped: Streamlit shows it as the character itself.
        assert "](http" not in body.replace("\\]\\(http", "")
        assert "\\[" in body
