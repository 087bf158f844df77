"""Configure `streamlit run app.py` as a deployment would: API credentials, users, cookie key.

Users are added with the documented command (`python -m analytics add-user ... --password-stdin`),
so the suites also prove that command produces a users file the login accepts.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from analytics.api import AnalyticsClient, ApiSettings, TimeRange
from analytics.demo import DemoServer
from analytics.wiring import open_client
from tests.support.servers import REPO_ROOT

COOKIE_KEY = "suite-cookie-key-Xq7vR2mT9wLp4sZk8nB3yHc6fJd1gA0e"  # long and random-looking
CREDENTIAL_VARIABLES = (
    "IBM_VIDEO_CLIENT_ID",
    "IBM_VIDEO_CLIENT_SECRET",
    "IBM_VIDEO_ANALYTICS_TOKEN",
    "ANALYTICS_API_URL",
    "IBM_VIDEO_TOKEN_URL",
    "IBM_VIDEO_CHANNEL_API_URL",
    "ANALYTICS_CACHE_REDIS_URL",
)


@dataclass(frozen=True)
class Account:
    """A dashboard user: what a person types into the login form, and their role."""

    username: str
    password: str
    role: str


ANALYST = Account("ana", "ana-analyst-pw", "analyst")
VIEWER = Account("vic", "vic-viewer-pw", "viewer")
ADMIN = Account("adm", "adm-admin-pw", "admin")
# Signs out in a test: logging out revokes every login of that user (all their cookies), so
# the users whose cookies tests share never log out.
LEAVER = Account("leo", "leo-analyst-pw", "analyst")


def add_users(users_file: Path, accounts: Iterable[Account]) -> None:
    """Add each account to `users_file` with `python -m analytics add-user`."""
    for account in accounts:
        completed = subprocess.run(
            [sys.executable, "-m", "analytics", "add-user", account.username,
             "--role", account.role, "--users-file", str(users_file), "--password-stdin"],
            input=account.password + "\n", capture_output=True, text=True, cwd=REPO_ROOT,
            timeout=60, check=False,
        )  # fmt: skip
        assert completed.returncode == 0, completed.stderr


def api_env(server: DemoServer, cache_dir: Path, client_id: str | None = None) -> dict[str, str]:
    """Environment pointing the app or the CLI at `server` as one of its accounts."""
    client_id = client_id or server.client_id
    return {
        "IBM_VIDEO_CLIENT_ID": client_id,
        "IBM_VIDEO_CLIENT_SECRET": server.settings.accounts[client_id],
        "ANALYTICS_API_URL": server.base_url,
        "IBM_VIDEO_TOKEN_URL": server.token_url,
        "IBM_VIDEO_CHANNEL_API_URL": server.channel_api_url,
        "ANALYTICS_CACHE_DIR": str(cache_dir),
    }


def dashboard_env(
    server: DemoServer,
    cache_dir: Path,
    users_file: Path,
    client_id: str | None = None,
    **extra: str | None,
) -> dict[str, str | None]:
    """Everything `streamlit run app.py` needs to serve `server`'s data to the users in the file."""
    return {
        "ANALYTICS_CACHE_REDIS_URL": None,
        "IBM_VIDEO_ANALYTICS_TOKEN": None,
        **api_env(server, cache_dir, client_id),
        "DASHBOARD_USERS_FILE": str(users_file),
        "DASHBOARD_COOKIE_KEY": COOKIE_KEY,
        **extra,
    }


def direct_client(server: DemoServer, client_id: str | None = None) -> AnalyticsClient:
    """A client of the API module without a cache: what the API itself answers."""
    client_id = client_id or server.client_id
    settings = ApiSettings(
        client_id=client_id,
        client_secret=server.settings.accounts[client_id],
        api_url=server.base_url,
        token_url=server.token_url,
        channel_api_url=server.channel_api_url,
        cache_enabled=False,
    )
    return open_client(settings)


@dataclass(frozen=True)
class FixedRange:
    """Whole local days that ended before today: their numbers no longer change."""

    first_day: date
    days: int
    tz: str

    @classmethod
    def ending_yesterday(cls, days: int, tz: str) -> FixedRange:
        today = datetime.now(ZoneInfo(tz)).date()
        return cls(today - timedelta(days=days), days, tz)

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=self.days - 1)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(0), ZoneInfo(self.tz))

    @property
    def end(self) -> datetime:
        return datetime.combine(
            self.first_day + timedelta(days=self.days), time(0), ZoneInfo(self.tz)
        )

    @property
    def time_range(self) -> TimeRange:
        return TimeRange(self.start, self.end)

    def previous(self) -> FixedRange:
        """The range of the same length just before (what the dashboard compares with)."""
        return FixedRange(self.first_day - timedelta(days=self.days), self.days, self.tz)

    @property
    def params(self) -> dict[str, str]:
        """The dashboard's URL parameters for this range (custom, start and exclusive end)."""
        return {
            "range": "custom",
            "from": self.start.strftime("%Y-%m-%dT%H:%M"),
            "to": self.end.strftime("%Y-%m-%dT%H:%M"),
            "tz": self.tz,
        }

    @property
    def cli_args(self) -> list[str]:
        return [
            "--from",
            self.start.isoformat(timespec="minutes"),
            "--to",
            self.end.isoformat(timespec="minutes"),
            "--tz",
            self.tz,
        ]


def page_url(base_url: str, path: str = "", **params: str) -> str:
    """base_url/path?params (path "" is the overview, the app's default page)."""
    query = urlencode(params)
    return f"{base_url}/{path}" + (f"?{query}" if query else "")


# --- AppTest (in-process) ----------------------------------------------------------------------

APP_FILE = REPO_ROOT / "app.py"


def configure_app(
    monkeypatch, server: DemoServer, cache_dir: Path, users_file: Path, **extra: str | None
) -> None:
    """Point an in-process AppTest at `server` as a real deployment (env through monkeypatch);
    Streamlit's process-wide caches are emptied so nothing of an earlier test is reused.
    """
    import streamlit as st

    for name, value in {**dashboard_env(server, cache_dir, users_file), **extra}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("ANALYTICS_API_RETRY_SECONDS", "1")
    st.cache_data.clear()
    st.cache_resource.clear()


def app_test(
    user: str | None = None,
    params: dict[str, str] | None = None,
    tz: str = "UTC",
    timeout: float = 120,
):
    """An AppTest of app.py, not yet run; `user` signed in as streamlit-authenticator would
    sign them in (what it stores in session state after a successful login)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP_FILE), default_timeout=timeout)
    at.context = {"timezone": tz}
    at.query_params.update(params or {})
    if user is not None:
        at.session_state["authentication_status"] = True
        at.session_state["username"] = user
        at.session_state["name"] = user.title()
    return at


@contextmanager
def served_dashboard(
    server: DemoServer, tmp_path: Path, accounts: Iterable[Account], log_name: str
) -> Iterator[str]:
    """`streamlit run app.py` for `server`'s data and these users (added with `add-user`);
    yields its URL. The log goes to test-artifacts/logs/LOG_NAME.log."""
    from tests.support.servers import streamlit_app

    users_file = tmp_path / "users.yaml"
    add_users(users_file, accounts)
    env = dashboard_env(server, tmp_path / "http-cache", users_file)
    logs = REPO_ROOT / "test-artifacts" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with streamlit_app(env, logs / f"{log_name}.log") as url:
        yield url
