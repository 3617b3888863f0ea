"""One pipeline for every tool call: validate → plan → guard → send → shape.

The executor knows nothing of MCP. The server hands it a tool name, the arguments, a way to reach a
person (:class:`Approval`) and a progress callback, and gets back a :class:`ToolOutcome` — or, in the
modern protocol era, an :class:`AskPerson` to return to the client. Reads go straight to the billing
system; every write goes through :class:`Guard` first. Nothing is sent before the arguments are valid.
What differs per billing system — its preflight rules, which read settles an unknown outcome, its
name in sentences — comes from the :class:`~zuora_mcp.provider.Provider`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal, Protocol

from zuora_mcp import telemetry
from zuora_mcp.client import BillingClient, new_track_id

if TYPE_CHECKING:
    import jsonschema
from zuora_mcp.confirmation import Claims, TokenError
from zuora_mcp.errors import BillingError, BillingRequestError, InvalidArgument, OutcomeUnknown, TransportError
from zuora_mcp.guard import NOTHING_CHANGED, AskPerson, Guard, ToolOutcome, new_idempotency_key, preview_of
from zuora_mcp.ledger import Approval as HowApproved
from zuora_mcp.ledger import LedgerUnavailable
from zuora_mcp.plan import RequestPlan
from zuora_mcp.preflight import PreflightFn, PreflightReport, ReadFailed
from zuora_mcp.provider import Provider

__all__ = [
    "Approval",
    "Executor",
    "Progress",
    "ToolLike",
    "UnknownTool",
    "invalid_arguments",
    "settle_read",
    "validation_problems",
]

Progress = Callable[[float, float | None, str], Awaitable[None]]


class UnknownTool(KeyError):
    """No tool of that name is served."""


class ToolLike(Protocol):
    """What the executor needs of a tool: the catalog's ToolSpec, or an explorer operation."""

    @property
    def name(self) -> str: ...
    @property
    def safety(self) -> str: ...
    def plan(self, arguments: Mapping[str, Any]) -> RequestPlan: ...
    def shape(self, data: Any, arguments: Mapping[str, Any]) -> dict[str, Any]: ...
    def summary(self, shaped: Mapping[str, Any]) -> str: ...


@dataclass
class Approval:
    """How this call can reach a person.

    ``inline``: the client can answer an elicitation now (handshake era) through ``ask``;
    ``deferred``: modern era — ask by returning :class:`AskPerson`; on the retry ``action`` and
    ``state`` carry the person's answer and the signed state; ``app``: the client renders the approval
    card (MCP Apps), so the credential goes to the card; ``card-approved``: the person pressed Approve
    and ``state`` is the card's credential; ``none``: no person can be asked.
    """

    style: Literal["inline", "deferred", "app", "card-approved", "none"] = "none"
    ask: Callable[[str, dict[str, Any]], Awaitable[tuple[str, Mapping[str, Any] | None]]] | None = None
    action: str | None = None
    content: Mapping[str, Any] | None = None
    state: str | None = None
    principal: str = ""  # who is calling, as confirmations are bound to it (identity.Principal.key)
    who: str = ""  # the same caller in words, for the ledger (identity.Principal.label)


# The explorer's own tool: its reads are found with search_operations, whatever the provider.
_SETTLE_EXPLORER = {
    "call_operation": ("call_operation with the GET operation for the same record (search_operations finds it)", None),
}


class _ClientReader:
    """Preflight's read-only window onto the billing system."""

    def __init__(self, client: BillingClient, track_id: str, vendor: str) -> None:
        self._client = client
        self._track_id = track_id
        self._vendor = vendor

    async def read(
        self, path: str, path_params: Mapping[str, str] | None = None, query: Mapping[str, Any] | None = None
    ) -> Any:
        try:
            response = await self._client.get(path, path_params, query, track_id=self._track_id)
        except BillingError as exc:
            reasons = "; ".join(r.message for r in exc.reasons) or f"HTTP {exc.status}"
            raise ReadFailed(f"{self._vendor}: {reasons}", not_found=exc.status == 404) from None
        except (TransportError, OutcomeUnknown) as exc:
            raise ReadFailed(f"{self._vendor} could not be reached: {exc}") from None
        except InvalidArgument as exc:
            raise ReadFailed(str(exc)) from None
        return response.data


class Executor:
    def __init__(
        self,
        client: BillingClient,
        guard: Guard,
        tools: Mapping[str, ToolLike],
        validators: Mapping[str, Any],
        provider: Provider,
    ) -> None:
        self.client = client
        self.guard = guard
        self.tools = tools
        self.validators = validators
        self.provider = provider
        self.vendor = provider.vendor

    async def call(
        self,
        name: str,
        arguments: Mapping[str, Any] | None,
        approval: Approval | None = None,
        progress: Progress | None = None,
    ) -> ToolOutcome | AskPerson:
        tool = self.tools.get(name)
        if tool is None:
            raise UnknownTool(name)
        args = dict(arguments or {})
        problems = self.invalid_fields(name, args)
        if problems:
            return invalid_arguments(problems, self.vendor)
        if tool.safety == "read":
            return await self._read(tool, args)
        return await self.write(tool, args, approval or Approval(), progress, self.provider.preflights.get(name))

    async def approve(
        self, credential: str, decision: str, principal: str, progress: Progress | None = None, who: str = ""
    ) -> ToolOutcome:
        """The approval card's Approve or Decline: the write its credential seals runs (once) or is declined.

        Everything a confirmation token goes through holds here: binding to tool, arguments, environment
        and principal, expiry, single use across replicas (the ledger's claim), the record's state
        re-checked, policy. Decline spends the credential and records ``declined``.
        """
        guard = self.guard
        try:
            name, args = await guard.spend_card(credential, principal)
        except TokenError as exc:
            text = f"Refused: the approval was not accepted: {exc.reason}. {NOTHING_CHANGED}"
            return ToolOutcome({"status": "refused", "changed": False, "message": text}, text, is_error=True)
        tool = self.tools.get(name)
        if tool is None or tool.safety == "read":
            text = f"Refused: the approval names no write tool this server serves. {NOTHING_CHANGED}"
            return ToolOutcome({"status": "refused", "changed": False, "message": text}, text, is_error=True)
        if decision == "decline":
            try:
                await guard.check_token(name, args, credential, "app", principal)
            except TokenError as exc:
                return await guard.refused(name, args, f"the approval was not accepted: {exc.reason}.")
            except LedgerUnavailable as exc:
                return await guard.refused(name, args, _ledger_down(exc))
            return await guard.declined(name, args, "decline")
        approval = Approval("card-approved", state=credential, principal=principal, who=who)
        outcome = await self.write(tool, args, approval, progress, self.provider.preflights.get(name))
        assert isinstance(outcome, ToolOutcome)  # a card-approved write never asks again
        return outcome

    def invalid_fields(self, name: str, args: Mapping[str, Any]) -> list[str]:
        return validation_problems(self.validators[name], args)

    # -- reads -------------------------------------------------------------------------------------

    async def read(self, tool: ToolLike, args: dict[str, Any]) -> ToolOutcome:
        """The read path for a tool whose arguments the caller has validated (the explorer's reads)."""
        return await self._read(tool, args)

    async def _read(self, tool: ToolLike, args: dict[str, Any]) -> ToolOutcome:
        try:
            plan = tool.plan(args)
            if plan.is_write:
                # Only the guard may send a write: a tool classified as a read that plans one is refused.
                return await self.guard.refused(tool.name, args, f"{tool.name} planned a {plan.method}, not a read.")
            response = await self.client.send(plan, track_id=new_track_id())
        except InvalidArgument as exc:
            return invalid_arguments([str(exc)], self.vendor)
        except BillingRequestError as exc:
            return _failure(exc, self.provider, changed_note="")
        shaped = tool.shape(response.data, args)
        return ToolOutcome(shaped, tool.summary(shaped))

    # -- writes ------------------------------------------------------------------------------------

    async def write(
        self,
        tool: ToolLike,
        args: dict[str, Any],
        approval: Approval,
        progress: Progress | None,
        preflight: PreflightFn | None,
    ) -> ToolOutcome | AskPerson:
        guard, name = self.guard, tool.name
        why = guard.static_refusal(name)
        if why:
            return await guard.refused(name, args, why)
        try:
            plan = tool.plan(args)
            plan.url_path()  # validates every path value before anything is read or sent
        except InvalidArgument as exc:
            return invalid_arguments([str(exc)], self.vendor)

        claims: Claims | None = None
        token = args.get("confirmation_token")
        if approval.style == "deferred" and approval.state is not None:
            token, kind = approval.state, "elicit"
        elif approval.style == "card-approved":
            token, kind = approval.state, "app"
        else:
            kind = "token"
        if token and guard.settings.mode_for(name) in ("confirm", "auto"):
            try:
                claims = await guard.check_token(name, args, str(token), kind, approval.principal)
            except TokenError as exc:
                return await guard.refused(name, args, f"the confirmation token was not accepted: {exc.reason}.")
            except LedgerUnavailable as exc:
                return await guard.refused(name, args, _ledger_down(exc))

        track_id = new_track_id()
        steps = _Steps(progress, total=_batch_size(args))
        report = await self._preflight(tool, args, preflight, track_id, steps)
        url = self.guard.settings.base_url.rstrip("/") + plan.target()
        preview = preview_of(plan.method, url, plan.shown_body(), report)

        refusal = guard.limit_refusal(name, report)
        if refusal:
            return await guard.refused(name, args, refusal, report, preview)
        if not report.ok:
            failed = "; ".join(f"{c.check} ({c.detail})" for c in report.failures())
            return await guard.refused(name, args, f"{self.vendor} would refuse this write: {failed}.", report, preview)
        if args.get("dry_run") or guard.settings.mode_for(name) == "dry-run":
            return await guard.previewed(name, args, preview, report)

        if claims is not None:
            if claims.state != report.fingerprint:
                return await guard.refused(
                    name,
                    args,
                    "the record changed since the preview (or the write already ran); preview it again.",
                    report,
                    preview,
                )
            if kind == "elicit" and not _approved(approval):
                return await guard.declined(name, args, approval.action or "cancel")
            how: HowApproved = "elicitation" if kind == "elicit" else "card" if kind == "app" else "token"
            return await self._send(
                tool, args, plan, claims.nonce, track_id, steps, how, approval.principal, approval.who
            )

        if guard.settings.mode_for(name) == "auto":
            key = new_idempotency_key()
            return await self._send(tool, args, plan, key, track_id, steps, "auto", approval.principal, approval.who)

        if approval.style == "app":  # the client renders the approval card: the credential goes to the card
            return await guard.card_required(name, args, preview, report, approval.principal)

        if approval.style == "inline" and approval.ask is not None:
            ask = await guard.ask_person(name, args, report, approval.principal)
            action, content = await approval.ask(ask.message, ask.requested_schema)
            if action != "accept" or not (content or {}).get("approve", False):
                return await guard.declined(name, args, action if action != "accept" else "decline")
            key = new_idempotency_key()
            return await self._send(
                tool, args, plan, key, track_id, steps, "elicitation", approval.principal, approval.who
            )
        if approval.style == "deferred":
            return await guard.ask_person(name, args, report, approval.principal)
        if guard.settings.require_human:
            return await guard.refused(
                name,
                args,
                "the policy requires a person's approval, and this client cannot ask one (no elicitation support).",
                report,
                preview,
            )
        return await guard.token_required(name, args, preview, report, approval.principal)

    async def _preflight(
        self, tool: ToolLike, args: Mapping[str, Any], preflight: PreflightFn | None, track_id: str, steps: _Steps
    ) -> PreflightReport:
        if preflight is None:
            return PreflightReport(effect=f"Sends {tool.name} to {self.vendor}; no preconditions are known for it.")
        return await preflight(args, _ClientReader(self.client, track_id, self.vendor), steps.step)

    async def _send(
        self,
        tool: ToolLike,
        args: dict[str, Any],
        plan: RequestPlan,
        key: str,
        track_id: str,
        steps: _Steps,
        how: HowApproved,
        principal: str,
        who: str = "",
    ) -> ToolOutcome:
        """Write-ahead: the intent is committed in the ledger, then the write is sent, then its outcome
        is recorded. No intent, no send."""
        name, guard = tool.name, self.guard
        plan = replace(plan, idempotency_key=key)
        sent_key = key if self.client.dialect.idempotency_header else None
        try:
            intent_id = await guard.intent(
                name,
                args,
                how,
                idempotency_key=key,
                natural_key=natural_key(name, args, self.provider),
                track_id=track_id,
                principal=who or principal,
            )
        except LedgerUnavailable as exc:
            return await guard.refused(name, args, _ledger_down(exc))
        await steps.step(f"sending the write to {self.vendor}")
        try:
            response = await self.client.send(plan, track_id=track_id)
        except OutcomeUnknown as exc:
            telemetry.write_outcome("outcome_unknown", tool=name, provider=self.provider.name)
            warning = await guard.outcome(
                name, args, intent_id, "outcome_unknown", str(exc), idempotency_key=key, track_id=exc.track_id
            )
            return _with_warning(_unknown(name, args, exc, self.provider), warning)
        except BillingRequestError as exc:
            request_id = exc.request_id if isinstance(exc, BillingError) else None
            warning = await guard.outcome(
                name,
                args,
                intent_id,
                "failed",
                str(exc),
                request_id=request_id,
                idempotency_key=key,
                track_id=exc.track_id,
            )
            return _with_warning(_failure(exc, self.provider, changed_note=f" {NOTHING_CHANGED}"), warning)
        await steps.step("done")
        telemetry.write_outcome("executed", tool=name, provider=self.provider.name)
        warning = await guard.outcome(
            name,
            args,
            intent_id,
            "executed",
            request_id=response.request_id,
            idempotency_key=key,
            track_id=response.track_id,
        )
        shaped = tool.shape(response.data, args)
        message = f"Done: {tool.summary(shaped)}"
        changed = True
        outcomes = _batch_outcomes(args, response.data)
        if outcomes is not None:
            shaped["invoices"] = outcomes
            succeeded = sum(1 for outcome in outcomes if outcome["success"])
            changed = succeeded > 0
            message = f"Done: {succeeded} of {len(outcomes)} invoices succeeded; each outcome is listed."
        content = {
            "status": "executed",
            "changed": changed,
            "message": message,
            "result": shaped,
            self.provider.name: {
                "request_id": response.request_id,
                "track_id": response.track_id,
                # The key the write went out with; where the vendor has no keys, the confirmation's nonce
                # still names this write in the audit.
                "idempotency_key": response.idempotency_key or sent_key,
            },
        }
        where = f"{self.vendor} request {response.request_id}" if response.request_id else f"track id {track_id}"
        return _with_warning(ToolOutcome(content, f"{message} ({where})"), warning)


class _Steps:
    """Progress for batches: one step per record read, one for the send."""

    def __init__(self, progress: Progress | None, total: int | None) -> None:
        self._progress, self._total, self._done = progress, total, 0

    async def step(self, message: str) -> None:
        if self._progress is None:
            return
        self._done += 1
        total = float(self._total + 2) if self._total is not None else None
        await self._progress(float(self._done), total, message)


def _batch_outcomes(args: Mapping[str, Any], data: Any) -> list[dict[str, Any]] | None:
    """One outcome per invoice of a batch tool (an ``invoices`` list): the vendor may answer per invoice
    (Zuora's create) or all-or-nothing (Zuora's update)."""
    requested = args.get("invoices")
    if not isinstance(requested, list):
        return None
    answered = data.get("invoices") if isinstance(data, dict) else None
    if isinstance(answered, list):
        return [
            {
                "id": entry.get("id"),
                "invoiceNumber": entry.get("invoiceNumber"),
                "success": entry.get("success", True) is not False,
                "reasons": entry.get("reasons", []),
            }
            for entry in answered
            if isinstance(entry, dict)
        ]
    return [{"id": entry.get("id"), "success": True, "reasons": []} for entry in requested if isinstance(entry, dict)]


def _batch_size(args: Mapping[str, Any]) -> int | None:
    batch = args.get("invoices")
    return len(batch) if isinstance(batch, list) else None


def _approved(approval: Approval) -> bool:
    return approval.action == "accept" and bool((approval.content or {}).get("approve", False))


def natural_key(name: str, args: Mapping[str, Any], provider: Provider) -> str | None:
    """What names the record a write touches, for the ledger and for settling an unknown outcome:
    the argument the provider's settle-with read takes (``invoiceKey=INV00000001``,
    ``reference_number=PO-1234``)."""
    _, key_name = provider.settle_with.get(name) or provider.settle_with.get("*") or ("", None)
    key_name = provider.natural_keys.get(name, key_name)
    value = args.get(key_name) if key_name else None
    return f"{key_name}={value}" if value is not None else None


def _ledger_down(exc: LedgerUnavailable) -> str:
    return (
        f"the write ledger cannot record this write before it is sent ({exc}), and a write the ledger cannot "
        "record is not sent; reads still work"
    )


def _with_warning(outcome: ToolOutcome, warning: str | None) -> ToolOutcome:
    if warning:
        outcome.structured["ledger_warning"] = warning
        outcome.text = f"{outcome.text}\n{warning}"
    return outcome


def validation_problems(validator: Any, args: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Each bad field named, at most 12, in path order; ``prefix`` names a nested argument.

    ``validator.is_valid`` first: for an :class:`~zuora_mcp.argument_check.ArgumentValidator` that is
    the compiled fast path, and valid arguments (nearly every call) never reach jsonschema's walk."""
    if validator.is_valid(args):
        return []
    errors = sorted(validator.iter_errors(args), key=lambda e: [str(p) for p in e.absolute_path])
    return [_describe(error, prefix) for error in errors[:12]]


def _describe(error: jsonschema.ValidationError, prefix: str = "") -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    where = (prefix + path).lstrip(".")
    if error.validator == "required":
        return f"{where + ': ' if where else ''}{error.message}"
    if error.validator == "maxItems" and isinstance(error.instance, list):
        limit = int(str(error.validator_value))
        calls = -(-len(error.instance) // limit)
        return (
            f"{where or 'arguments'}: {len(error.instance)} entries, at most {limit} per call; "
            f"split them into {calls} calls of at most {limit}"
        )
    if error.validator == "additionalProperties":
        return f"{where + ': ' if where else ''}{error.message}"
    value = json.dumps(error.instance, default=str)
    value = value if len(value) <= 60 else value[:57] + "..."
    return f"{where or 'arguments'}: {value} is not valid ({error.validator} {error.validator_value!r})"[:300]


def invalid_arguments(problems: list[str], vendor: str) -> ToolOutcome:
    """The answer to arguments that failed validation: each problem named, nothing sent."""
    text = f"Invalid arguments — nothing was sent to {vendor}:\n" + "\n".join(f"- {p}" for p in problems)
    content = {"status": "refused", "changed": False, "message": text, "invalid": problems}
    return ToolOutcome(content, text, is_error=True)


def _failure(exc: BillingRequestError, provider: Provider, *, changed_note: str) -> ToolOutcome:
    error: dict[str, Any] = {"status": None, "reasons": []}
    ids: dict[str, Any] = {"request_id": None, "track_id": exc.track_id}
    if isinstance(exc, BillingError):
        error = {"status": exc.status, "reasons": [r.as_dict() for r in exc.reasons], "process_id": exc.process_id}
        ids["request_id"] = exc.request_id
    text = f"{exc}.{changed_note} (track id {exc.track_id}"
    text += f", {provider.vendor} request {ids['request_id']})" if ids["request_id"] else ")"
    content = {"status": "failed", "changed": False, "message": text, "error": error, provider.name: ids}
    return ToolOutcome(content, text, is_error=True)


def settle_read(name: str, args: Mapping[str, Any], provider: Provider) -> str:
    """The read that settles an unknown outcome of ``name`` called with ``args``, in call syntax."""
    table = {**provider.settle_with, **_SETTLE_EXPLORER}
    tool, key_name = table.get(name) or table.get("*") or ("a read of the record", None)
    key = args.get(key_name) if key_name else None
    return f"{tool}({key_name}={key!r})" if key is not None else tool


def _unknown(name: str, args: Mapping[str, Any], exc: OutcomeUnknown, provider: Provider) -> ToolOutcome:
    how = settle_read(name, args, provider)
    retry = (
        "Do not retry blindly"
        if exc.idempotency_key
        else f"Do not retry: {provider.vendor} has no idempotency keys, so a retry could apply it twice"
    )
    text = (
        f"Outcome unknown: {exc}. The write may or may not have been applied in {provider.vendor}. {retry}: "
        f"read the record with {how} to see whether it changed (track id {exc.track_id})."
    )
    content = {
        "status": "outcome_unknown",
        "changed": False,
        "message": text,
        "settle_with": how,
        provider.name: {"request_id": None, "track_id": exc.track_id, "idempotency_key": exc.idempotency_key},
    }
    return ToolOutcome(content, text, is_error=True)
