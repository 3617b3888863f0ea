"""The guard: decides whether a write runs, and words every answer a write tool gives.

    mode × safety × policy → refuse | preview | ask a person | issue a token | run

The guard holds the settings, the token signer, the write ledger and the audit log; it never holds
the HTTP client. Every answer it builds is a :class:`ToolOutcome` whose structured content has
``status`` and ``changed``, and every answer in which nothing was applied says so in plain words.

The ledger (:mod:`zuora_mcp.ledger`) is the source of truth for writes: a confirmation is claimed there
(single use on every replica sharing it), a write's intent is committed there before it is sent (if it
cannot be, nothing is sent), and its outcome after. Previews, refusals and declines are recorded there
too. The JSON-lines audit file is an export sink beside it: failing to append to it never changes what
a caller is told about a write.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import anyio

from zuora_mcp import telemetry
from zuora_mcp.audit import AuditLog, AuditRecord, Decision
from zuora_mcp.config import Settings
from zuora_mcp.confirmation import Claims, TokenError, TokenSigner, arguments_hash
from zuora_mcp.identity import current_principal
from zuora_mcp.ledger import Approval as HowApproved
from zuora_mcp.ledger import Call, EventDecision, Ledger, LedgerUnavailable, Outcome, open_ledger
from zuora_mcp.preflight import PreflightReport

logger = logging.getLogger("zuora_mcp.guard")

__all__ = ["NOTHING_CHANGED", "AskPerson", "Guard", "ToolOutcome", "guard_arguments"]

NOTHING_CHANGED = "Nothing was changed."
GUARD_ARGUMENTS = ("dry_run", "confirmation_token")
Status = Literal["executed", "preview", "confirmation_required", "declined", "refused", "failed", "outcome_unknown"]


@dataclass
class ToolOutcome:
    """What a tool call answers: structured content, a short text, and whether it is an error.

    ``meta`` goes to the client application only (the result's ``_meta``), never to the model: the
    approval card's credential travels there.
    """

    structured: dict[str, Any]
    text: str
    is_error: bool = False
    meta: dict[str, Any] | None = None


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
    """``ledger`` None: an in-memory ledger is opened on first use (tests, benches); ``serve`` always
    passes the configured one."""

    def __init__(
        self,
        settings: Settings,
        signer: TokenSigner,
        audit: AuditLog,
        *,
        vendor: str,
        provider: str = "",
        ledger: Ledger | None = None,
    ) -> None:
        self.settings = settings
        self.vendor = vendor
        self.provider = provider or settings.provider
        self._ledger = ledger
        self._ledger_lock = anyio.Lock()
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

    async def check_token(
        self, tool: str, arguments: Mapping[str, Any], token: str, kind: str = "token", principal: str = ""
    ) -> Claims:
        """Verify and consume a token for exactly this call: single use on every replica sharing the ledger.

        Raises:
            TokenError: with a reason safe to show.
            LedgerUnavailable: the claim could not be recorded (the caller refuses the write).
        """
        # A card's Approve is a person's; a token relayed by the model is not.
        if kind == "token" and self.settings.require_human:
            raise TokenError("the policy requires a person's approval; confirmation tokens are turned off")
        claims = self.signer.verify(
            token,
            kind=_kind(kind),
            tool=tool,
            args=arguments_hash(guard_arguments(arguments)),
            env=self.environment,
            principal=principal,
        )
        # Consumed in this process before anything is awaited, so two concurrent calls here cannot both
        # use it; then claimed in the ledger, so a replay on another replica sharing it is refused too.
        self.signer.mark_used(claims)
        ledger = await self.ledger()
        if not await ledger.claim(f"{claims.kind}:{claims.nonce}"):
            raise TokenError("it has already been used (on this or another replica)")
        return claims

    def mint(
        self, tool: str, arguments: Mapping[str, Any], report: PreflightReport, kind: str, principal: str = ""
    ) -> tuple[str, Claims]:
        call = guard_arguments(arguments)
        return self.signer.mint(
            kind=_kind(kind),
            tool=tool,
            args=arguments_hash(call),
            env=self.environment,
            state=report.fingerprint,
            principal=principal,
            # The card's credential carries its call: approve_write gets nothing else to run.
            call=json.dumps(call, sort_keys=True, separators=(",", ":"), default=str) if kind == "app" else "",
        )

    async def spend_card(self, credential: str, principal: str) -> tuple[str, dict[str, Any]]:
        """The tool and arguments an approval card's credential was issued for (signature checked).

        Raises:
            TokenError: not a credential of this server's card.
        """
        claims = self.signer.open_sealed(credential)
        try:
            call = json.loads(claims.call)
        except ValueError:
            raise TokenError("its contents are unreadable") from None
        if not isinstance(call, dict):
            raise TokenError("its contents are unreadable")
        return claims.tool, call

    # -- audit -----------------------------------------------------------------------------------

    async def ledger(self) -> Ledger:
        if self._ledger is None:
            async with self._ledger_lock:
                if self._ledger is None:
                    self._ledger = await open_ledger(":memory:")
        return self._ledger

    def call_of(self, tool: str, arguments: Mapping[str, Any], track_id: str | None = None) -> Call:
        """What the ledger records of a call: names and hashes, never the arguments."""
        return Call(
            tool=tool,
            provider=self.provider,
            environment=self.environment,
            arguments_hash=arguments_hash(guard_arguments(arguments)),
            operation=str(arguments["operation_id"]) if "operation_id" in arguments else None,
            track_id=track_id,
        )

    async def record(
        self,
        tool: str,
        arguments: Mapping[str, Any],
        decision: Decision,
        detail: str = "",
        *,
        request_id: str | None = None,
        idempotency_key: str | None = None,
        track_id: str | None = None,
        principal: str = "",
    ) -> None:
        """A preview, refusal or decline: nothing was sent. Recorded in the ledger and the audit sink.

        A ledger that cannot take it does not stop the answer (nothing is being written to the billing
        system); it is logged, and the next write is refused until the ledger is back.
        """
        telemetry.decision(decision, detail, tool=tool, provider=self.provider)
        if decision in ("previewed", "refused", "declined"):
            event: EventDecision = decision
            try:
                ledger = await self.ledger()
                await ledger.record(
                    self.call_of(tool, arguments, track_id),
                    event,
                    detail[:500],
                    # Who previewed, was refused or declined: the caller of this request (identity's
                    # contextvar; the local user over stdio), so every record names someone.
                    principal=principal or current_principal().label,
                    idempotency_key=idempotency_key,
                )
            except LedgerUnavailable as exc:
                logger.warning("the write ledger could not record a %s of %s: %s", decision, tool, exc)
        self.audit_sink(
            tool, arguments, decision, detail, request_id=request_id, idempotency_key=idempotency_key, track_id=track_id
        )

    async def intent(
        self,
        tool: str,
        arguments: Mapping[str, Any],
        how: HowApproved,
        *,
        idempotency_key: str | None,
        natural_key: str | None,
        track_id: str,
        principal: str = "",
        detail: str = "",
    ) -> str:
        """Commit that this write is about to be sent; returns the intent id.

        Raises:
            LedgerUnavailable: it could not be committed — the write must not be sent.
        """
        ledger = await self.ledger()
        intent_id = await ledger.record_intent(
            self.call_of(tool, arguments, track_id),
            approval=how,
            principal=principal,
            idempotency_key=idempotency_key,
            natural_key=natural_key,
            detail=detail,
        )
        self.audit_sink(tool, arguments, "confirmed", how, idempotency_key=idempotency_key, track_id=track_id)
        telemetry.decision("confirmed", how, tool=tool, provider=self.provider)
        return intent_id

    async def outcome(
        self,
        tool: str,
        arguments: Mapping[str, Any],
        intent_id: str,
        outcome: Outcome,
        detail: str = "",
        *,
        request_id: str | None = None,
        idempotency_key: str | None = None,
        track_id: str | None = None,
    ) -> str | None:
        """Record what the send answered; a warning for the caller when the ledger could not take it yet."""
        warning = None
        try:
            ledger = await self.ledger()
            await ledger.record_outcome(
                intent_id, outcome, request_id=request_id, detail=detail[:500], track_id=track_id
            )
        except LedgerUnavailable as exc:
            logger.warning("the write ledger could not record the outcome of %s: %s", tool, exc)
            warning = (
                "Warning: the write ledger is behind (it could not record this outcome now; it will with its next "
                "successful write). The outcome above is what the billing system answered."
            )
        self.audit_sink(
            tool, arguments, outcome, detail, request_id=request_id, idempotency_key=idempotency_key, track_id=track_id
        )
        return warning

    def audit_sink(
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
        """The JSON-lines export: best effort, never the reason a caller is told something else."""
        try:
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
        except OSError as exc:
            logger.warning("the audit file could not take a record (%s); the ledger holds it", exc)

    # -- answers ---------------------------------------------------------------------------------

    async def refused(
        self,
        tool: str,
        arguments: Mapping[str, Any],
        why: str,
        report: PreflightReport | None = None,
        preview: dict[str, Any] | None = None,
    ) -> ToolOutcome:
        await self.record(tool, arguments, "refused", why)
        message = f"Refused: {why} {NOTHING_CHANGED}"
        content: dict[str, Any] = {"status": "refused", "changed": False, "message": message}
        if preview is not None:
            content["preview"] = preview
        return ToolOutcome(content, _with_checks(message, report), is_error=True)

    async def previewed(
        self, tool: str, arguments: Mapping[str, Any], preview: dict[str, Any], report: PreflightReport
    ) -> ToolOutcome:
        await self.record(tool, arguments, "previewed", "dry run")
        message = f"Preview only (dry run). {NOTHING_CHANGED} {report.effect}"
        content = {"status": "preview", "changed": False, "message": message, "preview": preview}
        return ToolOutcome(content, _with_checks(message, report))

    async def token_required(
        self,
        tool: str,
        arguments: Mapping[str, Any],
        preview: dict[str, Any],
        report: PreflightReport,
        principal: str = "",
    ) -> ToolOutcome:
        token, claims = self.mint(tool, arguments, report, "token", principal)
        await self.record(tool, arguments, "previewed", "confirmation token issued", idempotency_key=claims.nonce)
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

    async def card_required(
        self,
        tool: str,
        arguments: Mapping[str, Any],
        preview: dict[str, Any],
        report: PreflightReport,
        principal: str = "",
    ) -> ToolOutcome:
        """For a client that renders the approval card: the preview for the model, the credential for the card.

        The model gets the preview and words that send the person to the card; the credential that runs
        the write is only in ``meta`` (the result's ``_meta``), spent through the app-only approve_write.
        """
        from zuora_mcp import apps

        credential, claims = self.mint(tool, arguments, report, "app", principal)
        await self.record(tool, arguments, "previewed", "approval card shown", idempotency_key=claims.nonce)
        expires = datetime.fromtimestamp(claims.exp, UTC).isoformat()
        structured = {"status": "confirmation_required", "changed": False, "preview": preview, "expires_at": expires}
        # The card shows who approves in words (the label), not the binding key the credential carries.
        who = current_principal().label
        content, text, meta = apps.for_card(structured, credential, tool=tool, principal=who, money=report.money)
        return ToolOutcome(content, _with_checks(text.split("\n")[0], report), meta=meta)

    async def ask_person(
        self, tool: str, arguments: Mapping[str, Any], report: PreflightReport, principal: str = ""
    ) -> AskPerson:
        state, claims = self.mint(tool, arguments, report, "elicit", principal)
        await self.record(tool, arguments, "previewed", "asked the person", idempotency_key=claims.nonce)
        return AskPerson(
            message=elicitation_message(tool, report),
            request_state=state,
            requested_schema=approval_schema(self.vendor),
        )

    async def declined(self, tool: str, arguments: Mapping[str, Any], action: str) -> ToolOutcome:
        await self.record(tool, arguments, "declined", action)
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


def _kind(kind: str) -> Literal["token", "elicit", "app"]:
    return "elicit" if kind == "elicit" else "app" if kind == "app" else "token"


def new_idempotency_key() -> str:
    return secrets.token_hex(16)
