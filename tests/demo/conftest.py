"""Helpers for the demo API's tests: an authenticated HTTP caller and hand-built datasets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
import requests

from analytics.demo import DemoServer


@dataclass
class Api:
    """Calls one demo server with a token, returning (status, JSON body)."""

    server: DemoServer
    token: str
    session: requests.Session

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(
            self.server.base_url + path,
            params=params,
            headers={"Authorization": self.token},
            timeout=30,
        )

    def ok(self, path: str, **params: Any) -> dict:
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        return response.json()

    def attributes(self, path: str, **params: Any) -> list[dict]:
        return [item["attributes"] for item in self.ok(path, **params)["data"]]

    def series(self, path: str, **params: Any) -> list[tuple[str, int]]:
        return [(row["point"], row["value"]) for row in self.attributes(path, **params)]


def fixed_clock(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


@pytest.fixture(scope="module")
def api_for() -> Iterator[Callable[[DemoServer], Api]]:
    """api_for(server) -> Api with a fresh token for the server's first account."""
    sessions: list[requests.Session] = []

    def make(server: DemoServer) -> Api:
        session = requests.Session()
        sessions.append(session)
        return Api(server, server.fetch_token(), session)

    yield make
    for session in sessions:
        session.close()


@pytest.fixture(scope="session")
def shared_api(demo_server: DemoServer, demo_token: str) -> Api:
    """Api over the shared generated-data server."""
    return Api(demo_server, demo_token, requests.Session())
