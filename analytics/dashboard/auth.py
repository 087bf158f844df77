"""The login gate: who may use the dashboard, with which roles, and the failed-login lockout.

Users (bcrypt-hashed passwords, roles) come from the users file and/or secrets.toml (see
users.py); cookie and lockout settings from the environment or secrets.toml. The login form, the
re-login cookie and logout are streamlit-authenticator's; roles, the lockout and the refusal to
run a real deployment with a guessable cookie key are ours.
"""

from __future__ import annotations

import logging
import os
import secrets as token_source
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities import LoginError

from analytics.dashboard.users import (
    DEFAULT_USERS_FILE,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    UserRecord,
    check_password,
    demo_user,
    hash_password,
    load_users,
    secret_value,
)

log = logging.getLogger(__name__)

KNOWN_DEFAULT_COOKIE_KEYS = frozenset(
    {"some_key", "some_signature_key", "change-me", "replace-with-a-long-random-string"}
)
MIN_COOKIE_KEY_LENGTH = 32

ENV_NAMES = {
    "DASHBOARD_USERS_FILE": "users_file",
    "DASHBOARD_COOKIE_NAME": "cookie_name",
    "DASHBOARD_COOKIE_KEY": "cookie_key",
    "DASHBOARD_COOKIE_EXPIRY_DAYS": "cookie_expiry_days",
    "DASHBOARD_MAX_FAILED_LOGINS": "max_failed_logins",
    "DASHBOARD_LOCKOUT_MINUTES": "lockout_minutes",
}


@dataclass(frozen=True)
class AuthSettings:
    """Login settings; `cookie_key` signs the re-login cookie and must be a long random secret."""

    users_file: Path = DEFAULT_USERS_FILE
    cookie_name: str = "ibm_video_analytics_login"
    cookie_key: str | None = field(default=None, repr=False)
    cookie_expiry_days: float = 7.0
    max_failed_logins: int = 5
    lockout_minutes: float = 15.0

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None
    ) -> AuthSettings:
        """From environment variables; secrets.toml fills what the environment leaves unset."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for env_name, field_name in ENV_NAMES.items():
            raw = environ.get(env_name) or (secret_value(secrets, env_name) if secrets else None)
            if raw in (None, ""):
                continue
            values[field_name] = _convert(field_name, env_name, raw)
        return cls(**values)

    def cookie_key_problem(self) -> str | None:
        """Why the cookie key is unusable for a real deployment, or None when it is fine."""
        key = (self.cookie_key or "").strip()
        if not key:
            return "DASHBOARD_COOKIE_KEY is missing."
        if key in KNOWN_DEFAULT_COOKIE_KEYS:
            return "DASHBOARD_COOKIE_KEY still has its example/default value."
        if len(key) < MIN_COOKIE_KEY_LENGTH:
            return f"DASHBOARD_COOKIE_KEY is shorter than {MIN_COOKIE_KEY_LENGTH} characters."
        return None


def _convert(field_name: str, env_name: str, raw: Any) -> Any:
    try:
        if field_name == "users_file":
            return Path(str(raw))
        if field_name in ("cookie_expiry_days", "lockout_minutes"):
            value: Any = float(raw)
        elif field_name == "max_failed_logins":
            value = int(raw)
        else:
            return str(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{env_name}: expected a number, got {raw!r}") from None
    if value < 0 or (field_name == "max_failed_logins" and value < 1):
        raise ValueError(f"{env_name}: must be a positive number, got {raw!r}")
    return value


# --- Failed-login lockout ----------------------------------------------------------------------


class LoginThrottle:
    """Locks a username for a while after too many failed logins in a row.

    Kept in memory per server process (shared by all sessions); the count resets on success.
    Unknown usernames are counted like known ones, so the lockout does not reveal which exist.
    """

    def __init__(self, max_failures: int = 5, lockout_seconds: float = 900.0) -> None:
        self.max_failures = max_failures
        self.lockout_seconds = lockout_seconds
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def seconds_locked(self, username: str, now: float | None = None) -> float:
        """How long `username` stays locked (0 when it may try)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            recent = self._recent(username, now)
            if len(recent) < self.max_failures:
                return 0.0
            return max(0.0, recent[-1] + self.lockout_seconds - now)

    def record_failure(self, username: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._failures[username] = [*self._recent(username, now), now]

    def record_success(self, username: str) -> None:
        with self._lock:
            self._failures.pop(username, None)

    def _recent(self, username: str, now: float) -> list[float]:
        # Failures older than the lockout window no longer count.
        return [t for t in self._failures.get(username, []) if now - t < self.lockout_seconds]


class LockedOutError(Exception):
    """Too many failed logins for this username."""


def throttled(
    login: Callable[..., Any],
    throttle: LoginThrottle,
    known_users: Mapping[str, UserRecord],
    on_success: Callable[[str], None] | None = None,
) -> Callable[..., Any]:
    """Wrap streamlit-authenticator's controller login with the lockout.

    Also spends a bcrypt check on unknown usernames so timing does not reveal which exist.
    """

    def login_with_lockout(
        username: str | None = None, password: str | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        if not username:  # re-login from the cookie
            return login(username, password, *args, **kwargs)
        name = username.strip().lower()
        wait = throttle.seconds_locked(name)
        if wait > 0:
            raise LockedOutError(
                f"Too many failed logins for this username. Try again in {int(wait // 60) + 1} "
                "minutes."
            )
        if name not in known_users:
            # Hashed on first need: a bcrypt hash on a session's first run delays its page
            # navigation, and a deep link could then lose the race with the cookie component.
            check_password(password or "", _decoy_hash())
        succeeded = login(username, password, *args, **kwargs)
        if succeeded:
            throttle.record_success(name)
            if on_success is not None:
                on_success(name)
        else:
            throttle.record_failure(name)
            log.warning("failed login for a username (%d chars)", len(name))
        return succeeded

    return login_with_lockout


_DECOY: list[str] = []


def _decoy_hash() -> str:
    if not _DECOY:
        _DECOY.append(hash_password(token_source.token_urlsafe(16)))
    return _DECOY[0]


# --- The gate (Streamlit) ----------------------------------------------------------------------

_SET_COOKIE = "auth_set_cookie_pending"
_DELETE_COOKIE = "auth_delete_cookie_pending"


@st.cache_resource(show_spinner=False)
def _process_throttle(max_failures: int, lockout_seconds: float) -> LoginThrottle:
    return LoginThrottle(max_failures, lockout_seconds)


@st.cache_resource(show_spinner=False)
def _demo_account() -> UserRecord:
    return demo_user()


@st.cache_resource(show_spinner=False)
def _process_cookie_key() -> str:
    """A random key for the demo: re-login cookies then last as long as the server process."""
    return token_source.token_urlsafe(48)


def _refuse(message: str) -> None:
    """Stop with a clear message (configuration problems an operator must fix)."""
    st.error(f"The dashboard cannot start: {message}", icon=":material/block:")
    st.stop()


def _credentials(users: Mapping[str, UserRecord]) -> dict[str, Any]:
    # A fresh dict per run: streamlit-authenticator writes login bookkeeping into it.
    return {
        "usernames": {
            user.username: {
                "name": user.name,
                "email": user.email,
                "password": user.password_hash,
                "roles": list(user.roles),
            }
            for user in users.values()
        }
    }


@dataclass
class Session:
    """The signed-in user of this browser session and the authenticator that signed them in."""

    user: UserRecord
    authenticator: Any = field(repr=False)

    def account_menu(self) -> None:
        """Who is signed in and a logout button, at the bottom of the sidebar."""
        with st.sidebar:
            st.divider()
            roles = ", ".join(self.user.roles)
            st.caption(f"Signed in as **{self.user.name}** ({roles})")
            self.authenticator.logout("Log out", location="sidebar", key="logout-button")
        if not st.session_state.get("authentication_status"):
            st.session_state[_DELETE_COOKIE] = True
            st.rerun()


def login_gate(
    *, is_demo: bool, secrets: Mapping[str, Any] | None, url_paths: Sequence[str] = ()
) -> Session:
    """Return the signed-in user, or draw the login page and stop the script.

    With the demo API and no configured users, the demo account (demo/demo, analyst) is the
    only user. With a real API, missing users or a guessable cookie key stop the app.
    `url_paths` are the app's page URLs besides /: signed out, each shows the login page, and
    after signing in the user is on the page the link pointed to.
    """
    try:
        settings = AuthSettings.from_env(secrets=secrets)
        users = load_users(settings.users_file, secrets)
    except ValueError as error:  # UsersConfigError is one
        _refuse(str(error))
    demo_account = not users
    if demo_account:
        if not is_demo:
            _refuse(
                "no dashboard users are configured. Add one with "
                "`python -m analytics add-user NAME --role analyst` (see README, Dashboard)."
            )
        users = {DEMO_USERNAME: _demo_account()}
    cookie_key = settings.cookie_key
    problem = settings.cookie_key_problem()
    if problem:
        if not is_demo:
            _refuse(
                f"{problem} It signs the login cookie: set it in .streamlit/secrets.toml or the "
                "environment to a long random value, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        cookie_key = _process_cookie_key()

    signed_in = st.session_state.get("authentication_status") and users.get(
        st.session_state.get("username") or ""
    )
    if not signed_in:
        # Resolve the page before anything renders a component (the authenticator's cookie
        # manager is one): a component's first value triggers a rerun, and a rerun sent before
        # the browser knows its page lands on the default page instead of the deep link.
        def sign_in_page() -> None:
            _login_page(authenticator, demo_account=demo_account)

        login_pages = [st.Page(sign_in_page, title="Sign in", url_path="", default=True)]
        login_pages += [st.Page(sign_in_page, title="Sign in", url_path=p) for p in url_paths]
        login_page = st.navigation(login_pages, position="hidden")

    authenticator = stauth.Authenticate(
        _credentials(users),
        settings.cookie_name,
        cookie_key,
        settings.cookie_expiry_days,
        auto_hash=False,
    )
    controller = authenticator.authentication_controller
    throttle = _process_throttle(settings.max_failed_logins, settings.lockout_minutes * 60)
    controller.login = throttled(
        controller.login, throttle, users, on_success=_remember_to_set_cookie
    )

    if signed_in:
        if st.session_state.pop(_SET_COOKIE, False):
            authenticator.cookie_controller.set_cookie()
        return Session(signed_in, authenticator)
    if st.session_state.get("authentication_status"):  # as someone no longer configured
        authenticator.logout(location="unrendered")
    login_page.run()
    st.stop()
    raise AssertionError("unreachable: the login page stops the script")


def _remember_to_set_cookie(_username: str) -> None:
    # The cookie is (re)written on the first signed-in run; the run that checked the password
    # ends in a rerun, which could unmount the library's cookie writer before it ran.
    st.session_state[_SET_COOKIE] = True


def _login_page(authenticator: Any, *, demo_account: bool) -> None:
    if st.session_state.pop(_DELETE_COOKIE, False):
        authenticator.cookie_controller.delete_cookie()
    page = st.empty()
    with page.container():
        _, middle, _ = st.columns([1, 2, 1])
        with middle:
            st.title("IBM Video Analytics")
            st.caption("How did our streams do? Sign in to see views, viewers and peaks.")
            if demo_account:
                st.info(
                    f"Demo mode: no users are configured and the data comes from the built-in "
                    f"demo API. Sign in as **{DEMO_USERNAME}** with password "
                    f"**{DEMO_PASSWORD}**.",
                    icon=":material/science:",
                )
            try:
                authenticator.login(
                    location="main",
                    key="login",
                    fields={
                        "Form name": "Sign in",
                        "Username": "Username",
                        "Password": "Password",
                        "Login": "Sign in",
                    },
                )
            except (LockedOutError, LoginError) as error:
                st.error(str(error))
            status = st.session_state.get("authentication_status")
            if status is False:
                st.error("Username or password is incorrect.")
    if st.session_state.get("authentication_status"):
        page.empty()
        st.rerun()
    st.stop()
