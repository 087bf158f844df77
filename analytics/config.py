"""One reader of configuration for every settings class: the environment, then secrets.toml.

Each setting is named by its variable (`ANALYTICS_CACHE_TTL`); a value set in the environment
wins over the same key in a secrets mapping (Streamlit's `st.secrets`, or any dict). Parsers
turn text into booleans, numbers and durations, and every error names the variable. Imports
nothing of the project, so the API module, the dashboard and the demo server share it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
_DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d)?\s*$", re.IGNORECASE)
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86_400.0}


def secret_value(secrets: Mapping[str, Any] | None, name: str) -> Any:
    """`secrets[name]`, or None when it is unset or the mapping cannot be read.

    `st.secrets` raises when no secrets.toml exists (or it is malformed); a missing file means
    "nothing configured there", not a crash.
    """
    if secrets is None:
        return None
    try:
        return secrets.get(name)
    except Exception:
        return None


@dataclass(frozen=True)
class ConfigSource:
    """Where settings come from: environment variables first, then a secrets mapping."""

    environ: Mapping[str, str] | None = None
    secrets: Mapping[str, Any] | None = None

    def raw(self, name: str) -> Any:
        """The value of `name`, or None when neither source sets it (blank counts as unset)."""
        environ = os.environ if self.environ is None else self.environ
        value: Any = environ.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            value = secret_value(self.secrets, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return value

    def is_set(self, name: str) -> bool:
        return self.raw(name) is not None

    def text(self, name: str) -> str | None:
        value = self.raw(name)
        return None if value is None else str(value).strip()

    def flag(self, name: str) -> bool | None:
        value = self.raw(name)
        return None if value is None else parse_bool(name, value)

    def integer(self, name: str) -> int | None:
        value = self.raw(name)
        return None if value is None else parse_int(name, value)

    def number(self, name: str) -> float | None:
        value = self.raw(name)
        return None if value is None else parse_float(name, value)

    def seconds(self, name: str) -> float | None:
        value = self.raw(name)
        return None if value is None else parse_duration(name, value)


def parse_bool(name: str, raw: Any) -> bool:
    """true/false, yes/no, on/off, 1/0 (any case); ValueError naming `name` otherwise."""
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(f"{name}: expected true or false, got {_shown(raw)}")


def parse_int(name: str, raw: Any) -> int:
    """A whole number (`10_000` allowed); ValueError naming `name` otherwise."""
    if isinstance(raw, bool):
        raise ValueError(f"{name}: expected a whole number, got {_shown(raw)}")
    if isinstance(raw, int):
        return raw
    try:
        return int(str(raw).strip())
    except ValueError:
        raise ValueError(f"{name}: expected a whole number, got {_shown(raw)}") from None


def parse_float(name: str, raw: Any) -> float:
    """A number; ValueError naming `name` otherwise (NaN and infinities are refused)."""
    if isinstance(raw, bool):
        raise ValueError(f"{name}: expected a number, got {_shown(raw)}")
    try:
        value = float(str(raw).strip()) if not isinstance(raw, (int, float)) else float(raw)
    except ValueError:
        raise ValueError(f"{name}: expected a number, got {_shown(raw)}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{name}: expected a finite number, got {_shown(raw)}")
    return value


def parse_duration(name: str, raw: Any) -> float:
    """Seconds from `90`, `90s`, `1.5m`, `2h`, `7d` or `250ms`; ValueError naming `name`."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return parse_float(name, raw)
    match = _DURATION.match(str(raw))
    if match is None:
        raise ValueError(
            f"{name}: expected a duration such as 90, 90s, 15m, 2h or 7d, got {_shown(raw)}"
        )
    amount, unit = match.groups()
    return float(amount) * _DURATION_UNITS[(unit or "s").lower()]


def _shown(raw: Any) -> str:
    """The offending value for an error message, cut short (it may be long or multi-line)."""
    text = repr(raw)
    return text if len(text) <= 60 else text[:57] + "...'"
