"""Settings of the demo Analytics API: dataset shape, per-request knobs and demo accounts."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from analytics.config import ConfigSource
from analytics.contract import ApiVersion, SummaryIdKey, SummaryTimeKey

DEMO_CLIENT_ID = "demo-client"
DEMO_CLIENT_SECRET = "demo-secret"  # noqa: S105 - the published demo credential, not a secret

ENV_PREFIX = "ANALYTICS_DEMO_"


class Accounts(Mapping[str, str]):
    """An immutable, hashable client_id -> client_secret mapping (keeps DemoSettings hashable).

    Its repr never shows the secrets.
    """

    def __init__(self, accounts: Mapping[str, str]) -> None:
        self._accounts = dict(accounts)

    def __getitem__(self, client_id: str) -> str:
        return self._accounts[client_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._accounts)

    def __len__(self) -> int:
        return len(self._accounts)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._accounts.items())))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())

    def __repr__(self) -> str:
        return f"Accounts({', '.join(repr(c) for c in self._accounts)})"


class SettingOutOfRange(ValueError):
    """A DemoSettings field outside its range; `from_env` names the variable it came from."""

    def __init__(self, name: str, rule: str, value: object) -> None:
        super().__init__(f"DemoSettings.{name} {rule} (got {value!r})")
        self.name = name
        self.rule = rule
        self.value = value


class CountMeans(StrEnum):
    """What `pagination.count` holds: every matching item (total) or the items on this page."""

    TOTAL = "total"
    PAGE = "page"


class TokenAuth(StrEnum):
    """How the token endpoint accepts the client secret: HTTP Basic, the form field, or either."""

    BASIC = "basic"
    FORM = "form"
    BOTH = "both"


class ChannelApiMode(StrEnum):
    """How the Channel API (titles, channels, lengths) answers: normally, or 403 to every
    request, as for a client without the scope to use it."""

    ON = "on"
    REFUSE = "refuse"


_RATE_LIMIT = re.compile(r"\s*([0-9]+)\s*/\s*([0-9]+)\s*")


def parse_rate_limit(text: str) -> tuple[int, int] | None:
    """ "N/S" -> (N requests, S-second window); "" -> None (no limit); ValueError otherwise."""
    if not text.strip():
        return None
    match = _RATE_LIMIT.fullmatch(text)
    if not match or int(match[1]) < 1 or int(match[2]) < 1:
        raise ValueError(f"expected 'N/S' with N, S >= 1, e.g. '100/60' (got {text!r})")
    return int(match[1]), int(match[2])


DEFAULT_CONTENTS = 40  # 8 live channels and 32 recorded videos
LIVE_NOW_MAX = 20.0  # the live-now layer's audiences grow with it, and so does its data


def _default_accounts() -> Accounts:
    return Accounts({DEMO_CLIENT_ID: DEMO_CLIENT_SECRET})


@dataclass(frozen=True)
class DemoSettings:
    """Everything that shapes the demo server: the generated data and the per-request knobs.

    `segments`, `days`, `seed`, `contents`, `null_rate`, `unknown_country_rate` and `live_now`
    shape the data (and its cache key); the other fields only change how requests are answered.
    `segments` is the background traffic spread over the window; `live_now` scales the
    audiences of the live-now layer on top of it (analytics.demo.live_now; 0: no layer).
    """

    segments: int = 300_000
    days: int = 120
    seed: int = 7
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    fault_rate: float = 0.0
    token_ttl: int = 86_400
    accounts: Mapping[str, str] = field(default_factory=_default_accounts)
    data_dir: Path = Path(".cache/demo")
    api_version: ApiVersion = ApiVersion.CURRENT
    count_means: CountMeans = CountMeans.TOTAL
    rate_limit: str = ""  # "N/S": N requests per S-second window per account; "" = none
    token_auth: TokenAuth = TokenAuth.BOTH
    summary_id_key: SummaryIdKey = SummaryIdKey.CONTENT_ID
    summary_time_key: SummaryTimeKey = SummaryTimeKey.TIMESTAMP
    contents: int = DEFAULT_CONTENTS
    null_rate: float = 0.0
    unknown_country_rate: float = 0.0
    channel_api: ChannelApiMode = ChannelApiMode.ON
    live_now: float = 0.25  # about the background's own daily views (see docs/demo-api.md)

    def __post_init__(self) -> None:
        object.__setattr__(self, "accounts", Accounts(self.accounts))
        object.__setattr__(self, "data_dir", Path(self.data_dir))
        for name, kind in (
            ("api_version", ApiVersion),
            ("count_means", CountMeans),
            ("token_auth", TokenAuth),
            ("summary_id_key", SummaryIdKey),
            ("summary_time_key", SummaryTimeKey),
            ("channel_api", ChannelApiMode),
        ):
            raw = getattr(self, name)
            try:
                object.__setattr__(self, name, kind(str(raw).strip().lower()))
            except ValueError:
                allowed = ", ".join(member.value for member in kind)
                raise SettingOutOfRange(name, f"must be one of: {allowed}", raw) from None
        try:
            parse_rate_limit(self.rate_limit)
        except ValueError:
            raise SettingOutOfRange(
                "rate_limit", "must be 'N/S' (N requests per S seconds), e.g. '100/60'",
                self.rate_limit,
            ) from None  # fmt: skip
        checks = [
            (self.segments >= 0, "segments", "must be >= 0"),
            (self.days >= 1, "days", "must be >= 1"),
            (self.latency_ms >= 0, "latency_ms", "must be >= 0"),
            (self.jitter_ms >= 0, "jitter_ms", "must be >= 0"),
            (0.0 <= self.fault_rate <= 1.0, "fault_rate", "must be between 0 and 1"),
            (self.token_ttl >= 1, "token_ttl", "must be >= 1 second"),
            (len(self.accounts) >= 1, "accounts", "needs at least one client_id"),
            (self.contents >= 3, "contents", "must be >= 3"),
            (0.0 <= self.null_rate <= 1.0, "null_rate", "must be between 0 and 1"),
            (
                0.0 <= self.unknown_country_rate <= 1.0,
                "unknown_country_rate",
                "must be between 0 and 1",
            ),
            (
                0.0 <= self.live_now <= LIVE_NOW_MAX,
                "live_now",
                f"must be between 0 and {LIVE_NOW_MAX:g}",
            ),
        ]
        for ok, name, rule in checks:
            if not ok:
                raise SettingOutOfRange(name, rule, getattr(self, name))
        for client_id, secret in self.accounts.items():
            if not client_id or not secret:
                raise ValueError("DemoSettings.accounts: client ids and secrets must be non-empty")

    @property
    def client_id(self) -> str:
        """The first account's client id (the one the CLI prints and tests use)."""
        return next(iter(self.accounts))

    @property
    def client_secret(self) -> str:
        return self.accounts[self.client_id]

    @property
    def rate_budget(self) -> tuple[int, int] | None:
        """(requests, window seconds) of `rate_limit`, None when unlimited."""
        return parse_rate_limit(self.rate_limit)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> DemoSettings:
        """Settings from ANALYTICS_DEMO_* variables (default: os.environ); unset ones keep
        their defaults.

        SEGMENTS, DAYS, SEED, LATENCY_MS, JITTER_MS, FAULT_RATE, TOKEN_TTL, DATA_DIR,
        ACCOUNTS ("id:secret,id2:secret2"), API_VERSION, COUNT_MEANS, RATE_LIMIT, TOKEN_AUTH,
        SUMMARY_ID_KEY, SUMMARY_TIME_KEY, CONTENTS, NULL_RATE, UNKNOWN_COUNTRY_RATE,
        CHANNEL_API and LIVE_NOW. A bad value raises ValueError naming the variable.
        """
        source = ConfigSource(environ)
        readers: dict[str, Callable[[str], object]] = {
            "segments": source.integer,
            "days": source.integer,
            "seed": source.integer,
            "latency_ms": source.number,
            "jitter_ms": source.number,
            "fault_rate": source.number,
            "token_ttl": source.integer,
            "data_dir": source.text,
            "accounts": source.text,
            "api_version": source.text,
            "count_means": source.text,
            "rate_limit": source.text,
            "token_auth": source.text,
            "summary_id_key": source.text,
            "summary_time_key": source.text,
            "contents": source.integer,
            "null_rate": source.number,
            "unknown_country_rate": source.number,
            "channel_api": source.text,
            "live_now": source.number,
        }
        values: dict[str, object] = {}
        for name, read in readers.items():
            value = read(ENV_PREFIX + name.upper())
            if value is not None:
                values[name] = value
        if "accounts" in values:
            values["accounts"] = parse_accounts(str(values["accounts"]), ENV_PREFIX + "ACCOUNTS")
        try:
            return cls(**values)  # type: ignore[arg-type]
        except SettingOutOfRange as exc:
            variable = ENV_PREFIX + exc.name.upper()
            raise ValueError(f"{variable}: {exc.rule} (got {exc.value!r})") from None


def parse_accounts(text: str, source: str) -> dict[str, str]:
    """Parse "id:secret,id2:secret2"; the error names the source but never echoes a secret."""
    accounts: dict[str, str] = {}
    for item in text.split(","):
        client_id, sep, secret = item.strip().partition(":")
        if not sep or not client_id or not secret:
            raise ValueError(f"{source}: expected 'client_id:secret[,client_id:secret...]'")
        accounts[client_id] = secret
    return accounts
