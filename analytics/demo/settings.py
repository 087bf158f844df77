"""Settings of the demo Analytics API: dataset shape, per-request knobs and demo accounts."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

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


def _default_accounts() -> Accounts:
    return Accounts({DEMO_CLIENT_ID: DEMO_CLIENT_SECRET})


@dataclass(frozen=True)
class DemoSettings:
    """Everything that shapes the demo server: the generated data and the per-request knobs.

    `segments`, `days` and `seed` shape the data (and its cache key); the other fields only
    change how requests are answered.
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

    def __post_init__(self) -> None:
        object.__setattr__(self, "accounts", Accounts(self.accounts))
        object.__setattr__(self, "data_dir", Path(self.data_dir))
        checks = [
            (self.segments >= 0, "segments", "must be >= 0"),
            (self.days >= 1, "days", "must be >= 1"),
            (self.latency_ms >= 0, "latency_ms", "must be >= 0"),
            (self.jitter_ms >= 0, "jitter_ms", "must be >= 0"),
            (0.0 <= self.fault_rate <= 1.0, "fault_rate", "must be between 0 and 1"),
            (self.token_ttl >= 1, "token_ttl", "must be >= 1 second"),
            (len(self.accounts) >= 1, "accounts", "needs at least one client_id"),
        ]
        for ok, name, rule in checks:
            if not ok:
                raise ValueError(f"DemoSettings.{name} {rule} (got {getattr(self, name)!r})")
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

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> DemoSettings:
        """Settings from ANALYTICS_DEMO_* variables; unset ones keep their defaults.

        SEGMENTS, DAYS, SEED, LATENCY_MS, JITTER_MS, FAULT_RATE, TOKEN_TTL, DATA_DIR and
        ACCOUNTS ("id:secret,id2:secret2"). A bad value raises ValueError naming the variable.
        """
        numbers: dict[str, type] = {
            "segments": int,
            "days": int,
            "seed": int,
            "latency_ms": float,
            "jitter_ms": float,
            "fault_rate": float,
            "token_ttl": int,
        }
        values: dict[str, object] = {}
        for name, kind in numbers.items():
            var = ENV_PREFIX + name.upper()
            raw = environ.get(var, "").strip()
            if not raw:
                continue
            try:
                values[name] = kind(raw.replace("_", ""))
            except ValueError:
                raise ValueError(f"{var}={raw!r} is not a valid {kind.__name__}") from None
        data_dir = environ.get(ENV_PREFIX + "DATA_DIR", "").strip()
        if data_dir:
            values["data_dir"] = Path(data_dir)
        accounts = environ.get(ENV_PREFIX + "ACCOUNTS", "").strip()
        if accounts:
            values["accounts"] = parse_accounts(accounts, ENV_PREFIX + "ACCOUNTS")
        try:
            return cls(**values)  # type: ignore[arg-type]
        except ValueError as exc:
            raise ValueError(f"{exc} (from {ENV_PREFIX}* environment variables)") from None


def parse_accounts(text: str, source: str) -> dict[str, str]:
    """Parse "id:secret,id2:secret2"; the error names the source but never echoes a secret."""
    accounts: dict[str, str] = {}
    for item in text.split(","):
        client_id, sep, secret = item.strip().partition(":")
        if not sep or not client_id or not secret:
            raise ValueError(f"{source}: expected 'client_id:secret[,client_id:secret...]'")
        accounts[client_id] = secret
    return accounts
