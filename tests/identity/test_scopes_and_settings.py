"""Scopes per safety class, the principal value and its contextvar, and the OAuth settings."""

from __future__ import annotations

import anyio
import anyio.lowlevel
import pytest

from zuora_mcp.config import CORE_SETTINGS
from zuora_mcp.errors import ConfigError
from zuora_mcp.identity import (
    ALL_SCOPES,
    OAUTH_SETTINGS,
    Principal,
    allows,
    current_principal,
    load_oauth_settings,
    principal_if_set,
    principal_of_request,
    refusal_text,
    scope_for,
    scope_needed_by,
    use_principal,
)
from zuora_mcp.identity.settings import DEFAULT_ALGORITHMS, OAuthSettings


@pytest.mark.parametrize(
    ("scopes", "allowed"),
    [
        ((), set()),
        (("openid", "profile"), set()),
        (("billing:read",), {"read"}),
        (("billing:write",), {"read", "write"}),
        (("billing:destructive",), {"read", "write", "destructive"}),
        (("billing:read", "billing:destructive"), {"read", "write", "destructive"}),
        (("billing:Read", "billing:*", "billing"), set()),  # no case folding, no wildcards
    ],
)
def test_each_scope_allows_its_class_and_the_weaker_ones(scopes: tuple[str, ...], allowed: set[str]) -> None:
    assert {safety for safety in ("read", "write", "destructive") if allows(scopes, safety)} == allowed


def test_scope_for_each_class_and_an_unknown_class_needs_the_strongest() -> None:
    assert [scope_for(s) for s in ("read", "write", "destructive")] == list(ALL_SCOPES)
    assert scope_for("something-new") == "billing:destructive"


def test_the_refusal_names_the_tool_and_the_scope() -> None:
    text = refusal_text("write_off_invoice", "billing:destructive")
    assert "write_off_invoice needs the billing:destructive scope" in text
    assert "Nothing was sent" in text


def test_scope_needed_by_reads_only_tools_call() -> None:
    safety = {"get_invoice": "read", "void_invoice": "destructive"}.get
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "void_invoice"}}
    assert scope_needed_by(call, safety) == "billing:destructive"
    assert scope_needed_by({**call, "params": {"name": "get_invoice"}}, safety) == "billing:read"
    assert scope_needed_by({**call, "params": {"name": "unknown"}}, safety) is None
    for odd in ({"method": "tools/list"}, {**call, "params": []}, {**call, "params": {"name": 3}}, [call], "x", None):
        assert scope_needed_by(odd, safety) is None


def test_static_and_local_principals_hold_every_scope_and_name_no_token() -> None:
    static, local = Principal.static(), Principal.local()
    assert static.scopes == local.scopes == frozenset(ALL_SCOPES)
    assert (static.label, static.kind, local.kind) == ("static token", "static", "local")
    assert local.label.startswith("local user ")
    oauth = Principal("oauth", "user-1", "agent", frozenset({"billing:read"}), "https://idp.example")
    assert oauth.key == "oauth|https://idp.example|user-1|agent"
    assert oauth.as_record() == {
        "kind": "oauth",
        "subject": "user-1",
        "client_id": "agent",
        "issuer": "https://idp.example",
        "scopes": ["billing:read"],
    }
    # The same caller with other scopes is the same key (a refreshed token may narrow scopes).
    assert Principal("oauth", "user-1", "agent", frozenset(), "https://idp.example").key == oauth.key


@pytest.mark.anyio
async def test_current_principal_is_per_task_and_local_outside_a_request() -> None:
    alice = Principal("oauth", "alice", None, frozenset({"billing:read"}))
    bob = Principal("oauth", "bob", None, frozenset({"billing:write"}))
    seen: dict[str, str] = {}

    async def handle(who: Principal) -> None:
        with use_principal(who):
            await anyio.lowlevel.checkpoint()  # let the other task run in between
            seen[who.subject] = current_principal().subject

    async with anyio.create_task_group() as group:
        group.start_soon(handle, alice)
        group.start_soon(handle, bob)
    assert seen == {"alice": "alice", "bob": "bob"}
    assert current_principal().kind == "local"
    assert principal_if_set() is None
    with use_principal(alice):
        assert principal_if_set() == alice


def test_principal_of_request_reads_the_asgi_scope() -> None:
    class Request:
        def __init__(self) -> None:
            self.scope = {"zuora_mcp.principal": Principal.static()}

    assert principal_of_request(Request()) == Principal.static()
    assert principal_of_request(None) is None


def test_oauth_settings_from_the_environment() -> None:
    assert load_oauth_settings({}) is None
    env = {
        "ZUORA_MCP_OAUTH_ISSUER": "https://idp.example/realms/b",
        "ZUORA_MCP_OAUTH_RESOURCE": "https://m.example/mcp",
    }
    assert load_oauth_settings(env) == OAuthSettings("https://idp.example/realms/b", "https://m.example/mcp")
    full = load_oauth_settings(
        {
            **env,
            "ZUORA_MCP_OAUTH_JWKS_URL": "https://idp.example/keys",
            "ZUORA_MCP_OAUTH_ALGORITHMS": "ES256, RS256",
            "ZUORA_MCP_OAUTH_LEEWAY": "5",
        }
    )
    assert full == OAuthSettings(
        "https://idp.example/realms/b", "https://m.example/mcp", "https://idp.example/keys", ("ES256", "RS256"), 5
    )
    assert DEFAULT_ALGORITHMS[0] == "RS256"


@pytest.mark.parametrize(
    ("extra", "complaint"),
    [
        ({"ZUORA_MCP_OAUTH_RESOURCE": ""}, "ZUORA_MCP_OAUTH_RESOURCE is not"),
        ({"ZUORA_MCP_OAUTH_ISSUER": "http://idp.example"}, "https"),
        ({"ZUORA_MCP_OAUTH_JWKS_URL": "http://idp.example/keys"}, "https"),
        ({"ZUORA_MCP_OAUTH_RESOURCE": "billing"}, "http(s) URL"),
        ({"ZUORA_MCP_OAUTH_ALGORITHMS": "RS256,none"}, "none not accepted"),
        ({"ZUORA_MCP_OAUTH_ALGORITHMS": "HS256"}, "HS256 not accepted"),
        ({"ZUORA_MCP_OAUTH_LEEWAY": "3600"}, "0 to 300"),
        ({"ZUORA_MCP_OAUTH_LEEWAY": "soon"}, "0 to 300"),
    ],
)
def test_oauth_settings_refuse_what_would_weaken_the_check(extra: dict[str, str], complaint: str) -> None:
    env = {"ZUORA_MCP_OAUTH_ISSUER": "https://idp.example", "ZUORA_MCP_OAUTH_RESOURCE": "https://m.example/mcp"}
    with pytest.raises(ConfigError, match=complaint.replace("(", r"\(").replace(")", r"\)")):
        load_oauth_settings({**env, **extra})


def test_the_settings_docs_match_core_settings_in_shape_and_never_collide() -> None:
    names = [doc.env for doc in OAUTH_SETTINGS]
    assert all(name.startswith("ZUORA_MCP_OAUTH_") for name in names)
    assert not set(names) & {doc.env for doc in CORE_SETTINGS}
    assert all(type(doc) is type(CORE_SETTINGS[0]) for doc in OAUTH_SETTINGS)
