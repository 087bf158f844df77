"""The demo OAuth2 token endpoint's logic: client credentials in, an HS256 JWT out.

The signing key is random per server instance, so a token from another instance (or another
process) is "foreign" and rejected, as a real deployment would reject a forged one.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote_plus

import jwt

from analytics.demo.settings import TokenAuth

ISSUER = "analytics-demo"


class TokenRequestError(Exception):
    """An OAuth2 error answer (RFC 6749 section 5.2): 400 {"error": code, ...}."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


class Unauthorized(Exception):
    """A /v1 request without a usable token (401)."""


class BearerUnauthorized(Exception):
    """A Channel API request without a usable Bearer token (401 invalid_token)."""


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(client_id, client_secret) from an HTTP Basic Authorization header, if there is one."""
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise TokenRequestError("invalid_request", "malformed HTTP Basic credentials") from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise TokenRequestError("invalid_request", "malformed HTTP Basic credentials")
    return unquote_plus(client_id), unquote_plus(secret)


class TokenAuthority:
    """Issues and verifies the demo's JWTs for the configured accounts."""

    def __init__(
        self, accounts: Mapping[str, str], ttl: int, secret_in: TokenAuth = TokenAuth.BOTH
    ) -> None:
        """`secret_in`: where the client secret is accepted (HTTP Basic, form, or both)."""
        self._accounts = accounts
        self._ttl = ttl
        self._secret_in = secret_in
        self._key = secrets.token_bytes(32)
        # Ordinary access tokens (requested without token_type=jwt): opaque, kept here.
        self._bearer: dict[str, tuple[str, float]] = {}  # token -> (client id, expires at)
        self._bearer_lock = threading.Lock()

    def issue(self, form: Mapping[str, str], authorization: str | None) -> IssuedToken:
        """The client-credentials grant; the secret comes from the form or HTTP Basic."""
        grant_type = form.get("grant_type", "")
        if not grant_type:
            raise TokenRequestError("invalid_request", "grant_type is required")
        if grant_type != "client_credentials":
            raise TokenRequestError(
                "unsupported_grant_type", "only grant_type=client_credentials is supported"
            )
        basic = basic_credentials(authorization)
        if basic and form.get("client_secret"):
            raise TokenRequestError(
                "invalid_request", "send the client secret either in the form or by HTTP Basic"
            )
        if basic and self._secret_in is TokenAuth.FORM:
            raise TokenRequestError(
                "invalid_client",
                "this server takes the client secret in the form (client_secret), "
                "not by HTTP Basic",
            )
        if not basic and form.get("client_secret") and self._secret_in is TokenAuth.BASIC:
            raise TokenRequestError(
                "invalid_client",
                "this server takes the client credentials by HTTP Basic, not in the form",
            )
        if basic:
            client_id, secret = basic
            if form.get("client_id") and form["client_id"] != client_id:
                raise TokenRequestError("invalid_request", "client_id differs from HTTP Basic")
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if not client_id or not secret:
            raise TokenRequestError("invalid_request", "client_id and client_secret are required")
        expected = self._accounts.get(client_id)
        # Compare even for unknown clients so timing does not reveal which ids exist.
        if not hmac.compare_digest(secret.encode(), (expected or "\0" * 16).encode()) or (
            expected is None
        ):
            raise TokenRequestError("invalid_client", "unknown client or wrong client secret")
        if "token_type" not in form:
            return self._issue_bearer(client_id)
        if form.get("token_type") != "jwt":
            raise TokenRequestError(
                "invalid_request",
                "token_type must be jwt (for the Analytics API), or left out for an ordinary "
                "access token (the Channel API)",
            )
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "sub": client_id,
            "iat": now,
            "exp": now + self._ttl,
            "jti": uuid.uuid4().hex,
        }
        return IssuedToken(jwt.encode(claims, self._key, algorithm="HS256"), self._ttl)

    def _issue_bearer(self, client_id: str) -> IssuedToken:
        """An ordinary access token: 40 hex characters, as IBM's docs describe them."""
        token = secrets.token_hex(20)
        now = time.time()
        with self._bearer_lock:
            if len(self._bearer) > 1000:  # forget the expired ones now and then
                self._bearer = {t: v for t, v in self._bearer.items() if v[1] > now}
            self._bearer[token] = (client_id, now + self._ttl)
        return IssuedToken(token, self._ttl)

    def verify_bearer(self, authorization: str | None) -> str:
        """The client id an ordinary access token in `Authorization: Bearer ...` was issued to."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise BearerUnauthorized("send the access token as 'Authorization: Bearer TOKEN'")
        with self._bearer_lock:
            issued = self._bearer.get(token.strip())
        if issued is None:
            raise BearerUnauthorized(
                "unknown access token (the Channel API takes a token requested without "
                "token_type=jwt)"
            )
        client_id, expires_at = issued
        if time.time() >= expires_at:
            raise BearerUnauthorized("the access token has expired; request a new one")
        return client_id

    def verify(self, authorization: str | None) -> str:
        """The client id a raw JWT in the Authorization header was issued to."""
        if not authorization or not authorization.strip():
            raise Unauthorized("the Authorization header with a JWT is required")
        token = authorization.strip()
        if token[:7].lower() == "bearer ":
            raise Unauthorized(
                "send the raw JWT in the Authorization header, without a 'Bearer ' prefix"
            )
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=["HS256"],
                issuer=ISSUER,
                options={"require": ["exp", "sub", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("the access token has expired; request a new one") from None
        except jwt.InvalidSignatureError:
            raise Unauthorized("the access token was not issued by this server") from None
        except jwt.InvalidTokenError:
            raise Unauthorized("the access token is not a valid JWT") from None
        client_id = claims.get("sub")
        if client_id not in self._accounts:
            raise Unauthorized("the access token's client is unknown")
        return client_id
