"""The login gate: who may use the dashboard, with which roles, and the failed-login lockout.

Users (bcrypt-hashed passwords, roles) come from the users file and/or secrets.toml (see
users.py); cookie and lockout settings from the environment or secrets.toml. The login form, the
re-login cookie and logout are streamlit-authenticator's; roles, the lockout and the refusal to
run a real deployment with a guessable cookie key are ours.
"""

from __future__ import annotations

import hashlib
import logging
import secrets as token_source
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities import LoginError

from analytics.config import ConfigSource
from analytics.dashboard.log_redaction import hide_values, url_password
from analytics.dashboard.text import plain
from analytics.dashboard.users import (
    DEFAULT_USERS_FILE,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    UserRecord,
    check_password,
    demo_user,
    hash_password,
    load_users,
)

log = logging.getLogger(__name__)

KNOWN_DEFAULT_COOKIE_KEYS = frozenset(
    {"some_key", "some_signature_key", "change-me", "replace-with-a-long-random-string"}
)
MIN_COOKIE_KEY_LENGTH = 32
MIN_COOKIE_KEY_DISTINCT = 12  # a random key of 32+ characters has far more; "aaa..." has one
MAX_USERNAME_LENGTH = 64  # the longest username `add-user` accepts
Number = TypeVar("Number", int, float)


@dataclass(frozen=True)
class AuthSettings:
    """Login settings; `cookie_key` signs the re-login cookie and must be a long random secret."""

    users_file: Path = DEFAULT_USERS_FILE
    cookie_name: str = "ibm_video_analytics_login"
    cookie_key: str | None = field(default=None, repr=False)
    cookie_expiry_days: float = 7.0
    max_failed_logins: int = 5
    lockout_minutes: float = 15.0
    # Shared login state (lockout counts, revoked logins) for several replicas.
    redis_url: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None
    ) -> AuthSettings:
        """From environment variables; secrets.toml fills what the environment leaves unset.

        Raises ValueError naming the variable that is wrong.
        """
        source = ConfigSource(environ, secrets)
        values: dict[str, Any] = {}
        if (users_file := source.text("DASHBOARD_USERS_FILE")) is not None:
            values["users_file"] = Path(users_file)
        if (cookie_name := source.text("DASHBOARD_COOKIE_NAME")) is not None:
            values["cookie_name"] = cookie_name
        if (cookie_key := source.raw("DASHBOARD_COOKIE_KEY")) is not None:
            values["cookie_key"] = str(cookie_key)
        if (days := source.number("DASHBOARD_COOKIE_EXPIRY_DAYS")) is not None:
            values["cookie_expiry_days"] = _at_least(0, "DASHBOARD_COOKIE_EXPIRY_DAYS", days)
        if (failures := source.integer("DASHBOARD_MAX_FAILED_LOGINS")) is not None:
            values["max_failed_logins"] = _at_least(1, "DASHBOARD_MAX_FAILED_LOGINS", failures)
        if (minutes := source.number("DASHBOARD_LOCKOUT_MINUTES")) is not None:
            values["lockout_minutes"] = _at_least(0, "DASHBOARD_LOCKOUT_MINUTES", minutes)
        redis_url = source.text("DASHBOARD_REDIS_URL") or source.text("ANALYTICS_CACHE_REDIS_URL")
        if redis_url:
            values["redis_url"] = redis_url
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
        if len(set(key)) < MIN_COOKIE_KEY_DISTINCT:
            return (
                f"DASHBOARD_COOKIE_KEY is guessable: it has fewer than {MIN_COOKIE_KEY_DISTINCT} "
                "different characters."
            )
        return None


def _at_least(lowest: int, name: str, value: Number) -> Number:
    """`value`, or ValueError naming the variable when it is below `lowest`."""
    if value < lowest:
        rule = "must not be negative" if lowest == 0 else f"must be at least {lowest}"
        raise ValueError(f"{name}: {rule}, got {value!r}")
    return value


# --- Failed-login lockout ----------------------------------------------------------------------


class LoginThrottle:
    """Locks a username for a while after too many login attempts that failed.

    Kept in memory per server process (shared by all sessions); the count resets on success.
    Unknown usernames are counted like known ones, so the lockout does not reveal which exist.
    An attempt is counted (`reserve`) BEFORE its password is checked, atomically with the lock
    check, so concurrent attempts cannot all pass the check first. At most `max_names` usernames
    are remembered (the least recently tried go first); their attempts expire with the window.
    """

    def __init__(
        self, max_failures: int = 5, lockout_seconds: float = 900.0, max_names: int = 10_000
    ) -> None:
        self.max_failures = max_failures
        self.lockout_seconds = lockout_seconds
        self.max_names = max_names
        self._failures: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._failures)

    def seconds_locked(self, username: str, now: float | None = None) -> float:
        """How long `username` stays locked (0 when it may try)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            return self._wait(self._recent(username, now), now)

    def reserve(self, username: str, now: float | None = None) -> float:
        """Count an attempt now, unless locked: 0 when counted (go ahead), else the wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            recent = self._recent(username, now)
            wait = self._wait(recent, now)
            if wait > 0:
                return wait
            self._remember(username, [*recent, now])
            return 0.0

    def record_failure(self, username: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._remember(username, [*self._recent(username, now), now])

    def record_success(self, username: str) -> None:
        with self._lock:
            self._failures.pop(username, None)

    def _wait(self, recent: list[float], now: float) -> float:
        if len(recent) < self.max_failures:
            return 0.0
        return max(0.0, recent[-1] + self.lockout_seconds - now)

    def _remember(self, username: str, attempts: list[float]) -> None:
        self._failures[username] = attempts
        self._failures.move_to_end(username)
        while len(self._failures) > self.max_names:
            self._failures.popitem(last=False)

    def _recent(self, username: str, now: float) -> list[float]:
        # Failures older than the lockout window no longer count.
        return [t for t in self._failures.get(username, []) if now - t < self.lockout_seconds]


# Atomic "drop expired attempts, refuse when locked, else count this one" on a sorted set of
# attempt times; Redis's own clock, so replicas agree. Returns the wait in seconds (0: counted).
_RESERVE_SCRIPT = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local window = tonumber(ARGV[1])
local most = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= most then
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  return tostring(math.max(tonumber(last[2]) + window - now, 0.000001))
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
return '0'
"""


class RedisLoginThrottle:
    """The same lockout kept in Redis, so every replica of the dashboard counts together.

    One sorted set of attempt times per username (hashed), expiring with the lockout window:
    the table is bounded by time. If Redis fails, the process's own LoginThrottle takes over.
    """

    KEY_PREFIX = "ibm-video-analytics:dashboard:login-attempts:"

    def __init__(
        self, redis_url: str, max_failures: int = 5, lockout_seconds: float = 900.0
    ) -> None:
        import redis

        self.max_failures = max_failures
        self.lockout_seconds = lockout_seconds
        self._redis = redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)
        self._reserve = self._redis.register_script(_RESERVE_SCRIPT)
        self._fallback = LoginThrottle(max_failures, lockout_seconds)

    def _key(self, username: str) -> str:
        return self.KEY_PREFIX + hashlib.sha256(username.encode("utf-8")).hexdigest()

    def reserve(self, username: str, now: float | None = None) -> float:
        try:
            wait = self._reserve(
                keys=[self._key(username)],
                args=[self.lockout_seconds, self.max_failures, token_source.token_hex(8)],
            )
        except Exception as error:  # Redis down: lock per process rather than not at all
            log.warning("The login lockout store failed (%s); counting in this process", error)
            return self._fallback.reserve(username, now)
        return float(wait)

    def seconds_locked(self, username: str, now: float | None = None) -> float:
        try:
            key = self._key(username)
            attempts = self._redis.zrange(key, -self.max_failures, -1, withscores=True)
            server_time = self._redis.time()
        except Exception:
            return self._fallback.seconds_locked(username, now)
        current = server_time[0] + server_time[1] / 1_000_000
        recent = [score for _, score in attempts if current - score < self.lockout_seconds]
        if len(recent) < self.max_failures:
            return 0.0
        return max(0.0, recent[-1] + self.lockout_seconds - current)

    def record_failure(self, username: str, now: float | None = None) -> None:
        self.reserve(username, now)

    def record_success(self, username: str) -> None:
        self._fallback.record_success(username)
        try:
            self._redis.delete(self._key(username))
        except Exception:
            log.warning("The login lockout store failed; could not reset a count")


class LoginRevocations:
    """Logins ended by logging out: per username, the moment of the last logout.

    A re-login cookie issued before that moment no longer signs anyone in, so a cookie copied
    before logout is worthless afterwards (in every browser of that user). Kept in Redis when
    configured, so every replica agrees; else in this process (at most `max_names` users).
    """

    KEY_PREFIX = "ibm-video-analytics:dashboard:logged-out:"

    def __init__(self, redis_url: str | None = None, max_names: int = 10_000) -> None:
        self.max_names = max_names
        self._local: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()
        self._redis = None
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(
                redis_url, socket_timeout=5, socket_connect_timeout=5
            )

    def _key(self, username: str) -> str:
        return self.KEY_PREFIX + hashlib.sha256(username.encode("utf-8")).hexdigest()

    def revoke(self, username: str, keep_seconds: float, now: float | None = None) -> None:
        """End every login of `username` made until now (remembered for `keep_seconds`)."""
        moment = time.time() if now is None else now
        with self._lock:
            self._local[username] = moment
            self._local.move_to_end(username)
            while len(self._local) > self.max_names:
                self._local.popitem(last=False)
        if self._redis is not None:
            try:
                self._redis.set(self._key(username), repr(moment), ex=max(1, int(keep_seconds)))
            except Exception as error:
                log.warning("The login revocation store failed (%s); this process only", error)

    def revoked_at(self, username: str) -> float | None:
        """When `username` last logged out (None: never, or long enough ago to be forgotten)."""
        with self._lock:
            local = self._local.get(username)
        shared = None
        if self._redis is not None:
            try:
                value = self._redis.get(self._key(username))
                shared = float(value) if value is not None else None
            except Exception:
                log.warning("The login revocation store failed; using this process's list")
        known = [moment for moment in (local, shared) if moment is not None]
        return max(known) if known else None

    def is_revoked(self, token: Mapping[str, Any], expiry_days: float) -> bool:
        """True when the cookie `token` was issued before its user's last logout."""
        username = token.get("username")
        expires = token.get("exp_date")
        if not isinstance(username, str) or not isinstance(expires, (int, float)):
            return True
        revoked = self.revoked_at(username.strip().lower())
        issued = float(expires) - expiry_days * 86_400
        return revoked is not None and issued <= revoked


class LockedOutError(Exception):
    """Too many failed logins for this username."""


def throttled(
    login: Callable[..., Any],
    throttle: LoginThrottle | RedisLoginThrottle,
    known_users: Mapping[str, UserRecord],
    on_success: Callable[[str], None] | None = None,
    revoked: Callable[[Mapping[str, Any]], bool] | None = None,
) -> Callable[..., Any]:
    """Wrap streamlit-authenticator's controller login with the lockout.

    Also spends a bcrypt check on unknown usernames so timing does not reveal which exist.
    """

    def login_with_lockout(
        username: str | None = None, password: str | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        if not username:  # re-login from the cookie
            token = kwargs.get("token")
            if revoked is not None and isinstance(token, Mapping) and revoked(token):
                return False  # logged out since this cookie was made
            return login(username, password, *args, **kwargs)
        name = username.strip().lower()
        if len(name) > MAX_USERNAME_LENGTH:  # no such user; not worth a password check
            raise LoginError("Username or password is incorrect.")
        wait = throttle.reserve(name)  # counted before the password is checked
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
        else:  # the attempt was counted by reserve()
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
def _process_throttle(
    max_failures: int, lockout_seconds: float, redis_url: str | None = None
) -> LoginThrottle | RedisLoginThrottle:
    if redis_url:
        return RedisLoginThrottle(redis_url, max_failures, lockout_seconds)
    return LoginThrottle(max_failures, lockout_seconds)


@st.cache_resource(show_spinner=False)
def _process_revocations(redis_url: str | None = None) -> LoginRevocations:
    return LoginRevocations(redis_url)


def _safe_cookies(authenticator: Any, expiry_days: float) -> None:
    """A malformed login cookie (another algorithm, `alg: none`, garbage) means "not signed
    in" instead of an exception; the cookie is written SameSite=Strict, and Secure over HTTPS.
    """
    model = authenticator.cookie_controller.cookie_model
    decode = model._token_decode

    def tolerant_decode() -> Any:
        try:
            token = decode()
        except Exception:  # jwt.InvalidTokenError and anything else a forged cookie causes
            return False
        if not isinstance(token, Mapping) or not isinstance(token.get("exp_date"), (int, float)):
            return False
        return token

    model._token_decode = tolerant_decode
    manager = model.cookie_manager
    write = manager.set
    secure = str(getattr(st.context, "url", "") or "").startswith("https://")

    def set_cookie(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("secure", secure)
        kwargs.setdefault("same_site", "strict")
        return write(*args, **kwargs)

    manager.set = set_cookie


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
    on_logout: Callable[[str], None] | None = field(default=None, repr=False)

    def account_menu(self) -> None:
        """Who is signed in and a logout button, at the bottom of the sidebar."""
        with st.sidebar:
            st.divider()
            roles = ", ".join(self.user.roles)
            st.caption(f"Signed in as **{plain(self.user.name)}** ({roles})")
            self.authenticator.logout("Log out", location="sidebar", key="logout-button")
        if not st.session_state.get("authentication_status"):
            if self.on_logout is not None:
                self.on_logout(self.user.username)  # cookies made before now stop working
            forget_user_state()
            st.session_state[_DELETE_COOKIE] = True
            st.rerun()


# Session state that belongs to the signed-in user (searches, prepared exports, the calls log,
# viewer picks): forgotten at logout, so the next user of the tab starts clean. The sidebar
# filters and page choices (`filter_`, `url_`) are the link's: see forget_link_widgets.
USER_STATE_PREFIXES = ("viewer_lookup_", "viewer-choice:", "views_export_", "service_query_log")
LINK_WIDGET_PREFIXES = ("filter_", "url_")


def forget_user_state() -> None:
    _forget(USER_STATE_PREFIXES)


def forget_link_widgets() -> None:
    """Signed out, the filter and page-choice widgets are not drawn, and Streamlit drops their
    values while their keys may linger: the first signed-in run then drew them at their
    defaults and wrote those into the URL (a link's filters were lost by signing in again).
    Without the keys, that run seeds them from the URL again, which the login page keeps.
    """
    _forget(LINK_WIDGET_PREFIXES)


def _forget(prefixes: tuple[str, ...]) -> None:
    for key in [key for key in st.session_state if str(key).startswith(prefixes)]:
        del st.session_state[key]


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
    hide_values([cookie_key, url_password(settings.redis_url)])  # never in a log line

    signed_in = st.session_state.get("authentication_status") and users.get(
        st.session_state.get("username") or ""
    )
    if not signed_in:
        forget_link_widgets()  # signing in takes the filters from the link again

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
    throttle = _process_throttle(
        settings.max_failed_logins, settings.lockout_minutes * 60, settings.redis_url
    )
    revocations = _process_revocations(settings.redis_url)
    expiry_days = settings.cookie_expiry_days
    _safe_cookies(authenticator, expiry_days)
    controller.login = throttled(
        controller.login,
        throttle,
        users,
        on_success=_remember_to_set_cookie,
        revoked=lambda token: revocations.is_revoked(token, expiry_days),
    )

    def logged_out(username: str) -> None:
        revocations.revoke(username, keep_seconds=expiry_days * 86_400 + 60)

    if signed_in:
        if st.session_state.pop(_SET_COOKIE, False):
            authenticator.cookie_controller.set_cookie()
        return Session(signed_in, authenticator, on_logout=logged_out)
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
    login_area = st.empty()
    with login_area.container():
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
                st.error(plain(str(error)))
            status = st.session_state.get("authentication_status")
            if status is False:
                st.error("Username or password is incorrect.")
    if st.session_state.get("authentication_status"):
        login_area.empty()
        st.rerun()
    st.stop()
