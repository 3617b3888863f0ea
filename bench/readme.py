"""README.md's Performance table, rendered from a bench run (``python -m bench --readme``).

The block between ``<!-- begin:performance -->`` and ``<!-- end:performance -->`` is replaced with
the run's figures: each beside the bare server making the same call and the FastMCP peer (when it
ran), with the target and its verdict, then one line saying plainly which targets were met.
``python -m bench.readme [results.json]`` renders an existing results file without running anything.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from bench.report import TRANSPORTS

__all__ = ["render_performance", "update_readme"]

README = Path(__file__).resolve().parent.parent / "README.md"
_BLOCK = re.compile(r"(<!-- begin:performance -->\n)(?:.*?\n)?(<!-- end:performance -->)", re.S)
# Which target decides each row (by its name in bench.report.TARGETS).
_ROW_TARGET = {
    "stdio": "per call, stdio",
    "http": "per call, HTTP kept-alive",
}


def _spread(figure: dict[str, Any]) -> str:
    spread = figure.get("round_p50_range")
    median = figure.get("median", figure["p50"])
    return f"{median:.2f} ms ({spread[0]:.2f}–{spread[1]:.2f})" if spread else f"{median:.2f} ms"


def _verdicts(results: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {v["target"]: v for v in results.get("targets", [])}


def _target(verdicts: dict[str, dict[str, str]], name: str) -> str:
    v = verdicts.get(name)
    if v is None or v["verdict"] == "not run":
        return "—"
    verdict = "met" if v["verdict"] == "met" else "**missed**"
    return f"{v['goal']}: {verdict}"


def render_performance(results: dict[str, Any]) -> str:
    """The markdown table and the verdict line for ``results`` (a bench run's results.json)."""
    verdicts = _verdicts(results)
    rows: list[tuple[str, ...]] = []
    fp = results.get("footprint")
    if fp:
        rows.append(
            (
                f"tools/list, {fp['curated']['tools']} curated tools",
                f"{fp['curated']['tokens']:,} tokens",
                "—",
                "—",
                _target(verdicts, "context: curated tools"),
            )
        )
    lat = results.get("latency")
    peer_ran = bool((results.get("peer") or {}).get("runs"))
    cs = results.get("cold_start")
    if cs:
        peer = f"{cs['peer_ms']['p50']:.0f} ms ({cs['peer_ratio_p50']:.2f}x)" if "peer_ms" in cs else "—"
        rows.append(
            (
                "cold start to first tools/list (stdio)",
                f"{cs['ours_ms']['p50']:.0f} ms ({cs['ratio_p50']:.2f}x)",
                f"{cs['bare_ms']['p50']:.0f} ms",
                peer,
                _target(verdicts, "cold start"),
            )
        )
    if lat:
        pc = lat["per_call"]
        for transport, label in TRANSPORTS.items():
            ours, bare = pc[transport]["ours"], pc[transport]["bare"]
            peer_row = pc[transport].get("peer")
            peer = f"{_spread(peer_row['ms'])}, {peer_row['ratio_to_bare']:.2f}x" if peer_row else "—"
            rows.append(
                (
                    f"`get_invoice` p50, {label}",
                    f"{_spread(ours['ms'])}, **{ours['ratio_to_bare']:.2f}x**; {ours['ratio_to_direct']:.2f}x direct",
                    _spread(bare["ms"]),
                    peer,
                    _target(verdicts, _ROW_TARGET[transport]) if transport in _ROW_TARGET else "—",
                )
            )
        rows.append(("direct httpx2 GET p50 (no MCP)", "—", _spread(pc["direct_get_ms"]), "—", "—"))
        stdio = pc["stdio"]
        cpu_peer = stdio["peer"]["server_cpu_ms_per_call"] if "peer" in stdio else None
        rows.append(
            (
                "server CPU per `get_invoice`, stdio",
                f"{stdio['ours']['server_cpu_ms_per_call']:.2f} ms (own: {stdio['ours']['own_cpu_ms_per_call']:+.2f})",
                f"{stdio['bare']['server_cpu_ms_per_call']:.2f} ms",
                f"{cpu_peer:.2f} ms" if cpu_peer is not None else "—",
                "—",
            )
        )
        checked = pc.get("client_validation_ms")
        if checked is not None:
            rows.append(
                (
                    "SDK client checking our `structuredContent` against `outputSchema`, per call",
                    f"{checked:.2f} ms (inside the figures above)",
                    "— (declares no output schema)",
                    "—",
                    "—",
                )
            )
        mem = lat["memory"]
        peer_mem = (
            f"{mem['idle_kib']['peer'] / 1024:.0f} / {mem['after_calls_kib']['peer'] / 1024:.0f} MiB"
            if "peer" in mem["idle_kib"]
            else "—"
        )
        rows.append(
            (
                f"RSS idle / after {mem['calls']:,} calls",
                f"{mem['idle_kib']['ours'] / 1024:.0f} / {mem['after_calls_kib']['ours'] / 1024:.0f} MiB "
                f"({mem['ratio_idle']:.2f}x / {mem['ratio_after_calls']:.2f}x)",
                f"{mem['idle_kib']['bare'] / 1024:.0f} / {mem['after_calls_kib']['bare'] / 1024:.0f} MiB",
                peer_mem,
                _target(verdicts, "memory, after calls"),
            )
        )
        size = lat["result_size"]
        rows.append(
            (
                "`get_invoice` result",
                f"{size['ours_tokens']} tokens ({size['share_of_raw']:.0%} of raw)",
                f"raw JSON {size['raw_tokens']}",
                f"{size['peer_tokens']} tokens" if "peer_tokens" in size else "—",
                _target(verdicts, "result size: get_invoice"),
            )
        )
    ex = results.get("explorer")
    if ex:
        rows.append(
            (
                "explorer: first / warm `search_operations`",
                f"{ex['first_search_ms']['median']:.1f} ms / {ex['warm_search_ms']['median']:.2f} ms",
                "—",
                "—",
                f"{_target(verdicts, 'explorer: first search')}; {_target(verdicts, 'explorer: warm search')}",
            )
        )
        rows.append(
            (
                "explorer: memory, quality",
                f"+{ex['rss_delta_mib']:.1f} MiB; {ex['top3']}/{ex['queries']} queries in the top 3",
                "—",
                "—",
                f"{_target(verdicts, 'explorer: memory')}; {_target(verdicts, 'explorer: quality')}",
            )
        )
    cc = results.get("concurrency")
    if cc:
        rows.append(
            (
                f"{cc['clients']} HTTP clients, {cc['seconds']:.0f} s, token life {cc['token_lifetime_s']} s",
                f"{cc['errors']} errors, {cc['token_requests']} token requests, "
                f"{cc['connections_accepted']} connections",
                f"pool {cc['pool_size']}",
                "—",
                _target(verdicts, "concurrency: errors"),
            )
        )
    rows += _zoho_rows(results.get("zoho"), verdicts)
    rows += _ledger_rows(results.get("ledger"))
    lines = [
        "| Figure | Ours | Bare server, same call | FastMCP peer | Target |",
        "|---|---|---|---|---|",
        *(f"| {' | '.join(row)} |" for row in rows),
        "",
    ]
    ran = [v for v in results.get("targets", []) if v["verdict"] != "not run"]
    met = [v["target"] for v in ran if v["verdict"] == "met"]
    missed = [f"{v['target']} ({v['figure']}, goal {v['goal']})" for v in ran if v["verdict"] != "met"]
    machine = results.get("machine") or {}
    lines.append(
        f"Run of {machine.get('time', '?')} on {machine.get('cpus', '?')} CPUs ({machine.get('cpu', '')}), "
        f"load {machine.get('loadavg_at_start', ['?'])[0]} at start{_loads(results)}; medians over "
        f"{(lat or {}).get('per_call', {}).get('calls_per_path', '?')} calls per path in interleaved rounds, "
        "with the range of the rounds' medians in brackets."
        + ("" if peer_ran else f" Peer not run: {(results.get('peer') or {}).get('why', 'not measured')}.")
    )
    fleet = results.get("fleet_soak")
    if fleet:
        ledger = fleet["ledger"]
        lines.append("")
        lines.append(
            f"Fleet soak (`make soak-fleet`, a separate run of {fleet.get('time', '?')}): "
            f"{fleet['replicas']} stateless HTTP replicas on one PostgreSQL ledger, {fleet['clients']} clients, "
            f"{fleet['seconds']:.0f} s, "
            f"{fleet['faults_injected']} injected 429/5xx: {fleet['calls']:,} calls; writes applied by the tenant "
            f"{fleet['writes_applied_tenant']:,} {'=' if fleet['applied_minus_ledger_executed'] == 0 else '≠'} "
            f"recorded `executed` in the ledger {ledger['executed']:,}; "
            f"{fleet['duplicates']} duplicates; {ledger['unknown']} `outcome_unknown`, of which the tenant applied "
            f"{fleet['applied_minus_ledger_executed']}; chain "
            + ("intact" if fleet["ledger_chain_broken_at"] is None else "**broken**")
            + f"; RSS growth per replica {', '.join(f'{g:+.1f}' for g in fleet['rss_growth_mib'])} MiB. "
            + ("**OK.**" if fleet["ok"] else "**FAILED.**")
        )
    lines.append("")
    lines.append(
        f"**Targets met: {len(met)} of {len(ran)}.**"
        + (f" Missed: {'; '.join(missed)}." if missed else " None missed.")
    )
    return "\n".join(lines)


def _zoho_rows(zoho: dict[str, Any] | None, verdicts: dict[str, dict[str, str]]) -> list[tuple[str, ...]]:
    if not zoho:
        return []
    fp = zoho["footprint"]
    fast = fp["fastmcp"]
    hosted = fp["hosted_quoted"]
    rows: list[tuple[str, ...]] = [
        (
            f"Zoho: tools/list, {fp['catalog']['tools']} catalog tools / whole server",
            f"{fp['catalog']['tokens']:,} / {fp['whole_server']['tokens']:,} tokens",
            "—",
            f"{fast['tokens']:,} tokens (`from_openapi`, same spec, {fast['tools']} tools)"
            if fast.get("runs")
            else f"not run: {fast.get('why')}",
            _target(verdicts, "Zoho: tools/list vs FastMCP"),
        ),
        (
            "Zoho: hosted Zoho MCP server (quoted, not measured)",
            "—",
            "—",
            f"~{hosted['tokens']:,} tokens per request, as users report it ({hosted['source']})",
            "—",
        ),
    ]
    cs = zoho["cold_start"]
    rows.append(
        (
            "Zoho: cold start to first tools/list (stdio)",
            f"{cs['ours_ms']['p50']:.0f} ms ({cs['ratio_p50']:.2f}x)",
            f"{cs['bare_ms']['p50']:.0f} ms",
            "—",
            _target(verdicts, "Zoho: cold start"),
        )
    )
    pc = zoho["per_call"]
    for transport, target in (("stdio", "Zoho: per call, stdio"), ("http", "Zoho: per call, HTTP kept-alive")):
        ours, bare = pc[transport]["ours"], pc[transport]["bare"]
        rows.append(
            (
                f"Zoho: `get_invoice` p50, {TRANSPORTS[transport]}",
                f"{_spread(ours['ms'])}, **{ours['ratio_to_bare']:.2f}x**; {ours['ratio_to_direct']:.2f}x direct",
                _spread(bare["ms"]),
                "—",
                _target(verdicts, target),
            )
        )
    rows.append(("Zoho: direct httpx2 GET p50 (no MCP)", "—", _spread(pc["direct_get_ms"]), "—", "—"))
    return rows


def _ledger_rows(ledger: dict[str, Any] | None) -> list[tuple[str, ...]]:
    if not ledger:
        return []
    through = ledger["write_through_server"]
    alone = ledger["ledger_alone"]
    rows: list[tuple[str, ...]] = []
    for engine, label in (("sqlite", "SQLite file"), ("postgresql", "PostgreSQL (loopback)")):
        entry = through.get(engine, {})
        if "skipped" in entry:
            rows.append((f"ledger: {label}", f"not run: {entry['skipped']}", "—", "—", "—"))
            continue
        own = alone.get(engine, {})
        cost = (
            f"; the ledger alone: intent + outcome {own['intent_outcome_ms']['p50']:.2f} ms, "
            f"with a token claim {own['claim_intent_outcome_ms']['p50']:.2f} ms"
            if "intent_outcome_ms" in own
            else ""
        )
        rows.append(
            (
                f"ledger: `reverse_invoice` (auto) p50, {label}",
                f"{_spread(entry['ms'])}: **+{entry['added_ms_p50']:.2f} ms** per write{_added(entry)}{cost}",
                f"{_spread(through['memory']['ms'])} (in-memory ledger)",
                "—",
                "—",
            )
        )
    return rows


def _added(entry: dict[str, Any]) -> str:
    spread = entry.get("added_ms_round_range")
    return f" (rounds {spread[0]:+.2f} to {spread[1]:+.2f})" if spread else ""


def _loads(results: dict[str, Any]) -> str:
    loads = results.get("loadavg_at_section_start") or {}
    if not loads:
        return ""
    values = [v[0] for v in loads.values()]
    return f" ({min(values):.1f}–{max(values):.1f} at the sections' starts)"


def update_readme(results: dict[str, Any], path: Path = README) -> str:
    """Replace the performance block of ``path``; returns what happened, for the log."""
    text = path.read_text()
    match = _BLOCK.search(text)
    if match is None:
        return "no <!-- begin:performance --> block; left alone"
    path.write_text(text[: match.end(1)] + render_performance(results) + "\n" + text[match.start(2) :])
    return "performance block rewritten"


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("results.json")
    print(update_readme(json.loads(source.read_text())))
