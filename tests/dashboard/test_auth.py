"""Login settings, the cookie-key check and the failed-login lockout (no Streamlit run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.dashboard.auth import AuthSettings, LockedOutError, LoginThrottle, throttled
from analytics.dashboard.users import UserRecord, hash_password

LONG_KEY = "Kq3vT8mZ1xW6pR0sL5nB9yH2cF7jD4gA"


def test_settings_come_from_the_environment_before_secrets():
    settings = AuthSettings.from_env(
        environ={"DASHBOARD_COOKIE_KEY": LONG_KEY, "DASHBOARD_MAX_FAILED_LOGINS": "3"},
        secrets={
            "DASHBOARD_COOKIE_KEY": "from secrets",
            "DASHBOARD_USERS_FILE": "conf/users.yaml",
            "DASHBOARD_LOCKOUT_MINUTES": 2.5,
        },
    )
    assert settings.cookie_key == LONG_KEY
    assert settings.max_failed_logins == 3
    assert settings.users_file == Path("conf/users.yaml")
    assert settings.lockout_minutes == 2.5
    assert LONG_KEY not in repr(settings)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DASHBOARD_MAX_FAILED_LOGINS": "many"}, "DASHBOARD_MAX_FAILED_LOGINS"),
        ({"DASHBOARD_MAX_FAILED_LOGINS": "0"}, "DASHBOARD_MAX_FAILED_LOGINS"),
        ({"DASHBOARD_COOKIE_EXPIRY_DAYS": "-1"}, "DASHBOARD_COOKIE_EXPIRY_DAYS"),
    ],
)
def test_bad_settings_name_the_variable(environ, message):
    with pytest.raises(ValueError, match=message):
        AuthSettings.from_env(environ=environ)


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        (None, "missing"),
        ("", "missing"),
        ("some_key", "default"),
        ("replace-with-a-long-random-string", "default"),
        ("short-but-random-3f9a", "shorter"),
        ("a" * 32, "guessable"),
        ("ab" * 24, "guessable"),
        (LONG_KEY, None),
    ],
)
def test_cookie_key_must_be_a_long_non_default_secret(key, problem):
    found = AuthSettings(cookie_key=key).cookie_key_problem()
    if problem is None:
        assert found is None
    else:
        assert problem in found


def test_lockout_after_too_many_failures_and_release_after_the_window():
    throttle = LoginThrottle(max_failures=3, lockout_seconds=60)
    for second in (0, 1, 2):
        assert throttle.seconds_locked("ann", now=second) == 0
        throttle.record_failure("ann", now=second)
    assert throttle.seconds_locked("ann", now=3) == pytest.approx(59)
    assert throttle.seconds_locked("ben", now=3) == 0  # per username
    assert throttle.seconds_locked("ann", now=62.5) == 0  # the window has passed


def test_success_resets_the_count():
    throttle = LoginThrottle(max_failures=2, lockout_seconds=60)
    throttle.record_failure("ann", now=0)
    throttle.record_success("ann")
    throttle.record_failure("ann", now=1)
    assert throttle.seconds_locked("ann", now=2) == 0


def test_throttled_login_counts_failures_and_refuses_while_locked():
    calls = []
    users = {"ann": UserRecord("ann", "Ann", hash_password("right password"))}

    def library_login(username=None, password=None, **kwargs):
        calls.append(username)
        return password == "right password"

    throttle = LoginThrottle(max_failures=2, lockout_seconds=600)
    signed_in = []
    login = throttled(library_login, throttle, users, on_success=signed_in.append)
    assert login("Ann ", "wrong") is False
    assert login("ann", "wrong again") is False
    with pytest.raises(LockedOutError, match="Try again in 10 minutes"):
        login("ann", "right password")
    assert calls == ["Ann ", "ann"]  # the locked attempt never reached the password check
    # Unknown usernames are locked the same way (nothing reveals which names exist).
    assert login("nobody", "x") is False
    assert login("nobody", "y") is False
    with pytest.raises(LockedOutError):
        login("nobody", "z")
    # Re-login from the cookie (no username) is not throttled.
    assert login(None, None, token={"username": "ann"}) is False
    assert signed_in == []
    other = throttled(library_login, LoginThrottle(), users, on_success=signed_in.append)
    assert other("ann", "right password") is True
    assert signed_in == ["ann"]


def test_the_committed_secrets_example_is_refused_until_edited():
    import tomllib

    example = Path(__file__).resolve().parents[2] / ".streamlit" / "secrets.toml.example"
    secrets = tomllib.loads(example.read_text())
    settings = AuthSettings.from_env(environ={}, secrets=secrets)
    assert "default" in settings.cookie_key_problem()
    assert settings.max_failed_logins == 5
    assert "dashboard_users" not in secrets  # the example user is commented out
