"""Access tokens for the Analytics API: OAuth2 client credentials -> JWT, reused until shortly
before it expires, shared by concurrent requests, refreshed once when the API answers 401.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import jwt
import requests

from .errors import ApiError, ApiUnavailableError, AuthError, api_error_from_body, redact
from .settings import ApiSettings

logger = logging.getLogger(__name__)

REFRESH_MARGIN_SECONDS = 60  # fetch a new token this long before the current one expires
REFRESH_MARGIN_SHARE = 0.1  # ...or this share of its lifetime, if that is shorter
DEFAULT_LIFETIME_SECONDS = 3600  # when the token says nothing about its expiry


def account_key(settings: ApiSettings) -> str:
    """A stable, non-secret id of the API account (cache keys, namespaces, file names).

    Client credentials: hash of API URL + client id. Static token: hash of API URL + the token's
    `sub`/`client_id` claim when it has one, else of the token itself (a one-way hash).
    A `cache_namespace` in the settings replaces the API URL (a server whose port changes).
    """
    where = (
        f"namespace:{settings.cache_namespace}" if settings.cache_namespace else settings.api_url
    )
    if settings.client_id:
        identity = f"client:{settings.client_id}"
    elif settings.token:
        claims = _unverified_claims(settings.token)
        subject = claims.get("client_id") or claims.get("sub")
        identity = f"subject:{subject}" if subject else f"token:{settings.token}"
    else:
        identity = "anonymous"
    digest = hashlib.sha256(f"{where}\n{identity}".encode()).hexdigest()
    return digest[:20]


def _unverified_claims(token: str) -> dict:
    """The JWT's claims, without verifying the signature (we only read `exp` and the subject)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}
    return claims if isinstance(claims, dict) else {}


@dataclass(frozen=True)
class AccessToken:
    value: str
    expires_at: float  # time.time() seconds
    obtained_at: float
    expiry_known: bool = True  # from the exp claim or expires_in, not the default guess

    def __repr__(self) -> str:
        return f"AccessToken(value='***', expires_at={self.expires_at!r})"

    def usable(self, now: float) -> bool:
        """Still good for a while: renew 60 s before expiry (sooner for short-lived tokens)."""
        lifetime = max(0.0, self.expires_at - self.obtained_at)
        margin = min(REFRESH_MARGIN_SECONDS, lifetime * REFRESH_MARGIN_SHARE)
        return now < self.expires_at - margin


def _access_token(token: str, expires_in: object, now: float) -> AccessToken:
    """The token with its expiry: the `exp` claim, else `expires_in`, else a default guess."""
    claims = _unverified_claims(token)
    exp, iat = claims.get("exp"), claims.get("iat")
    if _is_number(exp):
        obtained = float(iat) if _is_number(iat) and iat < exp else now  # type: ignore[operator]
        return AccessToken(token, float(exp), min(obtained, now))  # type: ignore[arg-type]
    if isinstance(expires_in, (int, float, str)) and not isinstance(expires_in, bool):
        try:
            return AccessToken(token, now + float(expires_in), now)
        except ValueError:
            pass
    return AccessToken(token, now + DEFAULT_LIFETIME_SECONDS, now, expiry_known=False)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class TokenProvider:
    """Hands out the current JWT; one lock makes concurrent callers share a single fetch.

    `post` sends the token request (the client passes its retrying sender, so a flaky token
    endpoint gets the same backoff as the API). `jwt=False` asks for an ordinary access token
    instead (no `token_type=jwt`), the kind the Channel API takes as `Bearer`; it needs client
    credentials (a static IBM_VIDEO_ANALYTICS_TOKEN is a JWT, never used for it).
    """

    def __init__(
        self,
        settings: ApiSettings,
        post: Callable[..., requests.Response],
        clock: Callable[[], float] = time.time,
        *,
        jwt: bool = True,
    ) -> None:
        self._settings = settings
        self._post = post
        self._clock = clock
        self._jwt = jwt
        self._lock = threading.Lock()
        self._token: AccessToken | None = None
        self._method: str = settings.client_auth_method  # auto until one style worked
        self.fetch_count = 0  # tokens obtained so far (for tests and diagnostics)
        self._issued: list[str] = []  # every token fetched (redacted wherever it is echoed)
        if not jwt and not settings.client_id:
            raise ValueError("an ordinary access token needs IBM_VIDEO_CLIENT_ID and _SECRET")
        if settings.token and jwt:
            # A token issued elsewhere; with client credentials too, it is renewed when it
            # expires or is rejected, else it is used as it is until the API refuses it.
            self._token = _access_token(settings.token, None, clock())

    @property
    def secrets(self) -> tuple[str, ...]:
        """The settings' secrets and every token fetched so far."""
        return (*self._settings.secrets, *self._issued)

    @property
    def can_refresh(self) -> bool:
        return not self._settings.uses_static_token

    def get(self) -> str:
        """A token valid for at least REFRESH_MARGIN_SECONDS more (a static token as it is)."""
        token = self._token
        if not self.can_refresh:
            assert token is not None
            if token.expiry_known and self._clock() >= token.expires_at:
                raise AuthError(
                    401,
                    "IBM_VIDEO_ANALYTICS_TOKEN has expired",
                    "issue a new token, or set IBM_VIDEO_CLIENT_ID and IBM_VIDEO_CLIENT_SECRET "
                    "so that tokens are renewed automatically",
                )
            return token.value
        if token is not None and token.usable(self._clock()):
            return token.value
        with self._lock:
            token = self._token
            if token is None or not token.usable(self._clock()):
                token = self._token = self._fetch()
            return token.value

    def invalidate(self, rejected: str) -> bool:
        """The API answered 401 to `rejected`: forget it so the next `get` fetches a new one.

        Returns False when a new token cannot be had (a static token). Only the token that was
        rejected is dropped, so concurrent 401s on the same token cause a single refresh.
        """
        if not self.can_refresh:
            return False
        with self._lock:
            if self._token is not None and self._token.value == rejected:
                self._token = None
        return True

    @property
    def client_auth_method(self) -> str:
        """How the secret is sent: `basic` or `form` once known (configured, or what worked
        with `auto`), else `auto`."""
        return self._method

    def _fetch(self) -> AccessToken:
        """A new token. With IBM_VIDEO_TOKEN_AUTH=auto the secret goes by HTTP Basic (as IBM's
        docs say), and once by the form body when that is refused as invalid_client; the style
        that worked is used from then on.
        """
        if self._method != "auto":
            response = self._request(self._method)
        else:
            response = self._request("basic")
            if _refused_client(response):
                logger.info("The token endpoint refused HTTP Basic; sending the secret in the form")
                response.close()
                fallback = self._request("form")
                if _refused_client(fallback):
                    raise self._token_error(fallback, tried="basic and form")
                response = fallback
                if fallback.status_code == 200:
                    self._method = "form"
            elif response.status_code == 200:
                self._method = "basic"
        if response.status_code != 200:
            raise self._token_error(response, tried=self._method)
        try:
            payload = response.json()
            value = payload["access_token"]
            if not isinstance(value, str) or not value:
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise ApiError(
                response.status_code,
                "Unexpected answer from the token endpoint",
                "it did not contain an access_token",
            ) from None
        self._issued.append(value)
        now = self._clock()
        token = _access_token(value, payload.get("expires_in"), now)
        self.fetch_count += 1
        logger.info("Obtained an access token valid for %.0f s", token.expires_at - now)
        return token

    def _request(self, method: str) -> requests.Response:
        """POST the client-credentials request with the secret sent by `method`."""
        settings = self._settings
        assert settings.client_id
        assert settings.client_secret
        form = {"grant_type": "client_credentials"}
        if self._jwt:
            form["token_type"] = "jwt"  # noqa: S105 (a token kind, not a secret)
        auth = None
        if method == "basic":
            auth = (settings.client_id, settings.client_secret)
        else:
            form |= {"client_id": settings.client_id, "client_secret": settings.client_secret}
        logger.debug("Requesting an access token from %s (%s)", settings.token_url, method)
        return self._post(settings.token_url, data=form, auth=auth)

    def _token_error(self, response: requests.Response, tried: str) -> ApiError:
        error = api_error_from_body(response.status_code, response.content, self.secrets)
        if response.status_code in (400, 401, 403):
            detail = redact(error.detail, self.secrets)
            hint = "check IBM_VIDEO_CLIENT_ID and IBM_VIDEO_CLIENT_SECRET"
            if error.title == "invalid_client":
                hint += (
                    f", and IBM_VIDEO_TOKEN_AUTH (the secret was sent by {tried}; "
                    "basic, form or auto)"
                )
            if error.title in ("invalid_grant", "invalid_request", "unsupported_grant_type"):
                hint = "the token endpoint refused the client-credentials request"
            return AuthError(
                response.status_code,
                f"Authentication failed ({error.title})",
                f"{detail} - {hint}" if detail else hint,
            )
        if isinstance(error, ApiUnavailableError):
            return ApiUnavailableError(
                error.status, "The token endpoint is unavailable", error.detail
            )
        return error


def _refused_client(response: requests.Response) -> bool:
    """A 400/401 `invalid_client`: the endpoint found no (or wrong) client credentials."""
    if response.status_code not in (400, 401):
        return False
    try:
        payload = response.json()
    except ValueError:
        return False
    if not isinstance(payload, dict):
        return False
    if payload.get("error") == "invalid_client":
        return True
    errors = payload.get("errors")
    return isinstance(errors, list) and any(
        isinstance(e, dict) and "invalid_client" in (e.get("title"), e.get("code")) for e in errors
    )
