"""Confirmation tokens permit exactly one write: this tool, these arguments, this tenant, soon."""

from __future__ import annotations

import pytest

from zuora_mcp.confirmation import TokenError, TokenSigner, arguments_hash

KEY = b"k" * 32
ARGS = arguments_hash({"invoiceKey": "INV00000001", "memoDate": "2026-11-21"})
ENV = "custom|http://127.0.0.1:9"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def mint(signer: TokenSigner, **overrides: str) -> str:
    fields = {"tool": "reverse_invoice", "args": ARGS, "env": ENV, "state": "fp1", **overrides}
    token, _ = signer.mint(kind="token", **fields)
    return token


def verify(signer: TokenSigner, token: str, **overrides: str) -> None:
    fields = {"tool": "reverse_invoice", "args": ARGS, "env": ENV, **overrides}
    signer.mark_used(signer.verify(token, kind="token", **fields))


def test_a_token_runs_once_for_the_call_it_was_issued_for() -> None:
    signer = TokenSigner(KEY)
    token = mint(signer)
    verify(signer, token)
    with pytest.raises(TokenError, match="already been used"):
        verify(signer, token)


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"tool": "write_off_invoice"}, "issued for the tool reverse_invoice"),
        ({"args": arguments_hash({"invoiceKey": "INV00000002"})}, "different arguments"),
        ({"env": "custom|https://rest.zuora.com"}, "another environment"),
    ],
)
def test_a_token_is_refused_for_another_call(overrides: dict[str, str], needle: str) -> None:
    signer = TokenSigner(KEY)
    with pytest.raises(TokenError, match=needle):
        verify(signer, mint(signer), **overrides)


def test_an_expired_token_is_refused() -> None:
    clock = Clock()
    signer = TokenSigner(KEY, ttl_seconds=300, clock=clock)
    token = mint(signer)
    clock.now += 301
    with pytest.raises(TokenError, match="expired"):
        verify(signer, token)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-3],  # truncated signature
        lambda t: t.split(".")[0],  # no signature
        lambda t: "x" + t,  # altered claims
        lambda t: "",
        lambda t: "not-a-token",
        lambda t: t + ".extra",
    ],
)
def test_forged_or_truncated_tokens_are_refused(mangle: object) -> None:
    signer = TokenSigner(KEY)
    token = mint(signer)
    with pytest.raises(TokenError):
        verify(signer, mangle(token))  # type: ignore[operator]


def test_a_token_from_another_key_is_refused_and_one_from_the_same_key_is_accepted() -> None:
    other = TokenSigner(b"o" * 32)
    with pytest.raises(TokenError, match="signature"):
        verify(TokenSigner(KEY), mint(other))
    # Replicas share only the key: a token minted by one verifies on another.
    verify(TokenSigner(KEY), mint(TokenSigner(KEY)))


def test_an_elicitation_state_cannot_be_used_as_a_token() -> None:
    signer = TokenSigner(KEY)
    state, _ = signer.mint(kind="elicit", tool="reverse_invoice", args=ARGS, env=ENV)
    with pytest.raises(TokenError, match="different confirmation step"):
        verify(signer, state)


def test_the_signer_never_shows_its_key() -> None:
    signer = TokenSigner(b"super-secret-key-material-123456")
    assert "super-secret" not in repr(signer)


def test_argument_hash_ignores_key_order() -> None:
    assert arguments_hash({"a": 1, "b": [1, 2]}) == arguments_hash({"b": [1, 2], "a": 1})
    assert arguments_hash({"a": 1}) != arguments_hash({"a": 2})
