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

from bench.stats import ratio

__all__ = ["Target", "evaluate", "render_table", "write_results"]

CURATED_TOKENS = 10_000
WHOLE_TOKENS = 11_500
STDIO_RATIO = 1.05
HTTP_RATIO = 1.15
FIRST_SEARCH_MS = 30.0
WARM_SEARCH_MS = 2.0
SEARCH_MEMORY_MIB = 5.0
SEARCH_TOP3 = 34


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
        "p50 <= 1.05x bare",
        lambda r: (
            (x := _get(r, "latency", "per_call", "stdio", "ours", "ratio_to_bare")) <= STDIO_RATIO,
            f"{x:.2f}x",
        ),
    ),
    Target(
        "per call, HTTP kept-alive",
        "p50 <= 1.15x bare",
        lambda r: (
            (x := _get(r, "latency", "per_call", "http", "ours", "ratio_to_bare")) <= HTTP_RATIO,
            f"{x:.2f}x",
        ),
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
        "explorer: first search",
        f"<= {FIRST_SEARCH_MS:.0f} ms",
        lambda r: ((x := _get(r, "explorer", "first_search_ms", "median")) <= FIRST_SEARCH_MS, f"{x:.1f} ms"),
    ),
    Target(
        "explorer: warm search",
        f"<= {WARM_SEARCH_MS:.0f} ms",
        lambda r: ((x := _get(r, "explorer", "warm_search_ms", "median")) <= WARM_SEARCH_MS, f"{x:.2f} ms"),
    ),
    Target(
        "explorer: memory",
        f"<= +{SEARCH_MEMORY_MIB:.0f} MiB",
        lambda r: ((x := _get(r, "explorer", "rss_delta_mib")) <= SEARCH_MEMORY_MIB, f"+{x:.1f} MiB"),
    ),
    Target(
        "explorer: quality",
        f">= {SEARCH_TOP3} queries in top 3",
        lambda r: (
            (x := _get(r, "explorer", "top3")) >= SEARCH_TOP3,
            f"{x}/{_get(r, 'explorer', 'queries')}",
        ),
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
        "Zoho: cold start",
        "<= 1.25x bare",
        lambda r: ((x := _get(r, "zoho", "cold_start", "ratio_p50")) <= 1.25, f"{x:.2f}x"),
    ),
    Target(
        "Zoho: per call, stdio",
        "p50 <= 1.05x bare",
        lambda r: (
            (x := _get(r, "zoho", "per_call", "stdio", "ours", "ratio_to_bare")) <= STDIO_RATIO,
            f"{x:.2f}x",
        ),
    ),
    Target(
        "Zoho: per call, HTTP kept-alive",
        "p50 <= 1.15x bare",
        lambda r: (
            (x := _get(r, "zoho", "per_call", "http", "ours", "ratio_to_bare")) <= HTTP_RATIO,
            f"{x:.2f}x",
        ),
    ),
    Target(
        "Zoho: tools/list vs FastMCP",
        "fewer tokens than FastMCP",
        lambda r: (
            (x := _get(r, "zoho", "footprint", "whole_server", "tokens"))
            < (f := _get(r, "zoho", "footprint", "fastmcp", "tokens")),
            f"{x:,} vs {f:,} tokens",
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


TRANSPORTS = {"stdio": "stdio", "http": "HTTP kept-alive", "http_fresh": "HTTP new conn."}


def _ms(summary: dict[str, Any]) -> str:
    return f"{summary['p50']:.2f} / {summary['p99']:.2f}"


def _range(summary: dict[str, Any]) -> str:
    """The median, then the range of per-round (or per-run) medians when there is one."""
    spread = summary.get("round_p50_range")
    median = summary.get("median", summary["p50"])
    if spread:
        return f"{median:.2f} ({spread[0]:.2f}-{spread[1]:.2f})"
    return f"{median:.2f} ({summary['min']:.2f}-{summary['max']:.2f})"


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
        peer = f", peer {cs['peer_ms']['p50']:.0f} ({cs['peer_ratio_p50']:.2f}x)" if "peer_ms" in cs else ""
        rows.append(
            (
                "cold start p50 (ms)",
                f"{cs['ours_ms']['p50']:.0f}",
                f"bare {cs['bare_ms']['p50']:.0f}{peer}",
                f"{cs['ratio_p50']:.2f}x",
            )
        )
    ex = results.get("explorer")
    if ex:
        rows.append(
            (
                "explorer first search (ms)",
                _range(ex["first_search_ms"]),
                f"load {ex['load_ms']['median']:.1f}, import {ex['import_ms']['median']:.0f}",
                "",
            )
        )
        rows.append(("explorer warm search (ms)", f"{ex['warm_search_ms']['median']:.3f}", "", ""))
        rows.append(("explorer memory, top 3", f"+{ex['rss_delta_mib']:.1f} MiB", f"{ex['top3']}/{ex['queries']}", ""))
    lat = results.get("latency")
    if lat:
        pc = lat["per_call"]
        for transport in TRANSPORTS:
            for name in pc["servers"]:
                if name not in pc[transport]:
                    continue
                row = pc[transport][name]
                cpu = row["server_cpu_ms_per_call"]
                note = f"x{row['ratio_to_direct']:.2f} direct" + (f", CPU {cpu:.2f} ms" if cpu is not None else "")
                rows.append(
                    (
                        f"get_invoice {TRANSPORTS[transport]} {name}",
                        _range(row["ms"]),
                        note,
                        f"{row['ratio_to_bare']:.2f}x",
                    )
                )
        rows.append(("  direct GET p50 (ms)", _range(pc["direct_get_ms"]), "", ""))
        rows.append(("  echo (MCP alone) stdio p50 (ms)", _range(pc["echo_stdio_ms"]), "", ""))
        own = pc["stdio"]["ours"].get("own_cpu_ms_per_call")
        if own is not None:
            rows.append(("  our own CPU/call, stdio (ms)", f"{own:.3f}", "ours - bare server CPU", ""))
        checked = pc.get("client_validation_ms")
        if checked is not None:
            rows.append(("  client checks our outputSchema (ms)", f"{checked:.3f}", "SDK client, jsonschema", ""))
        mem = lat["memory"]
        for label, key in (
            ("RSS idle (MiB)", "idle_kib"),
            (f"RSS after {mem['calls']:,} calls (MiB)", "after_calls_kib"),
        ):
            peer = f", peer {mem[key]['peer'] / 1024:.1f}" if "peer" in mem[key] else ""
            rows.append(
                (
                    label,
                    f"{mem[key]['ours'] / 1024:.1f}",
                    f"bare {mem[key]['bare'] / 1024:.1f}{peer}",
                    f"{mem[key]['ours'] / mem[key]['bare']:.2f}x",
                )
            )
        size = lat["result_size"]
        peer_size = f", peer {size['peer_tokens']}" if "peer_tokens" in size else ""
        rows.append(
            (
                "get_invoice result (tok)",
                str(size["ours_tokens"]),
                f"raw {size['raw_tokens']}{peer_size}",
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
    rows += _zoho_rows(results.get("zoho"))
    rows += _ledger_rows(results.get("ledger"))
    lines = [_row(("figure", "median (range)", "floor / note", "ratio")), _row(("-" * 42, "-" * 24, "-" * 30, "-" * 8))]
    lines += [_row(r) for r in rows]
    lines.append("")
    peer_run: dict[str, Any] = results.get("peer") or {}
    if peer_run and not peer_run.get("runs"):
        lines.append(f"peer rows left out: {peer_run.get('why')}")
    lines.append(f"{'target':32} {'goal':26} {'figure':22} verdict")
    for v in results.get("targets", []):
        lines.append(f"{v['target']:32} {v['goal']:26} {v['figure']:22} {v['verdict']}")
    return "\n".join(lines)


def _zoho_rows(zoho: dict[str, Any] | None) -> list[tuple[str, str, str, str]]:
    if not zoho:
        return []
    fp = zoho["footprint"]
    fast = fp["fastmcp"]
    hosted = fp["hosted_quoted"]
    rows = [
        ("Zoho tools/list, catalog", f"{fp['catalog']['tokens']:,} tok, {fp['catalog']['tools']} tools", "", ""),
        (
            "Zoho tools/list, whole server",
            f"{fp['whole_server']['tokens']:,} tok",
            f"FastMCP {fast['tokens']:,} tok" if fast.get("runs") else f"FastMCP: {fast.get('why')}",
            f"{fp['ratio_to_fastmcp']:.2f}x" if fast.get("runs") else "",
        ),
        ("  Zoho hosted MCP (quoted, not measured)", f"~{hosted['tokens']:,} tok/request", "users' report", ""),
    ]
    cs = zoho["cold_start"]
    rows.append(
        (
            "Zoho cold start p50 (ms)",
            f"{cs['ours_ms']['p50']:.0f}",
            f"bare {cs['bare_ms']['p50']:.0f}",
            f"{cs['ratio_p50']:.2f}x",
        )
    )
    pc = zoho["per_call"]
    for transport in ("stdio", "http"):
        for name in ("ours", "bare"):
            row = pc[transport][name]
            cpu = row["server_cpu_ms_per_call"]
            note = f"x{row['ratio_to_direct']:.2f} direct" + (f", CPU {cpu:.2f} ms" if cpu is not None else "")
            rows.append(
                (
                    f"Zoho get_invoice {TRANSPORTS[transport]} {name}",
                    _range(row["ms"]),
                    note,
                    f"{row['ratio_to_bare']:.2f}x",
                )
            )
    rows.append(("  Zoho direct GET p50 (ms)", _range(pc["direct_get_ms"]), "", ""))
    return rows


def _ledger_rows(ledger: dict[str, Any] | None) -> list[tuple[str, str, str, str]]:
    if not ledger:
        return []
    rows: list[tuple[str, str, str, str]] = []
    through = ledger["write_through_server"]
    floor = through["memory"]["ms"]
    rows.append(("reverse_invoice auto, memory ledger (ms)", _range(floor), "the write's own time", ""))
    alone = ledger["ledger_alone"]
    for engine in ("sqlite", "postgresql"):
        entry = through.get(engine, {})
        if "skipped" in entry:
            rows.append((f"  ledger {engine}", "skipped", str(entry["skipped"])[:30], ""))
            continue
        rows.append(
            (
                f"reverse_invoice auto, {engine} ledger",
                _range(entry["ms"]),
                f"+{entry['added_ms_p50']:.2f} ms over memory{_added_range(entry)}",
                f"{ratio(entry['ms']['p50'], floor['p50']):.2f}x",
            )
        )
        own = alone.get(engine, {})
        if "intent_outcome_ms" in own:
            rows.append(
                (
                    f"  {engine} alone: intent+outcome / +claim",
                    f"{own['intent_outcome_ms']['p50']:.2f} / {own['claim_intent_outcome_ms']['p50']:.2f}",
                    "ms per write",
                    "",
                )
            )
    return rows


def _added_range(entry: dict[str, Any]) -> str:
    spread = entry.get("added_ms_round_range")
    return f" ({spread[0]:+.2f}..{spread[1]:+.2f})" if spread else ""


def _row(cells: tuple[str, str, str, str]) -> str:
    return f"{cells[0]:42} {cells[1]:24} {cells[2]:30} {cells[3]}"


def write_results(results: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(results, indent=2, sort_keys=False) + "\n")
