"""zuora_mcp.apps: what the server hands hosts that render MCP Apps, and how it recognises them.

No Node and no browser here: the definitions are checked against the SDK's own types and rules, and
the committed card against the promise that it loads nothing from anywhere.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser

import mcp.types as types
from mcp.server.apps import APP_MIME_TYPE as SDK_MIME_TYPE
from mcp.server.apps import EXTENSION_ID as SDK_EXTENSION_ID

from zuora_mcp.apps import (
    APP_MIME_TYPE,
    APPROVE_TOOL,
    APPROVE_TOOL_NAME,
    CARD_URI,
    EXTENSION_ID,
    META_KEY,
    approve_arguments,
    card_html,
    card_meta,
    card_resource,
    client_supports_apps,
    for_card,
    server_extensions,
    write_tool_meta,
)

APPS = {EXTENSION_ID: {"mimeTypes": [APP_MIME_TYPE]}}


def test_the_extension_id_and_mime_type_are_the_sdks() -> None:
    assert (EXTENSION_ID, APP_MIME_TYPE) == (SDK_EXTENSION_ID, SDK_MIME_TYPE)


def test_a_client_that_declares_the_extension_with_the_card_mime_type_supports_apps() -> None:
    assert client_supports_apps(types.ClientCapabilities(extensions=APPS))
    assert client_supports_apps({"extensions": APPS})
    assert client_supports_apps(APPS)


def test_a_client_without_the_extension_or_without_the_mime_type_does_not() -> None:
    assert not client_supports_apps(None)
    assert not client_supports_apps(types.ClientCapabilities())
    assert not client_supports_apps(types.ClientCapabilities(elicitation=types.ElicitationCapability()))
    assert not client_supports_apps(types.ClientCapabilities(extensions={EXTENSION_ID: {}}))
    assert not client_supports_apps(types.ClientCapabilities(extensions={EXTENSION_ID: {"mimeTypes": ["text/html"]}}))
    assert not client_supports_apps({"extensions": {"io.example/other": {"mimeTypes": [APP_MIME_TYPE]}}})
    # The extension under "experimental" is not the declared place.
    assert not client_supports_apps(types.ClientCapabilities(experimental=APPS))


def test_the_card_resource_is_a_ui_resource_that_allows_no_outside_domain() -> None:
    resource = card_resource()
    contents = types.TextResourceContents.model_validate(resource)
    assert contents.uri == CARD_URI
    assert CARD_URI.startswith("ui://")
    assert contents.mime_type == "text/html;profile=mcp-app"
    assert contents.text == card_html()
    csp = resource["_meta"]["ui"]["csp"]
    assert set(csp) == {"connectDomains", "resourceDomains", "frameDomains", "baseUriDomains"}
    assert all(domains == [] for domains in csp.values())
    listed = types.Resource.model_validate({k: v for k, v in resource.items() if k != "text"})
    assert listed.mime_type == APP_MIME_TYPE


class _Loads(HTMLParser):
    """Every tag, and every attribute that could load something."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.loads: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.loads += [(tag, name, value) for name, value in attrs if name in {"src", "href", "srcset", "action"}]


def test_the_committed_card_is_one_self_contained_document() -> None:
    html = card_html()
    parser = _Loads()
    parser.feed(html)
    assert parser.loads == []
    assert parser.tags.count("script") == 1
    assert parser.tags.count("style") == 1
    assert "link" not in parser.tags
    assert "iframe" not in parser.tags
    assert "@import" not in html
    assert "url(http" not in html
    assert 100_000 < len(html) < 1_000_000  # the ext-apps library is inside


def test_write_tools_name_the_card_and_stay_visible_to_the_model() -> None:
    meta = write_tool_meta()
    assert meta == {"ui": {"resourceUri": CARD_URI}}
    tool = types.Tool.model_validate({"name": "reverse_invoice", "inputSchema": {"type": "object"}, "_meta": meta})
    assert tool.meta == meta


def test_approve_write_is_hidden_from_the_model_and_marked_destructive() -> None:
    tool = types.Tool.model_validate(APPROVE_TOOL)
    assert tool.name == APPROVE_TOOL_NAME == "approve_write"
    assert tool.meta == {"ui": {"resourceUri": CARD_URI, "visibility": ["app"]}}
    assert tool.annotations is not None
    assert tool.annotations.destructive_hint is True
    assert tool.annotations.read_only_hint is False
    assert tool.input_schema["required"] == ["credential", "decision"]
    assert tool.input_schema["properties"]["decision"]["enum"] == ["approve", "decline"]
    assert tool.input_schema["additionalProperties"] is False


def test_approve_arguments_accepts_a_credential_and_a_decision_and_names_what_is_wrong_otherwise() -> None:
    assert approve_arguments({"credential": "c", "decision": "approve"}) == ("c", "approve")
    assert approve_arguments({"credential": "c", "decision": "decline"}) == ("c", "decline")
    assert approve_arguments({"credential": "c", "decision": "maybe"}) == 'decision: must be "approve" or "decline"'
    assert approve_arguments({"decision": "approve"}) == "credential: a non-empty string is required"
    assert approve_arguments({"credential": "", "decision": "approve"}) == "credential: a non-empty string is required"
    assert approve_arguments(None) == "credential: a non-empty string is required"
    assert approve_arguments({"credential": "c", "decision": "approve", "x": 1}) == "unexpected arguments: x"


def test_the_credential_travels_only_in_the_result_meta_under_the_cards_key() -> None:
    money = {"label": "Invoice balance", "before": 165.0, "after": 0.0, "currency": "USD", "extra": "dropped"}
    meta = card_meta("secret-credential", "2026-11-30T12:00:00+00:00", "ana@example.com", money, tool="reverse_invoice")
    assert meta == {
        META_KEY: {
            "credential": "secret-credential",
            "expires_at": "2026-11-30T12:00:00+00:00",
            "principal": "ana@example.com",
            "money": {"label": "Invoice balance", "before": 165.0, "after": 0.0, "currency": "USD"},
            "tool": "reverse_invoice",
        }
    }
    result = types.CallToolResult(
        content=[types.TextContent(type="text", text="Confirmation required.")],
        structured_content={"status": "confirmation_required"},
        _meta=meta,
    )
    on_the_wire = result.model_dump(by_alias=True, exclude_none=True, mode="json")
    assert on_the_wire["_meta"] == meta
    assert "secret-credential" not in json.dumps(on_the_wire["content"])
    assert "secret-credential" not in json.dumps(on_the_wire["structuredContent"])


def test_card_meta_leaves_out_what_is_not_known() -> None:
    assert card_meta("c", "2026-11-30T12:00:00+00:00") == {
        META_KEY: {"credential": "c", "expires_at": "2026-11-30T12:00:00+00:00"}
    }


def test_the_card_reads_the_same_meta_key_and_tool_name_as_the_server() -> None:
    html = card_html()
    assert json.dumps(META_KEY) in html
    assert json.dumps(APPROVE_TOOL_NAME) in html


def test_for_card_takes_the_token_out_of_what_the_model_reads_and_sends_the_person_to_the_card() -> None:
    structured = {
        "status": "confirmation_required",
        "changed": False,
        "message": "Confirmation required. ... call reverse_invoice again with confirmation_token ...",
        "preview": {
            "request": {"method": "PUT", "url": "https://rest.zuora.com/v1/invoices/INV1/reverse", "body": {}},
            "effect": "Reverses invoice INV1.",
            "preflight": [
                {"check": "Invoice is Posted", "ok": True, "detail": "status is Posted"},
                {"check": "Status allows it", "ok": False, "detail": "draft", "inferred": True},
            ],
        },
        "confirmation_token": "model-visible-token",
        "expires_at": "2026-11-30T12:05:00+00:00",
    }
    content, text, meta = for_card(structured, "card-credential", tool="reverse_invoice", principal="ana@example.com")
    assert "confirmation_token" not in content
    assert structured["confirmation_token"] == "model-visible-token"
    for what_the_model_reads in (json.dumps(content), text):
        assert "card-credential" not in what_the_model_reads
        assert "model-visible-token" not in what_the_model_reads
        assert "confirmation_token" not in what_the_model_reads
    assert content["preview"] == structured["preview"]
    assert content["status"] == "confirmation_required"
    assert content["message"].startswith(
        "Waiting for the person's approval. Nothing was changed. Reverses invoice INV1."
    )
    assert "approval card" in content["message"]
    assert text.splitlines()[1:] == [
        "✓ Invoice is Posted: status is Posted",
        "✗ Status allows it: draft (inferred rule)",
    ]
    assert meta == card_meta(
        "card-credential", "2026-11-30T12:05:00+00:00", "ana@example.com", None, tool="reverse_invoice"
    )


def test_the_server_advertises_the_extension_as_the_sdk_does() -> None:
    assert server_extensions() == {"io.modelcontextprotocol/ui": {}}
