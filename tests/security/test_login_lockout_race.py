"""Lockout bypass: sixteen login forms sent within 0.4 s all had their password checked (the
lock check and the failure count were separate steps), so the lockout never engaged before the
right password came in. Attempts are now counted before the password is checked.
"""

from __future__ import annotations

import threading
from pathlib import Path

import bcrypt
import pytest
from streamlit_authenticator.utilities import LoginError

from analytics.dashboard.auth import (
    LockedOutError,
    LoginThrottle,
    RedisLoginThrottle,
    throttled,
)
from analytics.dashboard.users import UserRecord, check_password, hash_password, save_users_file
from tests.support.dashboard import app_test, configure_app
from tests.support.servers import redis_server

MAX = 5
PASSWORD = "the-right-password"
HASH = hash_password(PASSWORD)
USERS = {"ann": UserRecord("ann", "Ann", HASH, ("viewer",))}


class CountingCheck:
    """The password check behind the login, counting how often it ran."""

    def __init__(self) -> None:
        self.checks = 0
        self._lock = threading.Lock()

    def __call__(self, username=None, password=None, **kwargs):
        with self._lock:
            self.checks += 1
        return check_password(password or "", HASH)


def storm(logins, attempts: int) -> list[object]:
    """`attempts` wrong logins at once, spread over the given login functions."""
    barrier = threading.Barrier(attempts)
    outcomes: list[object] = []

    def attempt(number: int) -> None:
        login = logins[number % len(logins)]
        barrier.wait()
        try:
            outcomes.append(login("ann", f"wrong-{number}"))
        except LockedOutError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_twenty_concurrent_wrong_logins_check_at_most_the_allowed_number():
    check = CountingCheck()
    login = throttled(check, LoginThrottle(MAX, 900), USERS)
    outcomes = storm([login], 20)
    assert check.checks <= MAX
    assert sum(isinstance(o, LockedOutError) for o in outcomes) == 20 - check.checks
    with pytest.raises(LockedOutError):
        login("ann", PASSWORD)  # the right password is too late now


def test_two_replicas_sharing_redis_count_together(tmp_path: Path):
    with redis_server(tmp_path) as url:
        check = CountingCheck()
        replicas = [
            throttled(check, RedisLoginThrottle(url, MAX, 900), USERS),
            throttled(check, RedisLoginThrottle(url, MAX, 900), USERS),
        ]
        storm(replicas, 20)
        assert check.checks <= MAX
        for login in replicas:
            with pytest.raises(LockedOutError):
                login("ann", PASSWORD)


def test_a_success_resets_the_shared_count(tmp_path: Path):
    with redis_server(tmp_path) as url:
        check = CountingCheck()
        first = throttled(check, RedisLoginThrottle(url, 2, 900), USERS)
        second = throttled(check, RedisLoginThrottle(url, 2, 900), USERS)
        assert first("ann", "wrong") is False
        assert second("ann", PASSWORD) is True
        assert first("ann", "wrong") is False
        assert second("ann", PASSWORD) is True  # one failure since the success: not locked


def test_overlong_usernames_are_refused_without_a_password_check():
    check = CountingCheck()
    throttle = LoginThrottle(MAX, 900)
    login = throttled(check, throttle, USERS)
    with pytest.raises(LoginError):
        login("a" * 65, "x")
    assert check.checks == 0
    assert len(throttle) == 0


def test_the_lockout_table_is_bounded():
    throttle = LoginThrottle(MAX, 900, max_names=100)
    for number in range(1_000):
        throttle.reserve(f"user-{number}", now=float(number))
    assert len(throttle) == 100
    assert throttle.seconds_locked("user-999", now=1_000.0) == 0


def test_concurrent_login_forms_in_the_app_are_locked_out(monkeypatch, start_demo, tmp_path):
    """Eight browser sessions (AppTests) submit a wrong password at once; at most MAX-1 = 2
    password checks may happen when DASHBOARD_MAX_FAILED_LOGINS is 2."""
    users_file = tmp_path / "users.yaml"
    save_users_file(users_file, USERS)
    configure_app(
        monkeypatch,
        start_demo(),
        tmp_path / "http-cache",
        users_file,
        DASHBOARD_MAX_FAILED_LOGINS="2",
    )
    checks: list[bytes] = []
    lock = threading.Lock()
    real_checkpw = bcrypt.checkpw

    def counting_checkpw(password: bytes, hashed: bytes) -> bool:
        with lock:
            checks.append(password)
        return real_checkpw(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", counting_checkpw)
    sessions = [app_test(None) for _ in range(8)]
    for at in sessions:
        at.run()
        at.text_input[0].input("ann")
        at.text_input[1].input("wrong password")
    checks.clear()
    barrier = threading.Barrier(len(sessions))

    def submit(at) -> None:
        button = next(button for button in at.button if button.label == "Sign in")
        barrier.wait()
        button.click().run()

    threads = [threading.Thread(target=submit, args=(at,)) for at in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checks) <= 2
    at = app_test(None).run()  # a new browser, the right password: too late
    at.text_input[0].input("ann")
    at.text_input[1].input(PASSWORD)
    at = next(b for b in at.button if b.label == "Sign in").click().run()
    assert any("Too many failed logins" in str(e.value) for e in at.error), [
        (e.value, list(at.text_input)) for e in at.error
    ]
    assert not at.metric
