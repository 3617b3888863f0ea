"""The issuer's keys: discovered, fetched once, refetched on rotation at a bounded rate, never hammered."""

from __future__ import annotations

import secrets

import anyio
import pytest

from tests.identity.conftest import Clock, verifier_for
from tests.identity.issuer import Issuer, running_issuer
from zuora_mcp.errors import ConfigError
from zuora_mcp.identity.jwks import JWKSource, metadata_urls
from zuora_mcp.identity.settings import check_fetch_url
from zuora_mcp.identity.verifier import JWTVerifier, TokenRejected

pytestmark = pytest.mark.anyio


async def test_keys_are_fetched_once_and_reused(issuer: Issuer, verifier: JWTVerifier) -> None:
    for _ in range(5):
        await verifier.verify(issuer.mint())
    assert issuer.requests["/.well-known/oauth-authorization-server"] == 1
    assert issuer.requests["/jwks"] == 1


async def test_unknown_kid_then_rotation_fetches_the_new_key_once(
    issuer: Issuer, verifier: JWTVerifier, clock: Clock
) -> None:
    old = issuer.key
    await verifier.verify(issuer.mint())
    clock.advance(31)  # past the refetch interval since the first fetch
    rotated = issuer.rotate("key-2", withdraw_old=True)
    for _ in range(3):
        principal = await verifier.verify(issuer.mint(rotated))
        assert principal.subject == "user-42"
    assert issuer.requests["/jwks"] == 2
    # The refetch also dropped the withdrawn key: its tokens no longer verify.
    with pytest.raises(TokenRejected, match="a key the issuer does not publish"):
        await verifier.verify(issuer.mint(old))


async def test_a_flood_of_unknown_kids_costs_the_issuer_one_request_per_interval(
    issuer: Issuer, verifier: JWTVerifier, clock: Clock
) -> None:
    await verifier.verify(issuer.mint())
    clock.advance(31)
    forged = [issuer.mint(kid=secrets.token_hex(8)) for _ in range(40)]

    async def attempt(token: str) -> None:
        assert await verifier.authenticate(token) is None

    async with anyio.create_task_group() as group:  # concurrently, as an attacker would send them
        for token in forged:
            group.start_soon(attempt, token)
    assert issuer.requests["/jwks"] == 2  # the first fetch and one refetch for all 40
    for token in forged[:10]:
        await attempt(token)
    assert issuer.requests["/jwks"] == 2
    clock.advance(31)
    await attempt(forged[0])
    assert issuer.requests["/jwks"] == 3
    assert await verifier.verify(issuer.mint())  # the real key never stopped working


async def test_a_rotation_inside_the_interval_waits_for_it(issuer: Issuer, verifier: JWTVerifier, clock: Clock) -> None:
    await verifier.verify(issuer.mint())
    rotated = issuer.rotate("key-2")
    assert await verifier.authenticate(issuer.mint(rotated)) is None  # 30 s have not passed
    clock.advance(30)
    assert await verifier.authenticate(issuer.mint(rotated)) is not None
    assert issuer.requests["/jwks"] == 2


async def test_keys_older_than_their_max_age_are_refetched(issuer: Issuer) -> None:
    clock = Clock()
    keys = JWKSource(issuer.url, clock=clock, max_age_seconds=600)
    try:
        assert await keys.key("key-1", "RS256") is not None
        clock.advance(601)
        issuer.rotate("key-2", withdraw_old=True)
        assert await keys.key("key-1", "RS256") is None  # withdrawn: no longer trusted
        assert issuer.requests["/jwks"] == 2
    finally:
        await keys.aclose()


async def test_a_broken_key_set_is_asked_for_once_per_interval_and_the_old_keys_stay(
    issuer: Issuer, verifier: JWTVerifier, clock: Clock
) -> None:
    old = issuer.key
    await verifier.verify(issuer.mint())
    clock.advance(31)
    issuer.keys = []  # the issuer now publishes no usable key (a bad deploy, or an outage page)
    for _ in range(5):
        assert await verifier.authenticate(issuer.mint(old, kid="unknown")) is None
    assert issuer.requests["/jwks"] == 2
    assert await verifier.verify(issuer.mint(old))  # valid tokens are not turned away meanwhile


async def test_metadata_naming_another_issuer_is_not_used(issuer: Issuer, verifier: JWTVerifier) -> None:
    issuer.metadata_issuer = "https://evil.example"
    assert await verifier.authenticate(issuer.mint()) is None
    assert issuer.requests["/jwks"] == 0


async def test_an_explicit_jwks_url_skips_discovery(issuer: Issuer, clock: Clock) -> None:
    verifier = verifier_for(issuer, clock, jwks_url=issuer.jwks_url)
    try:
        assert await verifier.verify(issuer.mint())
    finally:
        await verifier.aclose()
    assert issuer.requests["/.well-known/oauth-authorization-server"] == 0


async def test_a_missing_metadata_document_leaves_every_token_refused() -> None:
    async with running_issuer(path="/nothing-here") as issuer:
        issuer.path = ""  # publishes only /.well-known/… at the root, where a path issuer is not looked up
        verifier = verifier_for(issuer, Clock())
        try:
            assert await verifier.authenticate(issuer.mint()) is None
        finally:
            await verifier.aclose()


def test_metadata_urls_follow_rfc_8414_and_openid_discovery() -> None:
    assert metadata_urls("https://idp.example") == [
        "https://idp.example/.well-known/oauth-authorization-server",
        "https://idp.example/.well-known/openid-configuration",
    ]
    assert metadata_urls("https://kc.example/realms/billing/") == [
        "https://kc.example/.well-known/oauth-authorization-server/realms/billing",
        "https://kc.example/.well-known/openid-configuration/realms/billing",
        "https://kc.example/realms/billing/.well-known/openid-configuration",
    ]


@pytest.mark.parametrize("url", ["http://idp.example", "ftp://idp.example", "https://user:pw@idp.example", "idp"])
def test_keys_come_over_https_or_loopback_http_only(url: str) -> None:
    with pytest.raises(ConfigError):
        check_fetch_url("ZUORA_MCP_OAUTH_ISSUER", url)
    for fine in ("https://idp.example", "http://127.0.0.1:8080/realms/x", "http://localhost:9000", "http://[::1]:1"):
        check_fetch_url("ZUORA_MCP_OAUTH_ISSUER", fine)


async def test_warm_up_fetches_at_start_and_says_why_it_could_not(issuer: Issuer, clock: Clock) -> None:
    verifier = verifier_for(issuer, clock)
    broken = verifier_for(issuer, clock, jwks_url=issuer.root + "/no-keys-here")
    try:
        assert await verifier.warm_up() is None
        assert issuer.requests["/jwks"] == 1
        await verifier.verify(issuer.mint())
        assert issuer.requests["/jwks"] == 1  # the keys fetched at start-up serve the first token
        reason = await broken.warm_up()
        assert reason is not None
        assert "404" in reason
    finally:
        await verifier.aclose()
        await broken.aclose()
