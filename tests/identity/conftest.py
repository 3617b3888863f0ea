"""Fixtures: a real issuer on loopback per test, and a verifier for it with a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.identity.issuer import RESOURCE, Issuer, running_issuer
from zuora_mcp.identity.jwks import JWKSource
from zuora_mcp.identity.settings import OAuthSettings
from zuora_mcp.identity.verifier import JWTVerifier


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Clock:
    """Monotonic seconds that only move when a test says so (the JWKS refetch interval)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def issuer() -> AsyncIterator[Issuer]:
    async with running_issuer() as running:
        yield running


def verifier_for(issuer: Issuer, clock: Clock, **settings: object) -> JWTVerifier:
    oauth = OAuthSettings(issuer=issuer.url, resource=RESOURCE, **settings)  # type: ignore[arg-type]
    return JWTVerifier(oauth, JWKSource(oauth.issuer, oauth.jwks_url, clock=clock))


@pytest.fixture
async def verifier(issuer: Issuer, clock: Clock) -> AsyncIterator[JWTVerifier]:
    made = verifier_for(issuer, clock)
    yield made
    await made.aclose()
