"""The HTTP gate with OAuth: challenges, discovery, the principal handed to the app, 403 per tool scope."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from tests.identity.issuer import RESOURCE, Issuer
from zuora_mcp.errors import ConfigError
from zuora_mcp.http_gate import BearerGate, insufficient_scope_challenge
from zuora_mcp.identity import SCOPE_KEY, Principal, current_principal, scope_needed_by
from zuora_mcp.identity.verifier import JWTVerifier

pytestmark = pytest.mark.anyio
STATIC = "static-token-for-gate-tests-91c2"
METADATA = "http://127.0.0.1:8765/.well-known/oauth-protected-resource/mcp"
ALL = "billing:read billing:write billing:destructive"
SAFETY = {"get_invoice": "read", "create_memo": "write", "write_off_invoice": "destructive"}


class Recorder:
    """The app behind the gate: records who reached it and the body it received, answers 200."""

    def __init__(self) -> None:
        self.seen: list[tuple[Principal, Principal | None, bytes]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.seen.append((current_principal(), scope.get(SCOPE_KEY), body))
        headers = [(b"content-type", b"application/json")]
        if scope["method"] == "POST" and b'"initialize"' in body:
            headers.append((b"mcp-session-id", f"session-{len(self.seen)}".encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"{}"})


@pytest.fixture
def app() -> Recorder:
    return Recorder()


@pytest.fixture
async def http(app: Recorder, verifier: JWTVerifier) -> AsyncIterator[httpx2.AsyncClient]:
    gate = BearerGate(
        app,
        token=STATIC,
        verifier=verifier,
        required_scope=lambda message: scope_needed_by(message, SAFETY.get),
    )
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=gate), base_url="http://127.0.0.1:8765") as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def call(tool: str, request_id: int = 1) -> bytes:
    params = {"name": tool, "arguments": {}}
    return json.dumps({"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params}).encode()


async def test_no_token_gets_401_naming_the_metadata_and_scopes(http: httpx2.AsyncClient, app: Recorder) -> None:
    answer = await http.post("/mcp", content=call("get_invoice"))
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == f'Bearer resource_metadata="{METADATA}", scope="{ALL}"'
    assert app.seen == []


async def test_a_refused_token_gets_401_invalid_token(http: httpx2.AsyncClient, app: Recorder, issuer: Issuer) -> None:
    for token in ("not-a-jwt", issuer.mint(aud="https://other.example"), STATIC + "x"):
        answer = await http.post("/mcp", headers=bearer(token), content=call("get_invoice"))
        assert answer.status_code == 401
        challenge = answer.headers["www-authenticate"]
        assert challenge == f'Bearer resource_metadata="{METADATA}", scope="{ALL}", error="invalid_token"'
        assert token not in answer.text
    assert app.seen == []


async def test_the_discovery_document_names_the_issuer_and_scopes(http: httpx2.AsyncClient, issuer: Issuer) -> None:
    for path in ("/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"):
        answer = await http.get(path)
        assert answer.status_code == 200
        assert answer.json() == {
            "resource": RESOURCE,
            "authorization_servers": [issuer.url],
            "scopes_supported": ["billing:read", "billing:write", "billing:destructive"],
            "bearer_methods_supported": ["header"],
            "resource_name": "zuora-mcp",
        }
    assert (await http.post("/.well-known/oauth-protected-resource")).status_code == 405


async def test_a_valid_jwt_reaches_the_app_with_its_principal_set(
    http: httpx2.AsyncClient, app: Recorder, issuer: Issuer
) -> None:
    answer = await http.post("/mcp", headers=bearer(issuer.mint(scope="billing:read")), content=call("get_invoice"))
    assert answer.status_code == 200
    (principal, in_scope, body) = app.seen[0]
    expected = Principal("oauth", "user-42", "billing-agent", frozenset({"billing:read"}), issuer.url)
    assert principal == in_scope == expected
    assert body == call("get_invoice")  # the gate read the body and gave it back untouched
    assert current_principal().kind == "local"  # nothing leaks out of the request


async def test_the_static_token_still_works_and_means_every_scope(http: httpx2.AsyncClient, app: Recorder) -> None:
    answer = await http.post("/mcp", headers=bearer(STATIC), content=call("write_off_invoice"))
    assert answer.status_code == 200
    assert app.seen[0][0] == Principal.static()


async def test_a_call_beyond_the_tokens_scopes_gets_403_and_reaches_nothing(
    http: httpx2.AsyncClient, app: Recorder, issuer: Issuer
) -> None:
    reader, writer = issuer.mint(scope="billing:read"), issuer.mint(scope="billing:write")
    cases = [(reader, "create_memo", "billing:write"), (writer, "write_off_invoice", "billing:destructive")]
    for token, tool, needed in cases:
        answer = await http.post("/mcp", headers=bearer(token), content=call(tool, 17))
        assert answer.status_code == 403
        assert answer.headers["www-authenticate"] == insufficient_scope_challenge(needed, METADATA)
        assert answer.headers["www-authenticate"].startswith(
            f'Bearer error="insufficient_scope", scope="{needed}", resource_metadata="{METADATA}"'
        )
        error = answer.json()
        assert error["id"] == 17
        assert error["error"]["data"] == {"required_scope": needed}
    assert app.seen == []
    # What the scopes do allow passes, writes included for the write scope.
    assert (await http.post("/mcp", headers=bearer(writer), content=call("create_memo"))).status_code == 200
    assert (await http.post("/mcp", headers=bearer(reader), content=call("get_invoice"))).status_code == 200
    # An unknown tool and other methods are the server's to answer.
    assert (await http.post("/mcp", headers=bearer(reader), content=call("no_such_tool"))).status_code == 200
    listing = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}).encode()
    assert (await http.post("/mcp", headers=bearer(reader), content=listing)).status_code == 200
    assert len(app.seen) == 4


async def test_a_batch_with_one_call_beyond_scope_is_refused_whole(
    http: httpx2.AsyncClient, app: Recorder, issuer: Issuer
) -> None:
    batch = b"[" + call("get_invoice", 1) + b"," + call("write_off_invoice", 2) + b"]"
    answer = await http.post("/mcp", headers=bearer(issuer.mint(scope="billing:write")), content=batch)
    assert (answer.status_code, answer.json()["id"]) == (403, 2)
    assert app.seen == []


async def test_escapes_in_the_json_do_not_slip_a_call_past_the_gate(
    http: httpx2.AsyncClient, app: Recorder, issuer: Issuer
) -> None:
    escaped = b'{"jsonrpc":"2.0","id":3,"method":"tools\\/call","params":{"name":"write\\u005foff_invoice"}}'
    duplicate = b'{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"get_invoice","name":"create_memo"}}'
    token = issuer.mint(scope="billing:read")
    for body in (escaped, duplicate):
        assert (await http.post("/mcp", headers=bearer(token), content=body)).status_code == 403
    assert app.seen == []


async def test_bodies_the_gate_cannot_parse_go_to_the_server_unchanged(
    http: httpx2.AsyncClient, app: Recorder, issuer: Issuer
) -> None:
    token = issuer.mint(scope="billing:read")
    nested = b'{"method":"tools/call","params":{"name":"create_memo","arguments":' + b"[" * 100_000 + b"]" * 100_000
    for body in (b"{not json tools/call", nested + b"}}"):
        assert (await http.post("/mcp", headers=bearer(token), content=body)).status_code == 200
    assert [seen[2] for seen in app.seen] == [b"{not json tools/call", nested + b"}}"]


async def test_a_session_is_usable_only_by_the_principal_that_opened_it(
    http: httpx2.AsyncClient, app: Recorder, issuer: Issuer
) -> None:
    alice, bob = issuer.mint(sub="alice"), issuer.mint(sub="bob")
    initialize = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}).encode()
    opened = await http.post("/mcp", headers=bearer(alice), content=initialize)
    session = opened.headers["mcp-session-id"]
    read = call("get_invoice")
    as_alice = await http.post("/mcp", headers={**bearer(alice), "mcp-session-id": session}, content=read)
    as_bob = await http.post("/mcp", headers={**bearer(bob), "mcp-session-id": session}, content=read)
    unknown = await http.post("/mcp", headers={**bearer(alice), "mcp-session-id": "made-up"}, content=call("x"))
    assert (as_alice.status_code, as_bob.status_code, unknown.status_code) == (200, 404, 404)
    assert as_bob.json()["error"] == {"code": -32600, "message": "Session not found"}
    assert [seen[0].subject for seen in app.seen] == ["alice", "alice"]


async def test_without_any_authentication_configured_requests_are_the_local_user(app: Recorder) -> None:
    gate = BearerGate(app, token=None)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=gate), base_url="http://127.0.0.1:1") as http:
        assert (await http.post("/mcp", content=call("write_off_invoice"))).status_code == 200
        assert (await http.get("/.well-known/oauth-protected-resource")).status_code == 200  # the app's own answer
    assert [seen[0] for seen in app.seen] == [Principal.local(), Principal.local()]


async def test_static_only_keeps_its_plain_challenge(app: Recorder) -> None:
    gate = BearerGate(app, token=STATIC)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=gate), base_url="http://127.0.0.1:1") as http:
        missing = await http.post("/mcp")
        wrong = await http.post("/mcp", headers=bearer("nope"))
    assert missing.headers["www-authenticate"] == 'Bearer realm="zuora-mcp"'
    assert wrong.headers["www-authenticate"] == 'Bearer realm="zuora-mcp", error="invalid_token"'
    assert app.seen == []


def test_from_environment_builds_oauth_only_when_configured(app: Recorder) -> None:
    plain = BearerGate.from_environment(app, token=STATIC, environ={})
    assert (plain.resource_metadata, repr(plain)) == (None, "BearerGate(token=set, oauth=unset)")
    environ = {"ZUORA_MCP_OAUTH_ISSUER": "https://idp.example", "ZUORA_MCP_OAUTH_RESOURCE": "https://m.example/mcp"}
    oauth = BearerGate.from_environment(app, token=None, environ=environ)
    assert oauth.resource_metadata == "https://m.example/.well-known/oauth-protected-resource/mcp"
    with pytest.raises(ConfigError, match="ZUORA_MCP_OAUTH_RESOURCE"):
        BearerGate.from_environment(app, token=None, environ={"ZUORA_MCP_OAUTH_ISSUER": "https://idp.example"})
