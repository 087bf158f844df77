"""Run the demo API with uvicorn in a background thread on a loopback port.

`start_demo_server()` returns once the data is loaded and the port accepts connections;
`embedded_demo_server()` is the process-wide instance the app uses when no IBM credentials
are configured.
"""

from __future__ import annotations

import atexit
import base64
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from urllib.parse import quote_plus, urlencode
from urllib.request import Request, urlopen

import pandas as pd
import uvicorn

from analytics.demo.app import create_app
from analytics.demo.counter import RequestCounter
from analytics.demo.settings import DemoSettings, TokenAuth
from analytics.demo.store import DataRegistry

log = logging.getLogger(__name__)
STARTUP_TIMEOUT_S = 120.0


class DemoServer:
    """A running demo API; also a context manager that stops it on exit."""

    def __init__(
        self,
        settings: DemoSettings,
        server: uvicorn.Server,
        thread: threading.Thread,
        host: str,
        port: int,
        counter: RequestCounter,
        registry: DataRegistry,
    ) -> None:
        self.settings = settings
        self.host = host
        self.port = port
        self.root_url = f"http://{host}:{port}"
        self.base_url = f"{self.root_url}/v1/"
        self.token_url = f"{self.root_url}/oauth2/token"
        self.channel_api_url = f"{self.root_url}/"  # users/self/channels.json and the rest
        self.client_id = settings.client_id
        self.client_secret = settings.client_secret
        self._server = server
        self._thread = thread
        self._counter = counter
        self._registry = registry

    def fetch_token(self) -> str:
        """A fresh JWT for the first account, from the token endpoint over HTTP (the secret by
        HTTP Basic when the server takes only that, else in the form)."""
        fields = {"grant_type": "client_credentials", "client_id": self.client_id}
        headers = {}
        if self.settings.token_auth is TokenAuth.BASIC:
            pair = f"{quote_plus(self.client_id)}:{quote_plus(self.client_secret)}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            fields["client_secret"] = self.client_secret
        form = urlencode({**fields, "token_type": "jwt"}).encode()
        request = Request(self.token_url, data=form, headers=headers, method="POST")  # noqa: S310
        with urlopen(request, timeout=30) as response:  # noqa: S310 - our own http:// URL
            return json.load(response)["access_token"]

    def request_count(self, path_prefix: str = "/v1/") -> int:
        """/v1 requests answered so far (faults included) whose path starts with the prefix."""
        return self._counter.total(path_prefix)

    def reset_request_count(self) -> None:
        self._counter.reset()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and free the data; safe to call twice."""
        if self._thread.is_alive():
            self._server.should_exit = True
            self._thread.join(timeout)
        self._registry.close()

    def __enter__(self) -> DemoServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"DemoServer({self.root_url}, client_id={self.client_id!r})"


def start_demo_server(
    settings: DemoSettings | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    datasets: Mapping[str, pd.DataFrame] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> DemoServer:
    """Load the first account's data, then serve on host:port (0 = a free port).

    `datasets` serves hand-built segment frames (analytics.demo.segments_frame) instead of
    generated data for the given client ids; `clock` fixes "now" (tests of running segments).
    """
    settings = settings or DemoSettings()
    clock = clock or (lambda: datetime.now(UTC))
    unknown = set(datasets or {}) - set(settings.accounts)
    if unknown:
        raise ValueError(f"datasets for unknown client ids: {sorted(unknown)}")
    registry = DataRegistry(settings, clock, datasets)
    registry.get(settings.client_id)  # fail here, not on the first request
    counter = RequestCounter()
    app = create_app(settings, registry, clock=clock, counter=counter)

    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets that say they are TCP,
    # and without it every keep-alive response waits ~40 ms (Nagle + delayed ACK).
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        registry.close()
        raise OSError(f"demo API cannot listen on {host}:{port}: {exc.strerror}") from None
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"demo-api-{bound_port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            registry.close()
            raise RuntimeError("the demo API did not start")
        time.sleep(0.01)
    return DemoServer(settings, server, thread, host, bound_port, counter, registry)


_embedded: DemoServer | None = None
_embedded_lock = threading.Lock()


def embedded_demo_server() -> DemoServer:
    """The process-wide demo server (settings from ANALYTICS_DEMO_*), started on first call."""
    global _embedded
    with _embedded_lock:
        if _embedded is None or not _embedded.running:
            _embedded = start_demo_server(DemoSettings.from_env())
            atexit.register(_embedded.stop)
            log.info("embedded demo Analytics API at %s", _embedded.base_url)
        return _embedded
