"""A fake Zuora behind httpx2.MockTransport, fake time and test settings, for the client tests."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any

import httpx2

from zuora_mcp.client import BillingClient
from zuora_mcp.config import Secret, Settings
from zuora_mcp.providers.zuora.settings import ZuoraConnection

SECRET = "s3cr3t-do-not-leak-4b1d"
BASE_URL = "https://zuora.test"

ApiHandler = Callable[[httpx2.Request], httpx2.Response | Awaitable[httpx2.Response]]


def token_value(number: int) -> str:
    """The bearer token the fake issues the ``number``-th time (1-based)."""
    return f"bearer-tok-{number}-9c1e77"


def ok(data: Any = None, headers: dict[str, str] | None = None) -> httpx2.Response:
    return httpx2.Response(200, json={"success": True} if data is None else data, headers=headers)


@dataclass
class FakeZuora:
    """Answers the token endpoint itself and hands API calls to ``api``; records everything."""

    api: ApiHandler = field(default=lambda request: ok())
    token_lifetime: float = 3600
    token_answer: Callable[[httpx2.Request], httpx2.Response] | None = None
    token_requests: list[httpx2.Request] = field(default_factory=list)
    api_requests: list[httpx2.Request] = field(default_factory=list)

    async def __call__(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.path == "/oauth/token":
            self.token_requests.append(request)
            # Yield a few times so concurrent callers pile up while the token is "in flight".
            for _ in range(5):
                await asyncio.sleep(0)
            if self.token_answer is not None:
                return self.token_answer(request)
            return httpx2.Response(
                200,
                json={
                    "access_token": token_value(len(self.token_requests)),
                    "token_type": "bearer",
                    "expires_in": self.token_lifetime,
                    "scope": "entity.1a2b",
                    "jti": "abc",
                },
            )
        self.api_requests.append(request)
        result = self.api(request)
        if inspect.isawaitable(result):
            result = await result
        return result


@dataclass
class FakeTime:
    """A clock that only moves when the client sleeps (or the test moves it); sleeps are recorded."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


_CONNECTION_FIELDS = {f.name for f in fields(ZuoraConnection)}


def make_settings(**overrides: Any) -> Settings:
    """Settings for the fake Zuora; Zuora's own fields (client_id, entity_ids, ...) go to its connection."""
    connection = ZuoraConnection(client_id="client-id-1", client_secret=Secret(SECRET), zuora_version="341.0")
    mine = {key: overrides.pop(key) for key in list(overrides) if key in _CONNECTION_FIELDS}
    base = Settings(
        environment="custom",
        base_url=BASE_URL,
        production=False,
        connection=replace(connection, **mine),
        max_retries=4,
    )
    return replace(base, **overrides)


@dataclass
class Harness:
    fake: FakeZuora
    time: FakeTime
    settings: Settings

    def client(self) -> BillingClient:
        return BillingClient(
            self.settings,
            transport=httpx2.MockTransport(self.fake),
            sleep=self.time.sleep,
            clock=self.time.clock,
        )
