"""The real SDK client over real HTTP with bearer tokens from a real issuer.

In-process: a small low-level ``Server`` (three tools, one per safety class) behind the gate on a
loopback socket. Its handlers read ``current_principal()``, which proves the SDK carries the gate's
contextvar into handlers in both protocol eras, and they filter ``tools/list`` by scope the way
``zuora_mcp.server`` will. Then the product itself: ``python -m zuora_mcp serve --sandbox --transport
http`` with the OAuth environment set.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import anyio
import httpx2
import mcp.types as types
import pytest
from mcp.client import Client
from mcp.client.auth.extensions.client_credentials import ClientCredentialsOAuthProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.server import Server, ServerRequestContext
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from mcp.shared.exceptions import MCPError

from tests.e2e.conftest import NodeTools
from tests.e2e.conftest import node_tools as node_tools  # the pinned Node clients' fixture, shared
from tests.identity.conftest import Clock, verifier_for
from tests.identity.issuer import RESOURCE, Issuer
from tests.server.test_transports import http_server, server_env
from zuora_mcp.http_gate import BearerGate
from zuora_mcp.identity import current_principal, principal_of_request, scope_needed_by
from zuora_mcp.identity.jwks import JWKSource
from zuora_mcp.identity.settings import OAuthSettings
from zuora_mcp.identity.verifier import JWTVerifier
from zuora_mcp.tenant_kit.loopback import serve_on_loopback

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]
STATIC = "static-token-for-e2e-5d0b"
SAFETY = {"whoami": "read", "create_memo": "write", "void_invoice": "destructive"}
ERAS = ["legacy", "auto"]


class Demo:
    """Three tools; records every call that ran, and whether the contextvar and the request agreed."""

    def __init__(self) -> None:
        self.ran: list[tuple[str, str, bool]] = []

    def server(self) -> Server[Any]:
        async def list_tools(ctx: ServerRequestContext[Any, Any], params: Any) -> types.ListToolsResult:
            caller = current_principal()
            tools = [
                types.Tool(name=name, input_schema={"type": "object"})
                for name, safety in SAFETY.items()
                if caller.allows(safety)
            ]
            return types.ListToolsResult(tools=tools)

        async def call_tool(
            ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
        ) -> types.CallToolResult:
            caller = current_principal()
            self.ran.append((params.name, caller.label, principal_of_request(ctx.request) == caller))
            text = json.dumps({"label": caller.label, "scopes": sorted(caller.scopes)})
            return types.CallToolResult(content=[types.TextContent(type="text", text=text)])

        return Server("identity-e2e", on_list_tools=list_tools, on_call_tool=call_tool)


@contextlib.asynccontextmanager
async def served(issuer: Issuer, demo: Demo) -> AsyncIterator[str]:
    app = demo.server().streamable_http_app(streamable_http_path="/mcp", host="127.0.0.1")
    verifier = verifier_for(issuer, Clock())
    gate = BearerGate(
        app, token=STATIC, verifier=verifier, required_scope=lambda message: scope_needed_by(message, SAFETY.get)
    )
    # serve_on_loopback runs without ASGI lifespan; the SDK app's lifespan starts its session manager.
    async with app.router.lifespan_context(app), serve_on_loopback(gate) as server:
        try:
            yield f"{server.url}/mcp"
        finally:
            await verifier.aclose()


@contextlib.asynccontextmanager
async def client(url: str, token: str, era: str) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(20.0)) as http:
        async with Client(streamable_http_client(url, http_client=http), mode=era) as connected:
            yield connected


def text_of(result: types.CallToolResult) -> dict[str, Any]:
    first = result.content[0]
    assert isinstance(first, types.TextContent)
    return dict(json.loads(first.text))


async def first_answer(url: str) -> httpx2.Headers:
    """The headers of an unauthenticated POST, retried while the port is not listening yet.

    ``serve`` prints its URL after binding the socket but before uvicorn calls ``listen()`` on it, so
    the first connection can be refused for a moment (reported to the lead; serve.py is not ours).
    """
    async with httpx2.AsyncClient(timeout=httpx2.Timeout(20.0)) as http:
        with anyio.fail_after(20):
            while True:
                try:
                    answer = await http.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
                except httpx2.ConnectError:
                    await anyio.sleep(0.05)
                    continue
                return answer.headers


@pytest.mark.parametrize("era", ERAS)
async def test_each_token_lists_and_calls_what_its_scopes_allow(issuer: Issuer, era: str) -> None:
    demo = Demo()
    reader = issuer.mint(sub="alice", client_id="reporting", scope="billing:read")
    writer = issuer.mint(sub="bob", client_id="collections", scope="billing:write")
    async with served(issuer, demo) as url:
        async with client(url, reader, era) as alice:
            assert [t.name for t in (await alice.list_tools()).tools] == ["whoami"]
            assert text_of(await alice.call_tool("whoami", {})) == {
                "label": "alice via reporting",
                "scopes": ["billing:read"],
            }
            with pytest.raises(MCPError, match="needs the billing:write scope"):
                await alice.call_tool("create_memo", {})
        async with client(url, writer, era) as bob:
            assert [t.name for t in (await bob.list_tools()).tools] == ["whoami", "create_memo"]
            assert text_of(await bob.call_tool("create_memo", {}))["label"] == "bob via collections"
            with pytest.raises(MCPError, match="needs the billing:destructive scope"):
                await bob.call_tool("void_invoice", {})
        async with client(url, STATIC, era) as automation:
            assert len((await automation.list_tools()).tools) == 3
            assert text_of(await automation.call_tool("void_invoice", {}))["label"] == "static token"
    # Nothing beyond a token's scopes ever ran; every handler saw the request's own principal.
    assert demo.ran == [
        ("whoami", "alice via reporting", True),
        ("create_memo", "bob via collections", True),
        ("void_invoice", "static token", True),
    ]


async def test_two_principals_at_once_each_see_themselves(issuer: Issuer) -> None:
    demo = Demo()
    async with served(issuer, demo) as url:
        async with client(url, issuer.mint(sub="alice"), "legacy") as alice:
            async with client(url, issuer.mint(sub="bob"), "legacy") as bob:
                for _ in range(3):
                    assert text_of(await alice.call_tool("whoami", {}))["label"] == "alice via billing-agent"
                    assert text_of(await bob.call_tool("whoami", {}))["label"] == "bob via billing-agent"


async def test_without_a_token_the_sdk_client_is_refused(issuer: Issuer) -> None:
    demo = Demo()
    async with served(issuer, demo) as url:
        async with httpx2.AsyncClient(timeout=httpx2.Timeout(20.0)) as http:
            answer = await http.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
            metadata = await http.get(url.replace("/mcp", "/.well-known/oauth-protected-resource/mcp"))
    assert answer.status_code == 401
    assert "resource_metadata=" in answer.headers["www-authenticate"]
    assert metadata.json()["authorization_servers"] == [issuer.url]
    assert demo.ran == []


async def test_the_product_serves_over_http_with_an_oauth_token(issuer: Issuer) -> None:
    """``zuora-mcp serve --sandbox --transport http`` with the OAuth environment: a read token lists only
    read tools, reads, and is refused a write with an insufficient-scope answer; the static token
    still sees everything. Skipped until serve.py hands the OAuth settings to the gate."""
    env = server_env(
        None, ZUORA_MCP_OAUTH_ISSUER=issuer.url, ZUORA_MCP_OAUTH_RESOURCE=RESOURCE, ZUORA_MCP_HTTP_TOKEN=STATIC
    )
    async with http_server(env, "--sandbox") as url:
        challenge = await first_answer(url)
        if "resource_metadata=" not in challenge.get("www-authenticate", ""):
            pytest.skip("serve.py does not pass the OAuth settings to the gate yet (the lead's wiring)")
        async with client(url, STATIC, "auto") as automation:
            everything = (await automation.list_tools()).tools
        # Catalog tools that write (the explorer's call_operation is scoped per operation, not listed here).
        writes = [
            t.name
            for t in everything
            if (t.meta or {}).get("zuora-mcp/operation") and t.annotations and t.annotations.read_only_hint is False
        ]
        assert writes, "the catalog has write tools"
        async with client(url, issuer.mint(scope="billing:read"), "legacy") as reader:
            listed = {t.name for t in (await reader.list_tools()).tools}
            assert "get_invoice" in listed
            assert not listed & set(writes), "a read token must not see write tools"
            assert (await reader.call_tool("get_invoice", {"invoiceKey": "INV00000001"})).is_error is not True
            # Refused with the gate's 403 insufficient_scope (an MCPError), or by the server's own check.
            refusal = ""
            try:
                refused = await reader.call_tool(writes[0], {})
            except MCPError as error:
                refusal = str(error)
            else:
                first = refused.content[0]
                assert refused.is_error
                assert isinstance(first, types.TextContent)
                refusal = first.text
            assert "scope" in refusal


@pytest.mark.node
@pytest.mark.parametrize("era", ["legacy", "modern"])
async def test_the_inspector_cli_connects_with_a_bearer_header(issuer: Issuer, era: str, node_tools: NodeTools) -> None:
    """The official MCP Inspector CLI, a client nobody here wrote, with ``--header "Authorization: Bearer …"``."""
    demo = Demo()
    reader = issuer.mint(sub="carol", scope="billing:read")

    def inspect(token: str | None, *method: str) -> tuple[int, str]:
        header = ["--header", f"Authorization: Bearer {token}"] if token else []
        args = ["mcp-inspector", "--cli", url, "--protocol-era", era, "--format", "json", *header, *method]
        done = node_tools.run(args, timeout=60)
        return done.returncode, done.stdout

    async with served(issuer, demo) as url:
        # The Inspector blocks its caller: run it in a thread so this event loop keeps serving.
        listed = await anyio.to_thread.run_sync(inspect, reader, "--method", "tools/list")
        called = await anyio.to_thread.run_sync(inspect, reader, "--method", "tools/call", "--tool-name", "whoami")
        refused = await anyio.to_thread.run_sync(
            inspect, reader, "--method", "tools/call", "--tool-name", "void_invoice"
        )
        anonymous = await anyio.to_thread.run_sync(inspect, None, "--method", "tools/list")
    assert listed[0] == 0, listed
    assert [tool["name"] for tool in json.loads(listed[1])["result"]["tools"]] == ["whoami"]
    assert called[0] == 0, called
    assert "carol via billing-agent" in called[1]
    assert refused[0] != 0
    assert anonymous[0] != 0
    assert [name for name, _, _ in demo.ran] == ["whoami"]


class MemoryTokens:
    """The SDK client's token storage, in memory."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


@contextlib.asynccontextmanager
async def served_at_its_own_url(issuer: Issuer, demo: Demo) -> AsyncIterator[str]:
    """Like :func:`served`, but the resource is the URL the server really listens on, as in production:
    the SDK's OAuth client checks that the discovery document names the server it connected to."""
    app = demo.server().streamable_http_app(streamable_http_path="/mcp", host="127.0.0.1")
    gates: list[BearerGate] = []

    async def late_gate(scope: Any, receive: Any, send: Any) -> None:
        await gates[0](scope, receive, send)

    async with app.router.lifespan_context(app), serve_on_loopback(late_gate) as server:
        url = f"{server.url}/mcp"
        issuer.resource = url
        settings = OAuthSettings(issuer=issuer.url, resource=url)
        verifier = JWTVerifier(settings, JWKSource(issuer.url))
        required = partial(scope_needed_by, safety_of=SAFETY.get)
        gates.append(BearerGate(app, token=None, verifier=verifier, required_scope=required))
        try:
            yield url
        finally:
            await verifier.aclose()


@contextlib.asynccontextmanager
async def oauth_client(url: str, issuer: Issuer, client_id: str, era: str) -> AsyncIterator[Client]:
    secret = issuer.clients[client_id][0]
    provider = ClientCredentialsOAuthProvider(url, MemoryTokens(), client_id, secret, issuer=issuer.url)
    async with httpx2.AsyncClient(auth=provider, timeout=httpx2.Timeout(20.0)) as http:
        async with Client(streamable_http_client(url, http_client=http), mode=era) as connected:
            yield connected


@pytest.mark.parametrize("era", ERAS)
async def test_the_sdk_oauth_client_discovers_the_issuer_and_steps_up_on_403(issuer: Issuer, era: str) -> None:
    """The SDK's own OAuth client, given only client credentials: the 401 leads it to the discovery
    document, that to the issuer and its token endpoint; a 403 insufficient_scope makes it ask for the
    named scope, which the issuer grants once an administrator allows it."""
    demo = Demo()
    issuer.clients["collections-agent"] = ("agent-secret-1", {"billing:read"})
    async with served_at_its_own_url(issuer, demo) as url:
        async with oauth_client(url, issuer, "collections-agent", era) as agent:
            assert [t.name for t in (await agent.list_tools()).tools] == ["whoami"]
            with pytest.raises(MCPError, match="needs the billing:write scope"):
                await agent.call_tool("create_memo", {})  # the issuer will not grant billing:write yet
            issuer.clients["collections-agent"] = ("agent-secret-1", {"billing:read", "billing:write"})
            answer = text_of(await agent.call_tool("create_memo", {}))
    assert answer == {
        "label": "service-account-collections-agent via collections-agent",
        "scopes": ["billing:read", "billing:write"],
    }
    assert issuer.granted[0] == "billing:read"  # it asked for the challenged scopes; got what it may have
    assert issuer.granted[-1] == "billing:read billing:write"
    assert [name for name, _, _ in demo.ran] == ["create_memo"]


async def test_scopes_and_principals_hold_in_the_product_with_nothing_sent(issuer: Issuer) -> None:
    """The served product with a real issuer: a write-scoped token is refused a destructive tool, and a
    confirmation previewed by one principal cannot be spent by another — nothing reaches the tenant."""
    from zuora_mcp.providers.zuora.sandbox import SandboxOptions, running_sandbox

    async with running_sandbox(SandboxOptions(port=0)) as sandbox:
        env = server_env(
            sandbox, ZUORA_MCP_OAUTH_ISSUER=issuer.url, ZUORA_MCP_OAUTH_RESOURCE=RESOURCE, ZUORA_MCP_HTTP_TOKEN=STATIC
        )
        alice = issuer.mint(sub="alice", scope="billing:read billing:write billing:destructive")
        bob = issuer.mint(sub="bob", scope="billing:read billing:write billing:destructive")
        writer = issuer.mint(sub="carol", scope="billing:read billing:write")
        async with http_server(env) as url:
            async with client(url, writer, "legacy") as carol:
                listed = {t.name for t in (await carol.list_tools()).tools}
                assert "update_invoice" in listed
                assert "reverse_invoice" not in listed  # destructive: needs billing:destructive
                try:
                    refused = await carol.call_tool("reverse_invoice", {"invoiceKey": "INV00000001"})
                    text = str(refused.content)
                except MCPError as error:
                    text = str(error)
                assert "billing:destructive" in text
            async with client(url, alice, "legacy") as a:
                preview = await a.call_tool("reverse_invoice", {"invoiceKey": "INV00000001"})
                assert preview.structured_content is not None
                token = preview.structured_content["confirmation_token"]
            async with client(url, bob, "legacy") as b:
                spent = await b.call_tool("reverse_invoice", {"invoiceKey": "INV00000001", "confirmation_token": token})
            assert spent.is_error
            assert "issued to another caller" in str(spent.structured_content)
        writes = sum(
            n for route, n in sandbox.counters.requests_by_route.items() if not route.startswith(("GET", "POST /oauth"))
        )
        assert writes == 0
