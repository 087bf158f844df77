"""Configuration of the API service module, read from environment variables or a secrets mapping.

One frozen dataclass holds everything the client needs; secrets never show in its repr.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from analytics.config import ConfigSource, parse_bool, parse_duration, parse_float, parse_int

from .errors import basic_credentials

DEFAULT_API_URL = "https://analytics-api.video.ibm.com/v1/"
DEFAULT_TOKEN_URL = "https://video.ibm.com/oauth2/token"  # noqa: S105 (a URL)
DEFAULT_CHANNEL_API_URL = "https://api.video.ibm.com/"  # titles, channels, lengths

ClientAuthMethod = Literal["auto", "basic", "form"]
CLIENT_AUTH_METHODS = ("auto", "basic", "form")

# Environment variable (and secrets key) -> ApiSettings field.
ENV_NAMES: dict[str, str] = {
    "IBM_VIDEO_CLIENT_ID": "client_id",
    "IBM_VIDEO_CLIENT_SECRET": "client_secret",
    "IBM_VIDEO_ANALYTICS_TOKEN": "token",
    "ANALYTICS_API_URL": "api_url",
    "IBM_VIDEO_TOKEN_URL": "token_url",
    "IBM_VIDEO_TOKEN_AUTH": "client_auth_method",
    "IBM_VIDEO_CHANNEL_API_URL": "channel_api_url",
    "ANALYTICS_CATALOGUE_TTL": "catalogue_ttl",
    "ANALYTICS_CACHE_DIR": "cache_dir",
    "ANALYTICS_CACHE_NAMESPACE": "cache_namespace",
    "ANALYTICS_CACHE_REDIS_URL": "cache_redis_url",
    "ANALYTICS_CACHE_ENABLED": "cache_enabled",
    "ANALYTICS_CACHE_RECENT_TTL": "cache_recent_ttl",
    "ANALYTICS_CACHE_TTL": "cache_ttl",
    "ANALYTICS_CACHE_STALE_TTL": "cache_stale_ttl",
    "ANALYTICS_LIVE_TTL": "live_ttl",
    "ANALYTICS_API_CONNECT_TIMEOUT": "connect_timeout",
    "ANALYTICS_API_READ_TIMEOUT": "read_timeout",
    "ANALYTICS_API_RETRY_SECONDS": "retry_seconds",
    "ANALYTICS_API_CONCURRENCY": "concurrency",
    "ANALYTICS_API_RATE_LIMIT_WAIT": "rate_limit_wait",
}
DURATION_FIELDS = frozenset({"rate_limit_wait", "catalogue_ttl"})
SECRET_FIELDS = ("client_secret", "token")


def redact_url_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + netloc))


def _with_trailing_slash(url: str, name: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{name}: expected an http(s) URL, got {url!r}")
    return url if url.endswith("/") else url + "/"


@dataclass(frozen=True)
class ApiSettings:
    """Everything the client needs to reach the Analytics API and cache its answers.

    Credentials: client credentials (client_id + client_secret, refreshable) or a static JWT
    (token). With neither, `analytics.wiring.open_client` uses the embedded demo API.
    """

    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    api_url: str = DEFAULT_API_URL
    token_url: str = DEFAULT_TOKEN_URL
    # Where the token request carries the secret: HTTP Basic (IBM's docs), the form body (what
    # public clients report working), or auto: Basic, then the form once on invalid_client.
    client_auth_method: ClientAuthMethod = "auto"
    cache_dir: Path = Path(".cache")
    cache_redis_url: str | None = field(default=None, repr=False)
    cache_namespace: str | None = None  # names the account's cache instead of the API URL
    cache_enabled: bool = True
    cache_recent_ttl: int = 300  # ranges touching the last 24 h: their data still changes
    cache_ttl: int = 86_400  # ranges that ended more than 24 h ago
    cache_stale_ttl: int = 7 * 86_400  # expired entries kept this long to serve when the API fails
    # Ranges ending around now (the Live page): fresh until the next multiple of this many
    # seconds of the wall clock, so every session and replica asks once per period.
    live_ttl: int = 30
    connect_timeout: float = 5.0
    read_timeout: float = 120.0  # "the response might take a minute"
    retry_seconds: float = 60.0  # total time budget for retries of one request
    concurrency: int = 4  # pages fetched at once for one query
    rate_limit_wait: float = 300.0  # longest wait for the API's rate limit before failing
    page_limit: int = 10_000  # _limit for list endpoints (the API's maximum)
    # The Channel API (titles of channels and videos), and how long its catalogue is kept.
    channel_api_url: str = DEFAULT_CHANNEL_API_URL
    catalogue_ttl: float = 6 * 3600.0

    def __post_init__(self) -> None:
        _set = object.__setattr__
        for name in ("client_id", "client_secret", "token", "cache_redis_url", "cache_namespace"):
            value = getattr(self, name)
            _set(self, name, value.strip() or None if isinstance(value, str) else value)
        if bool(self.client_id) != bool(self.client_secret):
            missing = "IBM_VIDEO_CLIENT_SECRET" if self.client_id else "IBM_VIDEO_CLIENT_ID"
            raise ValueError(
                f"{missing} is missing: client credentials need both an id and a secret"
            )
        _set(self, "api_url", _with_trailing_slash(self.api_url, "ANALYTICS_API_URL"))
        _with_trailing_slash(self.token_url, "IBM_VIDEO_TOKEN_URL")
        _set(
            self,
            "channel_api_url",
            _with_trailing_slash(self.channel_api_url, "IBM_VIDEO_CHANNEL_API_URL"),
        )
        if self.client_auth_method not in CLIENT_AUTH_METHODS:
            raise ValueError(
                "IBM_VIDEO_TOKEN_AUTH: expected 'form' or 'basic' or 'auto', "
                f"got {self.client_auth_method!r}"
            )
        _set(self, "cache_dir", Path(self.cache_dir))
        if self.read_timeout < 90:
            raise ValueError("ANALYTICS_API_READ_TIMEOUT: must be at least 90 seconds")
        if not 1 <= self.page_limit <= 10_000:
            raise ValueError("page_limit: must be between 1 and 10000")
        if not 1 <= self.concurrency <= 16:
            raise ValueError("ANALYTICS_API_CONCURRENCY: must be between 1 and 16")
        if not 1 <= self.live_ttl <= 3600:
            raise ValueError("ANALYTICS_LIVE_TTL: must be between 1 and 3600 seconds")
        for name in (
            "cache_recent_ttl",
            "cache_ttl",
            "cache_stale_ttl",
            "retry_seconds",
            "rate_limit_wait",
            "catalogue_ttl",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}: must not be negative")

    @property
    def has_credentials(self) -> bool:
        return bool(self.client_id or self.token)

    @property
    def uses_static_token(self) -> bool:
        """A JWT issued elsewhere and no client credentials: it cannot be refreshed here."""
        return bool(self.token) and not self.client_id

    @property
    def secrets(self) -> tuple[str, ...]:
        """The values that must never be logged, raised or cached (for redaction): the secret,
        the static token, and the Basic credentials made of the client id and secret.
        """
        basic = None
        if self.client_id and self.client_secret:
            basic = basic_credentials(self.client_id, self.client_secret)
        return tuple(v for v in (self.client_secret, self.token, basic) if v)

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in SECRET_FIELDS:
                value = "***" if value else None
            elif f.name == "cache_redis_url" and value:
                value = redact_url_password(value)
            shown.append(f"{f.name}={value!r}")
        return f"ApiSettings({', '.join(shown)})"

    def with_changes(self, **changes: Any) -> ApiSettings:
        return replace(self, **changes)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        secrets: Mapping[str, Any] | None = None,
    ) -> ApiSettings:
        """Settings from environment variables; `secrets` (e.g. st.secrets) fills the names the
        environment leaves unset. Raises ValueError naming the variable that is wrong.
        """
        source = ConfigSource(environ, secrets)
        values: dict[str, Any] = {}
        for env_name, field_name in ENV_NAMES.items():
            raw = source.raw(env_name)
            if raw is not None:
                values[field_name] = _convert(field_name, env_name, raw)
        return cls(**values)


def _convert(field_name: str, env_name: str, raw: Any) -> Any:
    """The variable's value as the field's type (the field's default says which)."""
    kind = _DEFAULTS[field_name]
    if field_name in DURATION_FIELDS:
        return parse_duration(env_name, raw)
    if isinstance(kind, bool):
        return parse_bool(env_name, raw)
    if isinstance(kind, int):
        return parse_int(env_name, raw)
    if isinstance(kind, float):
        return parse_float(env_name, raw)
    if isinstance(kind, Path):
        return Path(str(raw).strip())
    if field_name == "client_auth_method":
        return str(raw).strip().lower()
    return str(raw).strip()


_DEFAULTS = {f.name: f.default for f in fields(ApiSettings)}
