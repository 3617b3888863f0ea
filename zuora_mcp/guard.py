"""The guard: decides whether a write runs, and words every answer a write tool gives.

    mode × safety × policy → refuse | preview | ask a person | issue a token | run

The guard holds the settings, the token signer and the audit log; it never holds the HTTP client.
Every answer it builds is a :class:`ToolOutcome` whose structured content has ``status`` and
``changed``, and every answer in which nothing was applied says so in plain words.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from zuora_mcp.audit import AuditLog, AuditRecord, Decision
from zuora_mcp.config import Settings
from zuora_mcp.confirmation import Claims, TokenError, TokenSigner, arguments_hash
from zuora_mcp.preflight import PreflightReport

__all__ = ["NOTHING_CHANGED", "AskPerson", "Guard", "ToolOutcome", "guard_arguments"]

NOTHING_CHANGED = "Nothing was changed."
GUARD_ARGUMENTS = ("dry_run", "confirmation_token")
Status = Literal["executed", "preview", "confirmation_required", "declined", "refused", "failed", "outcome_unknown"]


@dataclass
class ToolOutcome:
    """What a tool call answers: structured content, a short text, and whether it is an error."""

    structured: dict[str, Any]
    text: str
    is_error: bool = False


@dataclass
class AskPerson:
    """Modern protocol era: the client must show ``message`` to a person and call again."""

    message: str
    request_state: str
    requested_schema: dict[str, Any] = field(default_factory=lambda: approval_schema("the billing system"))


def approval_schema(vendor: str) -> dict[str, Any]:
    """The one-field form a person answers to approve a write."""
    return {
        "type": "object",
        "properties": {"approve": {"type": "boolean", "title": f"Run this write in {vendor}"}},
        "required": ["approve"],
    }


def guard_arguments(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments that define the billing system's call: everything but the guard's own."""
    return {k: v for k, v in arguments.items() if k not in GUARD_ARGUMENTS}


class Guard:
    def __init__(self, settings: Settings, signer: TokenSigner, audit: AuditLog, *, vendor: str) -> None:
        self.settings = settings
        self.vendor = vendor
        self.signer = signer
        self.audit = audit
        self.environment = f"{settings.environment}|{settings.base_url}"

    # -- decisions -------------------------------------------------------------------------------

    def static_refusal(self, tool: str) -> str | None:
        """Why ``tool`` may not write at all under the current settings, or None."""
        if self.settings.mode_for(tool) == "read-only":
            return f"{tool} is disabled: the server runs in read-only mode for this tool."
        if self.settings.production and not self.settings.allow_production_writes:
            return (
                f"{tool} would write to the production environment {self.settings.environment}, and the policy "
                "does not allow production writes (set allow_production_writes = true to permit them)."
            )
        return None

    def limit_refusal(self, tool: str, report: PreflightReport) -> str | None:
        policy = self.settings.tools.get(tool)
        if policy is None or policy.max_amount is None or report.amount is None:
            return None
        if report.amount > policy.max_amount:
            return (
                f"{tool} would move {report.amount:.2f} {report.currency or ''}".rstrip()
                + f", above the policy limit of {policy.max_amount:.2f} for this tool."
            )
        return None

    def check_token(self, tool: str, arguments: Mapping[str, Any], token: str, kind: str = "token") -> Claims:
        """Verify and consume a token for exactly this call.

        Raises:
            TokenError: with a reason safe to show.
        """
        if kind == "token" and self.settings.require_human:
            raise TokenError("the policy requires a person's approval; confirmation tokens are turned off")
        claims = self.signer.verify(
            token,
            kind="elicit" if kind == "elicit" else "token",
            tool=tool,
            args=arguments_hash(guard_arguments(arguments)),
            env=self.environment,
        )
        # Consumed before anything is awaited, so two concurrent calls cannot both use it.
        self.signer.mark_used(claims)
        return claims

    def mint(self, tool: str, arguments: Mapping[str, Any], report: PreflightReport, kind: str) -> tuple[str, Claims]:
        return self.signer.mint(
            kind="elicit" if kind == "elicit" else "token",
            tool=tool,
            args=arguments_hash(guard_arguments(arguments)),
            env=self.environment,
            state=report.fingerprint,
        )

    # -- audit -----------------------------------------------------------------------------------

    def record(
        self,
        tool: str,
        arguments: Mapping[str, Any],
        decision: Decision,
        detail: str = "",
        *,
        request_id: str | None = None,
        idempotency_key: str | None = None,
        track_id: str | None = None,
    ) -> None:
        self.audit.write(
            AuditRecord(
                tool=tool,
                environment=self.settings.environment,
                arguments_hash=arguments_hash(guard_arguments(arguments)),
                decision=decision,
                detail=detail[:500],
                request_id=request_id,
                idempotency_key=idempotency_key,
                track_id=track_id,
                operation=str(arguments["operation_id"]) if "operation_id" in arguments else None,
            )
        )

    # -- answers ---------------------------------------------------------------------------------

    def refused(
        self,
        tool: str,
        arguments: Mapping[str, Any],
        why: str,
        report: PreflightReport | None = None,
        preview: dict[str, Any] | None = None,
    ) -> ToolOutcome:
        self.record(tool, arguments, "refused", why)
        message = f"Refused: {why} {NOTHING_CHANGED}"
        content: dict[str, Any] = {"status": "refused", "changed": False, "message": message}
        if preview is not None:
            content["preview"] = preview
        return ToolOutcome(content, _with_checks(message, report), is_error=True)

    def previewed(
        self, tool: str, arguments: Mapping[str, Any], preview: dict[str, Any], report: PreflightReport
    ) -> ToolOutcome:
        self.record(tool, arguments, "previewed", "dry run")
        message = f"Preview only (dry run). {NOTHING_CHANGED} {report.effect}"
        content = {"status": "preview", "changed": False, "message": message, "preview": preview}
        return ToolOutcome(content, _with_checks(message, report))

    def token_required(
        self, tool: str, arguments: Mapping[str, Any], preview: dict[str, Any], report: PreflightReport
    ) -> ToolOutcome:
        token, claims = self.mint(tool, arguments, report, "token")
        self.record(tool, arguments, "previewed", "confirmation token issued", idempotency_key=claims.nonce)
        expires = datetime.fromtimestamp(claims.exp, UTC).isoformat()
        message = (
            f"Confirmation required. {NOTHING_CHANGED} {report.effect} Show this preview to the person; "
            f"if they approve, call {tool} again with the same arguments and confirmation_token (valid until "
            f"{expires}, single use)."
        )
        content = {
            "status": "confirmation_required",
            "changed": False,
            "message": message,
            "preview": preview,
            "confirmation_token": token,
            "expires_at": expires,
        }
        return ToolOutcome(content, _with_checks(message, report))

    def ask_person(self, tool: str, arguments: Mapping[str, Any], report: PreflightReport) -> AskPerson:
        state, claims = self.mint(tool, arguments, report, "elicit")
        self.record(tool, arguments, "previewed", "asked the person", idempotency_key=claims.nonce)
        return AskPerson(
            message=elicitation_message(tool, report),
            request_state=state,
            requested_schema=approval_schema(self.vendor),
        )

    def declined(self, tool: str, arguments: Mapping[str, Any], action: str) -> ToolOutcome:
        self.record(tool, arguments, "declined", action)
        word = "declined" if action == "decline" else "cancelled"
        message = f"The person {word} the write. {NOTHING_CHANGED}"
        return ToolOutcome({"status": "declined", "changed": False, "message": message}, message)


def elicitation_message(tool: str, report: PreflightReport) -> str:
    lines = [f"Approve {tool}?", report.effect, ""]
    lines += [c.line for c in report.checks]
    lines += ["", "Nothing has been changed yet."]
    return "\n".join(lines)


def preview_of(method: str, url: str, body: Any, report: PreflightReport) -> dict[str, Any]:
    return {
        "request": {"method": method, "url": url, "body": body},
        "effect": report.effect,
        "preflight": [check.as_dict() for check in report.checks],
    }


def _with_checks(message: str, report: PreflightReport | None) -> str:
    if report is None or not report.checks:
        return message
    checks = "\n".join(c.line for c in report.checks)
    return f"{message}\n{checks}"


def new_idempotency_key() -> str:
    return secrets.token_hex(16)
