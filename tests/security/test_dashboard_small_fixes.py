"""Smaller attacks on the dashboard: odd URL values, CSV cells, a guessable cookie key, the
"Refresh data" button, and what one user leaves behind in a tab for the next.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from analytics.api import Result
from analytics.dashboard import service
from analytics.dashboard.auth import AuthSettings
from analytics.dashboard.downloads import csv_bytes
from analytics.dashboard.filters import filters_from_params
from analytics.dashboard.users import UserRecord, hash_password, save_users_file
from tests.support.dashboard import app_test, configure_app

PEAKS = "app_pages/peak_viewers.py"
LOOKUP = "app_pages/viewer_lookup.py"
PASSWORDS = {"ann": "ann-password-1", "vic": "vic-password-1", "adm": "adm-password-1"}
ROLES = {"ann": ("analyst",), "vic": ("viewer",), "adm": ("admin",)}


@pytest.fixture
def server(start_demo, monkeypatch, tmp_path: Path):
    users_file = tmp_path / "users.yaml"
    save_users_file(
        users_file,
        {
            name: UserRecord(name, name.title(), hash_password(PASSWORDS[name]), ROLES[name])
            for name in PASSWORDS
        },
    )
    demo = start_demo()
    configure_app(monkeypatch, demo, tmp_path / "http-cache", users_file)
    return demo


def test_a_non_ascii_digit_in_top_does_not_break_the_peak_page(server):
    at = app_test("vic", {"range": "last-7-days", "top": "²"}).run()
    at = at.switch_page(PEAKS).run()
    assert not at.exception
    assert not at.error, [error.value for error in at.error]
    assert [title.value for title in at.title] == ["Peak viewers"]


def test_content_ids_are_length_capped():
    parsed = filters_from_params({"type": "live", "ids": "1" * 5_000}, "UTC")
    assert parsed.filters.content_ids == ()
    assert any("at most" in problem for problem in parsed.problems)
    parsed = filters_from_params({"type": "live", "ids": ",".join(["7"] * 600)}, "UTC")
    assert parsed.filters.content_ids == ()


@pytest.mark.parametrize("cell", [" =1+1", "\n=1+1", "＝1+1", "＋cmd", " \n@SUM(A1)"])
def test_csv_cells_that_a_spreadsheet_could_evaluate_are_quoted(cell):
    for frame in (
        pd.DataFrame({"city": [cell]}),
        pd.DataFrame({"city": pd.Series([cell], dtype="string")}),
        pd.DataFrame({"city": [cell, 3]}),
    ):
        text = csv_bytes(frame).decode("utf-8")
        assert "'" + cell.strip("\n")[:1] in text or text.splitlines()[1].startswith("\"'")


@pytest.mark.parametrize("key", ["a" * 32, "ab" * 20, "0123456789" * 4])
def test_low_entropy_cookie_keys_are_refused(key):
    assert AuthSettings(cookie_key=key).cookie_key_problem()


def _another_users_answer() -> tuple[str, str, Result]:
    cache = service.answer_cache()
    account = next(key[0] for key in cache._answers)
    kept = Result(pd.DataFrame(), datetime.now(UTC), False, False, 0)
    cache.put(account, "another user's query", kept)
    return account, "another user's query", kept


def test_a_viewer_refreshes_their_view_and_keeps_the_account_cache(server):
    at = app_test("vic", {"range": "last-7-days"}).run()
    account, other, kept = _another_users_answer()
    assert not any(button.label == "Refresh all data" for button in at.sidebar.button)
    button = next(button for button in at.sidebar.button if button.label == "Refresh data")
    server.reset_request_count()
    at = button.click().run()
    assert not at.exception
    assert service.answer_cache().get(account, other) is kept  # not everybody's cache
    assert any("fresh from the API" in str(c.value) or "cache" in str(c.value) for c in at.caption)


def test_an_admin_can_empty_the_account_cache(server):
    at = app_test("adm", {"range": "last-7-days"}).run()
    account, other, _ = _another_users_answer()
    button = next(button for button in at.sidebar.button if button.label == "Refresh all data")
    at = button.click().run()
    assert not at.exception
    assert service.answer_cache().get(account, other) is None


def sign_in(at, username: str, password: str):
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    return next(button for button in at.button if button.label == "Sign in").click().run()


def test_the_next_user_of_a_tab_does_not_get_the_previous_users_search(server):
    at = app_test("ann", {"range": "last-7-days"}).run()
    at = at.switch_page(LOOKUP).run()
    search = next(box for box in at.text_input if box.label == "Viewer identifier contains")
    search.input("secret-person")
    at = next(button for button in at.button if button.label == "Search").click().run()
    assert at.session_state["viewer_lookup_search"] == "secret-person"
    logout = next(button for button in at.sidebar.button if button.label == "Log out")
    at = logout.click().run()
    assert "viewer_lookup_search" not in at.session_state
    at = sign_in(at, "adm", PASSWORDS["adm"])
    at = at.switch_page(LOOKUP).run()
    search = next(box for box in at.text_input if box.label == "Viewer identifier contains")
    assert search.value == ""
