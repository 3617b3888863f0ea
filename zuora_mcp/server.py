"""The MCP boundary: the low-level ``mcp`` Server, both protocol eras, stdio and streamable HTTP.

This is the only module that imports ``mcp``. It turns tools/list and tools/call into executor calls
and back:

- tools/list: the catalog's definitions (and the explorer's), minus write tools in read-only mode;
- tools/call: unknown tool → JSON-RPC invalid params; anything else → a ``CallToolResult`` (an
  ``is_error`` one for bad input or the billing system's refusal), never a -32603 for a user or vendor error;
- confirmation: handshake-era clients with elicitation are asked inline; modern-era clients get an
  ``InputRequiredResult`` with a signed ``request_state``; others get a confirmation token.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import mcp.types as types
from mcp.server import Server, ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp.types.version import MODERN_PROTOCOL_VERSIONS

from zuora_mcp import __version__, apps, reconcile_tool, telemetry
from zuora_mcp.audit import AuditLog
from zuora_mcp.catalog import ToolSpec, load_catalog, tool_definition
from zuora_mcp.client import BillingClient
from zuora_mcp.config import Settings
from zuora_mcp.confirmation import TokenSigner
from zuora_mcp.errors import BillingError, BillingRequestError, InvalidArgument
from zuora_mcp.executor import Approval, Executor, UnknownTool
from zuora_mcp.explorer.tools import Explorer
from zuora_mcp.guard import AskPerson, Guard, ToolOutcome
from zuora_mcp.identity import current_principal, refusal_text, scope_for
from zuora_mcp.ledger import Ledger
from zuora_mcp.provider import Provider
from zuora_mcp.providers import get_provider
from zuora_mcp.resources import Blob, FileTooLarge, find
from zuora_mcp.schemas import argument_validator

__all__ = ["ServerApp", "build_server"]

logger = logging.getLogger("zuora_mcp.server")

# MCP's code for a resource that does not exist (the spec's -32002).
RESOURCE_NOT_FOUND = -32002


@dataclass
class ServerApp:
    """Everything one server process holds: settings, the provider, the one HTTP client, the executor, the tools."""

    provider: Provider
    settings: Settings
    client: BillingClient
    executor: Executor
    tools: tuple[ToolSpec, ...]
    audit: AuditLog
    explorer: Explorer | None = None  # search/describe/call_operation, when "explorer" is in toolsets

    @cached_property
    def _safety(self) -> dict[str, str]:
        # What a caller's scopes must allow to see and call each tool (identity.scope_for). call_operation
        # is listed to readers (it reads too); each operation it sends is checked against its own class.
        safety = {tool.name: str(tool.safety) for tool in self.tools}
        safety[reconcile_tool.NAME] = "read"
        if any(tool.safety != "read" for tool in self.tools):
            safety[apps.APPROVE_TOOL_NAME] = "write"
        if self.explorer is not None:
            safety.update({"search_operations": "read", "describe_operation": "read", "call_operation": "read"})
        return safety

    def safety_of(self, name: str) -> str | None:
        """The safety class a caller's scopes must allow for tool ``name``; None for an unknown tool."""
        return self._safety.get(name)

    @cached_property
    def listed_tools(self) -> list[types.Tool]:
        """The tools/list answer; settings never change in a process, so it is built once."""
        return [types.Tool.model_validate(definition) for definition in self._definitions(card=False)]

    @cached_property
    def listed_tools_with_card(self) -> list[types.Tool]:
        """The tools/list answer for a client that renders the approval card: every catalog write tool
        names the card, and the app-only approve_write is listed (hosts hide it from the model)."""
        return [types.Tool.model_validate(definition) for definition in self._definitions(card=True)]

    def _definitions(self, *, card: bool) -> list[dict[str, Any]]:
        shown = [t for t in self.tools if t.safety == "read" or self.settings.mode_for(t.name) != "read-only"]
        definitions = [tool_definition(t) for t in shown]
        if card:
            for definition, tool in zip(definitions, shown, strict=True):
                if tool.safety != "read":
                    definition["_meta"] = {**definition.get("_meta", {}), **apps.write_tool_meta()}
        if self.explorer is not None:
            definitions += self.explorer.definitions()
        definitions.append(dict(reconcile_tool.DEFINITION))
        if card and any(t.safety != "read" for t in shown):
            definitions.append(dict(apps.APPROVE_TOOL))
        return definitions


def build_app(
    settings: Settings,
    client: BillingClient,
    *,
    clock: Callable[[], float] = time.time,
    ledger: Ledger | None = None,
) -> ServerApp:
    """Wire settings, the provider, the shared client, the guard, the ledger and the tools.

    ``clock`` dates confirmation tokens. ``ledger`` None: an in-memory one (tests; ``serve`` always
    opens the configured one). Who calls comes with each request (:func:`zuora_mcp.identity.current_principal`).
    """
    provider = get_provider(settings.provider)
    telemetry.configure()  # ZUORA_MCP_OTEL=1 or OTEL_*: spans and metrics; off (and free) otherwise
    key = settings.secret_key.reveal().encode() if settings.secret_key else secrets.token_bytes(32)
    audit = AuditLog(settings.audit_log)
    signer = TokenSigner(key, ttl_seconds=settings.token_ttl_seconds, clock=clock)
    guard = Guard(settings, signer, audit, vendor=provider.vendor, provider=provider.name, ledger=ledger)
    tools = load_catalog(provider.name) if "catalog" in settings.toolsets else ()
    validators = _LazyValidators(provider.name)  # compiled on each tool's first call, not at start
    executor = Executor(client, guard, {t.name: t for t in tools}, validators, provider)
    explorer = None
    # Its index is read on the first explorer call, not here; a provider without one has no explorer.
    if "explorer" in settings.toolsets and provider.explorer_index is not None:
        curated = {recipe.operation_id: recipe.name for recipe in provider.recipes}
        explorer = Explorer(
            executor, curated, catalog_served="catalog" in settings.toolsets, index_path=provider.explorer_index
        )
    return ServerApp(
        provider=provider,
        settings=settings,
        client=client,
        executor=executor,
        tools=tools,
        audit=audit,
        explorer=explorer,
    )


class _LazyValidators(dict[str, Any]):
    """Tool name → compiled argument validator, compiled on first use: start-up pays for none of them."""

    def __init__(self, provider: str) -> None:
        super().__init__()
        self._provider = provider

    def __missing__(self, name: str) -> Any:
        validator = argument_validator(name, self._provider)
        self[name] = validator
        return validator


def build_server(app: ServerApp) -> Server[Any]:
    async def list_tools(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        listed = (
            app.listed_tools_with_card
            if apps.client_supports_apps(ctx.session.client_capabilities)
            else app.listed_tools
        )
        principal = current_principal()
        # A caller sees only what its scopes allow (billing:read / :write / :destructive).
        return types.ListToolsResult(tools=[t for t in listed if principal.allows(app.safety_of(t.name) or "read")])

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        with telemetry.tool_call(params.name, app.provider.name, _safety(app, params.name)) as traced:
            result = await untraced_call_tool(ctx, params)
            traced.finish(_status_of(result), is_error=getattr(result, "is_error", False) is True)
            return result

    async def untraced_call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        modern = ctx.protocol_version in MODERN_PROTOCOL_VERSIONS
        approval = _approval(ctx, params, modern)
        principal = current_principal()
        approval.principal, approval.who = principal.key, principal.label
        needed = app.safety_of(params.name)
        if needed is not None and not principal.allows(needed):
            # Refused before anything else; over HTTP the gate has already answered 403 with the challenge.
            text = refusal_text(params.name, scope_for(needed))
            return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)

        async def progress(done: float, total: float | None, message: str) -> None:
            await ctx.session.report_progress(done, total, message)

        try:
            if params.name == apps.APPROVE_TOOL_NAME and apps.client_supports_apps(ctx.session.client_capabilities):
                parsed = apps.approve_arguments(params.arguments)
                if isinstance(parsed, str):
                    return types.CallToolResult(content=[types.TextContent(type="text", text=parsed)], is_error=True)
                credential, decision = parsed
                approved = await app.executor.approve(credential, decision, approval.principal, progress, approval.who)
                return _result(approved)
            if params.name == reconcile_tool.NAME:
                return _result(
                    await reconcile_tool.call(app.executor.guard, app.client, app.provider, params.arguments)
                )
            if app.explorer is not None and app.explorer.serves(params.name):
                outcome = await app.explorer.call(params.name, params.arguments, approval, progress)
            else:
                outcome = await app.executor.call(params.name, params.arguments, approval, progress)
        except UnknownTool:
            raise MCPError(code=types.INVALID_PARAMS, message=f"Unknown tool: {params.name}") from None
        except Exception:  # a bug of ours: say so as a tool error, keep the session, log the traceback
            logger.exception("tool %s failed unexpectedly", params.name)
            text = f"{params.name} failed inside zuora-mcp (a bug). Nothing further was sent; check the server log."
            return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)
        if isinstance(outcome, AskPerson):
            return _input_required(outcome)
        return _result(outcome)

    async def list_resource_templates(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        templates = [types.ResourceTemplate.model_validate(r.template_definition()) for r in app.provider.resources]
        return types.ListResourceTemplatesResult(resource_templates=templates)

    async def list_resources(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        # The approval card; every file is reached through a template.
        card = types.Resource.model_validate({k: v for k, v in apps.card_resource().items() if k != "text"})
        return types.ListResourcesResult(resources=[card])

    async def read_resource(
        ctx: ServerRequestContext[Any, Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        if str(params.uri) == apps.CARD_URI:
            return types.ReadResourceResult(contents=[types.TextResourceContents.model_validate(apps.card_resource())])
        blob = await _read_file(app, str(params.uri))
        contents = types.BlobResourceContents(uri=blob.uri, mime_type=blob.mime_type, blob=blob.base64)
        return types.ReadResourceResult(contents=[contents])

    # The 2026 protocol checks Mcp-Param-* headers against each tool's input schema: hand it a lookup,
    # or the SDK rebuilds the whole tools/list on every call (~2 ms of CPU each, measured by the bench).
    input_schemas = {tool.name: tool.input_schema for tool in app.listed_tools_with_card}
    server: Server[Any] = Server(
        "zuora-mcp",
        version=__version__,
        title=app.provider.title,
        instructions=app.provider.instructions,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resource_templates=list_resource_templates,
        on_list_resources=list_resources,
        on_read_resource=read_resource,
        get_tool_input_schema=input_schemas.get,
    )
    server.extensions.update(apps.server_extensions())  # we serve the MCP Apps extension (the card)
    return server


async def _read_file(app: ServerApp, uri: str) -> Blob:
    """Fetch one file through the shared client; every failure is a JSON-RPC error saying why."""
    found = find(app.provider.resources, uri)
    if found is None:
        raise MCPError(code=RESOURCE_NOT_FOUND, message=f"No file is served at {uri}.")
    resource, values = found
    try:
        plan = resource.plan(values)
        if plan.is_write:  # reading a file changes nothing; a write goes through the guard, never here
            raise MCPError(code=types.INTERNAL_ERROR, message=f"{uri} would be read with a {plan.method}; refused.")
        response = await app.client.send(plan)
        resource.check_size(response.content, uri)
    except InvalidArgument as exc:
        raise MCPError(code=types.INVALID_PARAMS, message=f"{uri}: {exc}") from None
    except FileTooLarge as exc:
        raise MCPError(code=types.INVALID_PARAMS, message=str(exc)) from None
    except BillingError as exc:
        code = RESOURCE_NOT_FOUND if exc.status == 404 else types.INTERNAL_ERROR
        raise MCPError(code=code, message=f"{uri} could not be read: {exc}") from None
    except BillingRequestError as exc:
        raise MCPError(code=types.INTERNAL_ERROR, message=f"{uri} could not be read: {exc}") from None
    mime = response.headers.get("content-type", resource.mime_type).split(";")[0].strip() or resource.mime_type
    return Blob(uri=uri, mime_type=mime, content=response.content)


def _approval(ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams, modern: bool) -> Approval:
    capabilities = ctx.session.client_capabilities
    can_elicit = bool(capabilities and capabilities.elicitation)
    if params.request_state is None and apps.client_supports_apps(capabilities):
        # The card asks the person with the server's own preview and a button the model cannot press.
        return Approval("app")
    if modern:
        if params.request_state is not None:
            answer = (params.input_responses or {}).get("confirm")
            if isinstance(answer, types.ElicitResult):
                return Approval("deferred", action=answer.action, content=answer.content, state=params.request_state)
            return Approval("deferred", action="cancel", state=params.request_state)
        return Approval("deferred") if can_elicit else Approval("none")
    if can_elicit and ctx.session.can_send_request:

        async def ask(message: str, schema: dict[str, Any]) -> tuple[str, Mapping[str, Any] | None]:
            answer = await ctx.session.elicit_form(message, schema, related_request_id=ctx.request_id)
            return answer.action, answer.content

        return Approval("inline", ask=ask)
    return Approval("none")


def _safety(app: ServerApp, name: str) -> str | None:
    """The safety class telemetry labels a call with (explorer tools as "explorer"); None when unserved."""
    if app.explorer is not None and app.explorer.serves(name):
        return "explorer"
    return app.safety_of(name)


def _status_of(result: types.CallToolResult | types.InputRequiredResult) -> str:
    """The outcome's ``status`` as telemetry records it."""
    if isinstance(result, types.InputRequiredResult):
        return "input_required"
    status = (result.structured_content or {}).get("status")
    return status if isinstance(status, str) else "error" if result.is_error else "ok"


def _result(outcome: ToolOutcome) -> types.CallToolResult:
    result = types.CallToolResult(
        content=[types.TextContent(type="text", text=outcome.text)],
        structured_content=outcome.structured,
        is_error=outcome.is_error,
    )
    if outcome.meta:
        # Addressed to the client application (the approval card), never part of what the model reads.
        result = result.model_copy(update={"meta": outcome.meta})
    return result


def _input_required(ask: AskPerson) -> types.InputRequiredResult:
    request = types.ElicitRequest(
        params=types.ElicitRequestFormParams(message=ask.message, requested_schema=ask.requested_schema)
    )
    return types.InputRequiredResult(input_requests={"confirm": request}, request_state=ask.request_state)
