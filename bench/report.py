"""Targets, the printed table and ``bench/results.json``.

Each figure is compared with a floor measured in the same run; a target is "met", "missed" or
"not run". Benchmarks print, they never fail a build: a slow machine is a fact, not an error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Target", "evaluate", "render_table", "write_results"]

CURATED_TOKENS = 10_000
WHOLE_TOKENS = 11_500


@dataclass(frozen=True)
class Target:
    name: str
    goal: str
    check: Callable[[dict[str, Any]], tuple[bool, str]]  # (met, the figure that decided)


def _get(results: dict[str, Any], *path: str) -> Any:
    value: Any = results
    for key in path:
        value = value[key]
    return value


TARGETS = (
    Target(
        "context: curated tools",
        f"<= {CURATED_TOKENS:,} tokens",
        lambda r: (
            (t := _get(r, "footprint", "curated", "tokens")) <= CURATED_TOKENS,
            f"{t:,} tokens",
        ),
    ),
    Target(
        "context: whole server",
        f"<= {WHOLE_TOKENS:,} tokens",
        lambda r: (
            (t := _get(r, "footprint", "whole_server", "tokens")) <= WHOLE_TOKENS,
            f"{t:,} tokens",
        ),
    ),
    Target(
        "cold start",
        "<= 1.25x bare",
        lambda r: ((x := _get(r, "cold_start", "ratio_p50")) <= 1.25, f"{x:.2f}x"),
    ),
    Target(
        "per call, stdio",
        "p50 <= 1.2x floor",
        lambda r: ((x := _get(r, "latency", "per_call", "stdio", "ratio_p50")) <= 1.2, f"{x:.2f}x"),
    ),
    Target(
        "per call, HTTP",
        "p50 <= 1.2x floor",
        lambda r: ((x := _get(r, "latency", "per_call", "http", "ratio_p50")) <= 1.2, f"{x:.2f}x"),
    ),
    Target(
        "memory, idle",
        "<= 1.3x bare",
        lambda r: ((x := _get(r, "latency", "memory", "ratio_idle")) <= 1.3, f"{x:.2f}x"),
    ),
    Target(
        "memory, after calls",
        "<= 1.3x bare",
        lambda r: ((x := _get(r, "latency", "memory", "ratio_after_calls")) <= 1.3, f"{x:.2f}x"),
    ),
    Target(
        "concurrency: errors",
        "0",
        lambda r: ((e := _get(r, "concurrency", "errors")) == 0, str(e)),
    ),
    Target(
        "concurrency: token requests",
        "expiries + 1",
        lambda r: (
            (lo := _get(r, "concurrency", "token_requests_expected")[0])
            <= (n := _get(r, "concurrency", "token_requests"))
            <= _get(r, "concurrency", "token_requests_expected")[1],
            f"{n} (expected {lo})"
            if lo == _get(r, "concurrency", "token_requests_expected")[1]
            else f"{n} (expected {lo}–{_get(r, 'concurrency', 'token_requests_expected')[1]})",
        ),
    ),
    Target(
        "concurrency: connections",
        "<= pool size",
        lambda r: (
            (c := _get(r, "concurrency", "connections_accepted")) <= (p := _get(r, "concurrency", "pool_size")),
            f"{c} (pool {p})",
        ),
    ),
    Target(
        "result size: get_invoice",
        "<= 30% of raw",
        lambda r: ((x := _get(r, "latency", "result_size", "share_of_raw")) <= 0.30, f"{x:.0%}"),
    ),
)


def evaluate(results: dict[str, Any]) -> list[dict[str, str]]:
    """Every target with its verdict: met, missed, or not run (its section was skipped or failed)."""
    verdicts = []
    for target in TARGETS:
        try:
            met, figure = target.check(results)
            verdict = "met" if met else "MISSED"
        except (KeyError, TypeError):
            figure, verdict = "-", "not run"
        verdicts.append({"target": target.name, "goal": target.goal, "figure": figure, "verdict": verdict})
    return verdicts


def _ms(summary: dict[str, Any]) -> str:
    return f"{summary['p50']:.2f} / {summary['p99']:.2f}"


def render_table(results: dict[str, Any]) -> str:
    """The figures beside their floors, then the targets."""
    rows: list[tuple[str, str, str, str]] = []
    fp = results.get("footprint")
    if fp:
        rows.append(("tools/list, curated", f"{fp['curated']['tokens']:,} tok, {fp['curated']['bytes']:,} B", "", ""))
        whole = fp["whole_server"]
        rows.append(("tools/list, whole server", f"{whole['tokens']:,} tok, {whole['tools']} tools", "", ""))
        rows.append(("  mean per tool", f"{fp['tokens_per_tool_mean']:.0f} tok", "", ""))
        for tool in fp["largest"]:
            rows.append((f"  {tool['name']}", f"{tool['tokens']:,} tok, {tool['bytes']:,} B", "", ""))
    cs = results.get("cold_start")
    if cs:
        rows.append(
            (
                "cold start p50 (ms)",
                f"{cs['ours_ms']['p50']:.0f}",
                f"{cs['bare_ms']['p50']:.0f}",
                f"{cs['ratio_p50']:.2f}x",
            )
        )
    lat = results.get("latency")
    if lat:
        for transport in ("stdio", "http"):
            t = lat["per_call"][transport]
            floor = f"{t['floor_p50_ms']:.2f} / {t['floor_p99_ms']:.2f}"
            rows.append((f"get_invoice {transport} p50/p99 (ms)", _ms(t["ours_ms"]), floor, f"{t['ratio_p50']:.2f}x"))
        rows.append(("  direct GET p50/p99 (ms)", _ms(lat["per_call"]["direct_get_ms"]), "", ""))
        for transport in ("stdio", "http"):
            t = lat["per_call"][transport]
            rows.append(
                (
                    f"  bare+GET server {transport} p50/p99",
                    _ms(t["proxy_ms"]),
                    f"ours - it: {t['zuora_mcp_own_p50_ms']:+.2f} ms",
                    f"{t['ratio_p50_to_proxy']:.2f}x",
                )
            )
            cpu = t["server_cpu_ms_per_call"]
            rows.append(
                (
                    f"  server CPU/call {transport} (ms)",
                    f"{cpu['ours']:.2f}",
                    f"bare {cpu['bare']:.2f}, bare+GET {cpu['proxy']:.2f}",
                    "",
                )
            )
        mem = lat["memory"]
        rows.append(
            (
                "RSS idle (MiB)",
                f"{mem['idle_kib']['ours'] / 1024:.1f}",
                f"{mem['idle_kib']['bare'] / 1024:.1f}",
                f"{mem['ratio_idle']:.2f}x",
            )
        )
        rows.append(
            (
                f"RSS after {mem['calls']:,} calls (MiB)",
                f"{mem['after_calls_kib']['ours'] / 1024:.1f}",
                f"{mem['after_calls_kib']['bare'] / 1024:.1f}",
                f"{mem['ratio_after_calls']:.2f}x",
            )
        )
        size = lat["result_size"]
        rows.append(
            (
                "get_invoice result (tok)",
                str(size["ours_tokens"]),
                f"raw {size['raw_tokens']}",
                f"{size['share_of_raw']:.0%}",
            )
        )
    wr = results.get("writes")
    if wr:
        for phase in ("dry_run", "preview", "confirmed"):
            p = wr[phase]
            rows.append(
                (
                    f"reverse {phase.replace('_', '-')} p50/p99 (ms)",
                    _ms(p["ms"]),
                    f"{p['zuora_requests']['per_call']:g} Zuora req",
                    "",
                )
            )
        rows.append(("  direct PUT reverse p50/p99 (ms)", _ms(wr["direct_put_ms"]), "", ""))
    cc = results.get("concurrency")
    if cc:
        rows.append(
            (
                f"{cc['clients']} HTTP clients, {cc['seconds']:.0f} s",
                f"{cc['calls_per_second']:.0f} calls/s",
                f"p50/p99 {_ms(cc['latency_ms'])} ms",
                f"{cc['errors']} errors",
            )
        )
        rows.append(
            (
                "  server CPU ms/call, % of a core",
                f"{cc['server_cpu_ms_per_call']:.2f}",
                f"{cc['server_cpu_percent']:.0f} % (clients {cc['client_process_cpu_percent']:.0f} %)",
                "",
            )
        )
        rows.append(
            (
                "  tokens / connections",
                f"{cc['token_requests']} / {cc['connections_accepted']}",
                f"expiries {cc['token_expiries']} / pool {cc['pool_size']}",
                "",
            )
        )
    lines = [_row(("figure", "ours", "floor / note", "ratio")), _row(("-" * 34, "-" * 28, "-" * 26, "-" * 8))]
    lines += [_row(r) for r in rows]
    lines.append("")
    lines.append(f"{'target':30} {'goal':20} {'figure':22} verdict")
    for v in results.get("targets", []):
        lines.append(f"{v['target']:30} {v['goal']:20} {v['figure']:22} {v['verdict']}")
    return "\n".join(lines)


def _row(cells: tuple[str, str, str, str]) -> str:
    return f"{cells[0]:34} {cells[1]:28} {cells[2]:26} {cells[3]}"


def write_results(results: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(results, indent=2, sort_keys=False) + "\n")
