"""Access tokens against a real issuer on loopback: each forgery and mistake refused, a valid token's principal."""

from __future__ import annotations

import logging
import time

import jwt
import pytest

from tests.identity.conftest import Clock, verifier_for
from tests.identity.issuer import RESOURCE, Issuer, hs256_with_public_key, new_key, running_issuer, unsigned_token
from zuora_mcp.identity.principal import Principal
from zuora_mcp.identity.verifier import JWTVerifier, TokenRejected

pytestmark = pytest.mark.anyio


async def refused(verifier: JWTVerifier, token: str) -> str:
    with pytest.raises(TokenRejected) as caught:
        await verifier.verify(token)
    assert await verifier.authenticate(token) is None
    reason = str(caught.value)
    for part in token.split("."):  # no token material in a reason
        assert len(part) < 4 or part not in reason
    return reason


async def test_a_valid_token_gives_its_principal(issuer: Issuer, verifier: JWTVerifier) -> None:
    principal = await verifier.verify(issuer.mint(scope="billing:read billing:write"))
    assert principal == Principal(
        "oauth", "user-42", "billing-agent", frozenset({"billing:read", "billing:write"}), issuer.url
    )
    assert principal.allows("write")
    assert not principal.allows("destructive")
    assert principal.label == "user-42 via billing-agent"


async def test_scp_and_azp_as_okta_entra_and_keycloak_spell_them(issuer: Issuer, verifier: JWTVerifier) -> None:
    listed = await verifier.verify(issuer.mint(scope=None, client_id=None, scp=["billing:read"], azp="agent-7"))
    assert (listed.scopes, listed.client_id) == (frozenset({"billing:read"}), "agent-7")
    okta = await verifier.verify(issuer.mint(scope=None, client_id=None, scp=["billing:read"], cid="0oa1b2c3"))
    assert okta.client_id == "0oa1b2c3"
    spaced = await verifier.verify(issuer.mint(scope=None, scp="billing:destructive other"))
    assert spaced.scopes == frozenset({"billing:destructive", "other"})
    assert spaced.allows("destructive")
    assert spaced.allows("read")


async def test_an_audience_list_naming_this_resource_is_accepted(issuer: Issuer, verifier: JWTVerifier) -> None:
    principal = await verifier.verify(issuer.mint(aud=["https://other.example/api", RESOURCE + "/"]))
    assert principal.subject == "user-42"


async def test_expired_and_not_yet_valid_tokens_are_refused_beyond_the_leeway(
    issuer: Issuer, verifier: JWTVerifier
) -> None:
    now = int(time.time())
    assert await refused(verifier, issuer.mint(iat=now - 600, exp=now - 120)) == "token expired"
    assert await refused(verifier, issuer.mint(nbf=now + 120)) == "token not yet valid"
    # Within the 30 s leeway both pass: clocks of issuer and server are never exactly equal.
    assert await verifier.verify(issuer.mint(exp=now - 5))
    assert await verifier.verify(issuer.mint(nbf=now + 5))


async def test_wrong_issuer_and_wrong_audience_are_refused(issuer: Issuer, verifier: JWTVerifier) -> None:
    assert await refused(verifier, issuer.mint(iss="https://evil.example")) == "token from another issuer"
    assert await refused(verifier, issuer.mint(aud="https://other.example/api")) == "token issued for another resource"


async def test_required_claims_must_be_present(issuer: Issuer, verifier: JWTVerifier) -> None:
    for claim in ("exp", "aud", "sub", "iss"):
        assert claim in await refused(verifier, issuer.mint(**{claim: None}))


async def test_alg_none_is_refused(issuer: Issuer, verifier: JWTVerifier) -> None:
    token = unsigned_token(issuer.claims(), issuer.key.kid)
    assert await refused(verifier, token) == "signature algorithm not accepted"


async def test_hs256_signed_with_the_public_key_is_refused(issuer: Issuer, verifier: JWTVerifier) -> None:
    token = hs256_with_public_key(issuer.claims(scope="billing:destructive"), issuer.key)
    assert await refused(verifier, token) == "signature algorithm not accepted"


async def test_a_token_signed_by_another_key_with_the_issuers_kid_is_refused(
    issuer: Issuer, verifier: JWTVerifier
) -> None:
    impostor = new_key(issuer.key.kid)
    assert await refused(verifier, issuer.mint(impostor)) == "signature does not verify"


async def test_an_algorithm_the_key_is_not_for_is_refused(issuer: Issuer, verifier: JWTVerifier) -> None:
    # The JWK says RS256; a PS256 signature by the same RSA key is not what the issuer publishes it for.
    token = jwt.encode(issuer.claims(), issuer.key.private, algorithm="PS256", headers={"kid": issuer.key.kid})
    assert await refused(verifier, token) == "signed with a key the issuer does not publish"


async def test_an_algorithm_outside_the_configured_list_is_refused(issuer: Issuer, clock: Clock) -> None:
    only_es256 = verifier_for(issuer, clock, algorithms=("ES256",))
    try:
        assert await refused(only_es256, issuer.mint()) == "signature algorithm not accepted"
    finally:
        await only_es256.aclose()


async def test_garbage_is_refused_without_a_fetch(issuer: Issuer, verifier: JWTVerifier) -> None:
    for token in ("", "abc", "a.b", "a.b.c", "x" * 20_000, "e30.e30.e30"):
        await refused(verifier, token)
    assert issuer.requests["/jwks"] == 0


async def test_a_token_without_kid_is_accepted_only_when_one_key_fits(issuer: Issuer, verifier: JWTVerifier) -> None:
    assert await verifier.verify(issuer.mint(kid=None))
    issuer.rotate("key-2")
    verifier._keys._clock.advance(60)  # type: ignore[attr-defined]
    await verifier.verify(issuer.mint(kid="key-2"))  # picks up the second key
    assert await refused(verifier, issuer.mint(kid=None)) == "signed with a key the issuer does not publish"


async def test_an_ec_issuer_and_openid_discovery_under_a_realm_path() -> None:
    async with running_issuer(path="/realms/billing", alg="ES256") as keycloak:
        verifier = verifier_for(keycloak, Clock())
        try:
            principal = await verifier.verify(keycloak.mint(azp="billing-agent", client_id=None))
        finally:
            await verifier.aclose()
    assert (principal.issuer, principal.client_id) == (keycloak.url, "billing-agent")
    assert keycloak.requests["/realms/billing/.well-known/openid-configuration"] == 1


async def test_refusals_are_logged_without_any_token_material(
    issuer: Issuer, verifier: JWTVerifier, caplog: pytest.LogCaptureFixture
) -> None:
    now = int(time.time())
    tokens = [
        issuer.mint(exp=now - 600),
        issuer.mint(aud="https://other.example"),
        issuer.mint(new_key(issuer.key.kid)),
        issuer.mint(kid="never-published"),
        unsigned_token(issuer.claims(), issuer.key.kid),
        hs256_with_public_key(issuer.claims(), issuer.key),
    ]
    with caplog.at_level(logging.DEBUG):
        for token in tokens:
            assert await verifier.authenticate(token) is None
    assert len([r for r in caplog.records if r.name == "zuora_mcp.identity.verifier"]) == len(tokens)
    for token in tokens:
        for part in token.split("."):
            assert len(part) < 8 or part not in caplog.text
