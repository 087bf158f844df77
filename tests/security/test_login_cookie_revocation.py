"""Logout must end the login: a cookie copied before logout signed in from another browser for
7 days, and a malformed login cookie (HS512, `alg: none`) crashed the login page.

The cookie is written by streamlit-authenticator's JavaScript cookie manager, so it cannot be
HttpOnly; logging out now revokes every login cookie of that user made before it, server-side.
The browser attacks (a copied cookie, forged cookies) are in test_dashboard_in_browser.py.
"""

from __future__ import annotations

import time
from pathlib import Path

from analytics.dashboard.auth import LoginRevocations, LoginThrottle, throttled
from analytics.dashboard.users import UserRecord, hash_password
from tests.support.servers import redis_server


def test_revocation_is_shared_through_redis(tmp_path: Path):
    users = {"ann": UserRecord("ann", "Ann", hash_password("x" * 12))}
    with redis_server(tmp_path) as url:
        one, two = LoginRevocations(url), LoginRevocations(url)
        token = {"username": "ann", "exp_date": time.time() + 7 * 86_400}

        def cookie_login(username=None, password=None, **kwargs):
            return True

        replica = throttled(
            cookie_login,
            LoginThrottle(),
            users,
            revoked=lambda t: two.is_revoked(t, expiry_days=7),
        )
        assert replica(None, None, token=token) is True
        one.revoke("ann", keep_seconds=60)  # logged out on the first replica
        assert replica(None, None, token=token) is False
        later = {"username": "ann", "exp_date": time.time() + 7 * 86_400 + 5}
        assert not two.is_revoked(later, expiry_days=7)  # a login after the logout works
