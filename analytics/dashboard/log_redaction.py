"""Secrets never reach the dashboard's log, whichever logger writes the line.

The API client redacts what it raises, but a log line can still carry a secret another way: a
traceback of an unexpected error (a header value quoted by requests, a token endpoint's answer),
a library's own message. Every log record made in the dashboard's process goes through
`redacted_record` (installed as the log record factory, so no handler, whoever adds it, sees a
record before it is redacted): its message and traceback are redacted of every value registered
here, in each form `analytics.api.errors.redact` knows (raw, URL-encoded, JSON-escaped; the HTTP
Basic credentials are registered themselves). Registered: the API client's secrets and every
access token it fetched (read when a line is logged), and the login cookie key.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Iterable
from typing import Any, Protocol
from urllib.parse import urlsplit

from analytics.api.errors import redact


class HasSecrets(Protocol):
    @property
    def secrets(self) -> tuple[str, ...]: ...


_lock = threading.Lock()
_values: dict[str, None] = {}  # registered secret values, oldest first (bounded)
_holders: weakref.WeakSet[Any] = weakref.WeakSet()  # objects whose `secrets` grow (clients)
_installed: list[Any] = []  # the record factory this module wraps, once installed
MAX_VALUES = 256


def hide_values(values: Iterable[str | None]) -> None:
    """Never log these values (in any form), from now on."""
    with _lock:
        for value in values:
            if value:
                _values[value] = None
        while len(_values) > MAX_VALUES:
            del _values[next(iter(_values))]
    _install()


def hide_secrets_of(holder: HasSecrets) -> None:
    """Never log `holder.secrets` (read when a line is logged: tokens fetched later count)."""
    with _lock:
        _holders.add(holder)
    _install()


def url_password(url: str | None) -> str | None:
    """The password in a URL such as redis://:password@host/0, if any."""
    try:
        return urlsplit(url or "").password
    except ValueError:
        return None


def hidden_values() -> tuple[str, ...]:
    with _lock:
        holders = list(_holders)
        values = list(_values)
    for holder in holders:
        values.extend(holder.secrets)
    return tuple(values)


def redacted_record(record: logging.LogRecord) -> logging.LogRecord:
    """The record with every hidden value redacted from its message and traceback."""
    secrets = hidden_values()
    if not secrets:
        return record
    try:
        message = record.getMessage()
    except Exception:  # a malformed call: the handler reports it as it would have
        return record
    hidden = redact(message, secrets)
    if hidden != message:
        record.msg, record.args = hidden, None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        exc_text = redact(record.exc_text, secrets)
        if exc_text != record.exc_text:
            # Handlers print exc_text; the exception itself (and its arguments) is dropped.
            record.exc_text, record.exc_info = exc_text, None
    if record.stack_info:
        record.stack_info = redact(record.stack_info, secrets)
    return record


def _install() -> None:
    """Wrap the process's log record factory once (idempotent, thread-safe)."""
    with _lock:
        if _installed:
            return
        make = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            return redacted_record(make(*args, **kwargs))

        logging.setLogRecordFactory(factory)
        _installed.append(factory)
