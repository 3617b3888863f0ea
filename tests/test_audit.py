"""The audit log keeps one line per write attempt, appended, and nothing secret."""

from __future__ import annotations

import json
from pathlib import Path

from zuora_mcp.audit import AuditLog, AuditRecord


def test_records_are_appended_as_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "audit" / "log.jsonl"
    log = AuditLog(path)
    log.write(AuditRecord(tool="reverse_invoice", environment="sandbox", arguments_hash="h1", decision="previewed"))
    again = AuditLog(path)  # a restarted server appends, never truncates
    again.write(
        AuditRecord(
            tool="reverse_invoice",
            environment="sandbox",
            arguments_hash="h1",
            decision="executed",
            request_id="r-1",
            idempotency_key="k-1",
            track_id="t-1",
        )
    )
    lines = path.read_text().splitlines()
    assert [json.loads(line)["decision"] for line in lines] == ["previewed", "executed"]
    assert set(json.loads(lines[1])) == {
        "arguments_hash",
        "decision",
        "detail",
        "environment",
        "idempotency_key",
        "operation",
        "time",
        "tool",
        "track_id",
        "request_id",
    }
    assert AuditLog.read(path)[1]["request_id"] == "r-1"
    assert path.stat().st_mode & 0o077 == 0  # readable by the owner only


def test_recent_records_are_kept_in_memory_without_a_file() -> None:
    log = AuditLog(None, keep=3)
    for decision in ("previewed", "confirmed", "executed", "refused"):
        log.write(AuditRecord(tool="t", environment="e", arguments_hash="h", decision=decision))  # type: ignore[arg-type]
    assert [r.decision for r in log.recent()] == ["confirmed", "executed", "refused"]
