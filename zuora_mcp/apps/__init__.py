"""The approval card: an MCP App (extension ``io.modelcontextprotocol/ui``) that lets the person approve a write.

Hosts that render MCP Apps (Claude Desktop, claude.ai, ChatGPT, VS Code, Goose, …) show a write tool's
result in a sandboxed frame running :data:`CARD_URI`: the preview in the server's own words and numbers,
the preflight checks, the exact request, the time left, and two buttons. Approve and Decline call
:data:`APPROVE_TOOL` (``approve_write``), which the host hides from the model.

Everything here is plain JSON-shaped dicts in the wire's camelCase, so this module imports neither
``mcp`` nor a provider; ``zuora_mcp.server`` turns them into ``mcp.types`` objects:

- :func:`card_resource` — the ``ui://`` resource (``resources/list`` and ``resources/read``): the one
  self-contained HTML file built from ``apps/approval-card`` (``make card``), with a content security
  policy that allows no outside domain at all;
- :func:`write_tool_meta` — the ``_meta`` every write tool's definition carries to name the card;
- :data:`APPROVE_TOOL` — the app-only tool's definition (``_meta.ui.visibility == ["app"]``);
- :func:`client_supports_apps` — whether the client declared the extension (then, and only then, the
  credential goes to the card instead of a ``confirmation_token`` to the model);
- :func:`card_meta` — the result ``_meta`` carrying the credential to the card;
- :func:`for_card` — a ``confirmation_required`` answer reshaped for such a client: the preview for the
  model without any token, words that send the person to the card, and the ``_meta`` for the card;
- :func:`server_extensions` — what the server advertises under ``capabilities.extensions``.

What this protects against
    A model cannot see or spend the credential. It travels only in the result's ``_meta``, which is
    addressed to the client application and is not part of what the model reads (``content`` and
    ``structuredContent`` carry the preview, never the credential); and the only tool that spends it,
    ``approve_write``, is declared ``visibility: ["app"]``, so a conforming host does not list it to
    the model and does not let the model call it. The person therefore approves by pressing a button
    next to the server's own preview, not by asking the model to relay a token it could also use alone.

What it does not protect against
    Visibility is enforced by the host, not by this server: a non-conforming host could show
    ``approve_write`` to the model or hand it the result's ``_meta``. The server therefore still requires
    the bound credential on every ``approve_write`` call — signed, bound to the tool, its arguments, the
    environment and the principal, unexpired, single use across replicas, with the record's state
    re-checked and the policy applied — exactly as for a confirmation token. A malicious host, or anyone
    controlling the user's client, can do whatever that user can do: the card is consent the *model*
    cannot press, not protection from the person's own software. The card renders every value from the
    billing system as text, so a hostile customer name cannot inject markup into it.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "APPROVE_TOOL",
    "APPROVE_TOOL_NAME",
    "APP_MIME_TYPE",
    "CARD_URI",
    "EXTENSION_ID",
    "META_KEY",
    "approve_arguments",
    "card_html",
    "card_meta",
    "card_resource",
    "client_supports_apps",
    "for_card",
    "server_extensions",
    "write_tool_meta",
]

EXTENSION_ID = "io.modelcontextprotocol/ui"
"""The MCP Apps extension identifier, the key in ``capabilities.extensions``."""

APP_MIME_TYPE = "text/html;profile=mcp-app"
"""The MIME type hosts render a ``ui://`` resource under (and clients list in their extension settings)."""

CARD_URI = "ui://zuora-mcp/approval-card"
APPROVE_TOOL_NAME = "approve_write"
META_KEY = "zuora-mcp/approval"
"""The key of the card's data in a result's ``_meta`` (the card reads the same constant)."""

_CARD_FILE = "approval_card.html"


@cache
def card_html() -> str:
    """The card: one self-contained HTML document (scripts and styles inline, nothing loaded)."""
    return resources.files(__package__).joinpath(_CARD_FILE).read_text(encoding="utf-8")


def card_resource() -> dict[str, Any]:
    """The ``ui://`` resource as ``resources/read`` returns it (one ``TextResourceContents``).

    Its ``_meta.ui.csp`` lists no domain of any kind, so a host that applies the declared policy lets the
    card connect nowhere and load nothing: no scripts, styles, images, fonts or frames from outside.
    ``resources/list`` takes the same dict without ``text``.
    """
    return {
        "uri": CARD_URI,
        "name": "approval-card",
        "title": "Approve a billing write",
        "description": "The preview of a write with Approve and Decline buttons the model cannot press.",
        "mimeType": APP_MIME_TYPE,
        "text": card_html(),
        "_meta": {
            "ui": {
                "csp": {"connectDomains": [], "resourceDomains": [], "frameDomains": [], "baseUriDomains": []},
                "prefersBorder": False,
            }
        },
    }


def write_tool_meta() -> dict[str, Any]:
    """The ``_meta`` entry every write tool's definition carries: the card renders its results.

    Merge it into the tool's existing ``_meta`` (``{**existing, **write_tool_meta()}``). Visibility is
    left at the default (model and app): the model still calls the write tool to get a preview.
    """
    return {"ui": {"resourceUri": CARD_URI}}


APPROVE_TOOL: dict[str, Any] = {
    "name": APPROVE_TOOL_NAME,
    "title": "Approve or decline a previewed write",
    "description": (
        "Runs or declines the write previewed in the approval card. Called only by the card when the person "
        "presses Approve or Decline; hidden from the model. The credential is single use and bound to the "
        "previewed tool, arguments, environment and person."
    ),
    "inputSchema": {
        "type": "object",
        "properties": {
            "credential": {"type": "string", "minLength": 1, "description": "From the preview result's _meta."},
            "decision": {"type": "string", "enum": ["approve", "decline"]},
        },
        "required": ["credential", "decision"],
        "additionalProperties": False,
    },
    "annotations": {
        "readOnlyHint": False,
        "destructiveHint": True,
        "idempotentHint": False,
        "openWorldHint": True,
    },
    "_meta": {"ui": {"resourceUri": CARD_URI, "visibility": ["app"]}},
}
"""The app-only tool: ``visibility: ["app"]`` asks the host to keep it from the model."""


def approve_arguments(arguments: Mapping[str, Any] | None) -> tuple[str, str] | str:
    """``(credential, decision)`` from an ``approve_write`` call, or why the arguments are not valid.

    The low-level server does not validate arguments against the schema, so this does.
    """
    args = dict(arguments or {})
    unexpected = sorted(set(args) - {"credential", "decision"})
    if unexpected:
        return f"unexpected arguments: {', '.join(unexpected)}"
    credential, decision = args.get("credential"), args.get("decision")
    if not isinstance(credential, str) or not credential:
        return "credential: a non-empty string is required"
    if decision not in ("approve", "decline"):
        return 'decision: must be "approve" or "decline"'
    return credential, decision


def client_supports_apps(capabilities: Any) -> bool:
    """Whether a client declared MCP Apps: ``capabilities.extensions["io.modelcontextprotocol/ui"]``
    with ``"text/html;profile=mcp-app"`` among its ``mimeTypes``.

    Takes the client's capabilities as ``mcp.types.ClientCapabilities`` (``ctx.session.client_capabilities``),
    as the wire dict, or just the ``extensions`` mapping; ``None`` (a client that declared nothing) is False.
    This is the rule of ``mcp.server.apps.client_supports_apps`` and of ext-apps' ``getUiCapability``:
    declaring the extension without the MIME type does not count.
    """
    if capabilities is None:
        return False
    if isinstance(capabilities, Mapping):
        extensions = capabilities.get("extensions", capabilities)
    else:
        extensions = getattr(capabilities, "extensions", None)
    if not isinstance(extensions, Mapping):
        return False
    settings = extensions.get(EXTENSION_ID)
    if isinstance(settings, Mapping):
        mime_types = settings.get("mimeTypes")
    else:
        mime_types = getattr(settings, "mimeTypes", None) or getattr(settings, "mime_types", None)
    return isinstance(mime_types, list | tuple) and APP_MIME_TYPE in mime_types


def card_meta(
    credential: str,
    expires_at: str,
    principal: str | None = None,
    money: Mapping[str, Any] | None = None,
    *,
    tool: str | None = None,
) -> dict[str, Any]:
    """The result ``_meta`` for a host that renders the card: the credential, for the app only.

    Put it in ``CallToolResult._meta`` — never in ``content`` or ``structuredContent``, which the model
    reads. ``expires_at`` is ISO 8601 (the card counts down to it); ``principal`` names who approves,
    where known (an OAuth subject or e-mail); ``money`` is ``{"label", "before", "after", "currency"}``
    when the preflight knows the amounts (numbers are formatted by the card, strings shown as given).
    """
    data: dict[str, Any] = {"credential": credential, "expires_at": expires_at}
    if principal:
        data["principal"] = principal
    if money:
        data["money"] = {key: money[key] for key in ("label", "before", "after", "currency") if key in money}
    if tool:
        data["tool"] = tool
    return {META_KEY: data}


def server_extensions() -> dict[str, dict[str, Any]]:
    """The server's ``capabilities.extensions`` entry for MCP Apps (the SDK's ``Apps`` advertises ``{}``).

    With the low-level server: ``server.extensions.update(server_extensions())``.
    """
    return {EXTENSION_ID: {}}


def for_card(
    structured: Mapping[str, Any],
    credential: str,
    *,
    tool: str,
    principal: str | None = None,
    money: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """A ``confirmation_required`` answer reshaped for a client that renders the card.

    Returns ``(structured_content, text, meta)``: the structured content without ``confirmation_token``
    (the model must not hold anything it could spend) and with a message that sends the person to the
    card; the same words for the text content; and :func:`card_meta` for ``CallToolResult._meta``.
    ``credential`` is what ``approve_write`` will accept (mint it for the card; never reuse a value the
    model has seen).
    """
    content = {key: value for key, value in structured.items() if key != "confirmation_token"}
    preview = content.get("preview") if isinstance(content.get("preview"), Mapping) else {}
    effect = str(preview.get("effect") or "").strip() if isinstance(preview, Mapping) else ""
    expires_at = str(content.get("expires_at") or "")
    message = (
        "Waiting for the person's approval. Nothing was changed. "
        + (f"{effect} " if effect else "")
        + "The person approves or declines in the approval card shown with this result"
        + (f" (valid until {expires_at}, single use)" if expires_at else "")
        + "; there is no token to ask them for. If it expires, preview the write again."
    )
    content["message"] = message
    checks = preview.get("preflight") if isinstance(preview, Mapping) else None
    lines = [
        ("✓ " if check.get("ok") else "✗ ")
        + f"{check.get('check')}: {check.get('detail')}"
        + (" (inferred rule)" if check.get("inferred") else "")
        for check in checks or []
        if isinstance(check, Mapping)
    ]
    text = "\n".join([message, *lines])
    return content, text, card_meta(credential, expires_at, principal, money, tool=tool)
