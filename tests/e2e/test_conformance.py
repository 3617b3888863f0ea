"""The official MCP conformance suite, server mode over streamable HTTP, against zuora-mcp.

The suite (pinned in tools/node/) runs every scenario of ``--suite all`` and writes one
``checks.json`` per scenario under ``-o``; the tests read those files. A scenario passes when none of
its checks is FAILURE or WARNING, which is the suite's own baseline rule. Scenarios zuora-mcp is
expected to fail are listed, each with its reason, in conformance-expected-failures.txt beside this
file; the list must stay honest both ways (no unexpected failure, no listed scenario that passes).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import HttpServer, NodeTools

pytestmark = [pytest.mark.node, pytest.mark.e2e]

EXPECTED_FAILURES_FILE = Path(__file__).with_name("conformance-expected-failures.txt")
SUITE_TIMEOUT = 180.0
LIST_TIMEOUT = 60.0
_TIMESTAMP = re.compile(r"-\d{4}-\d{2}-\d{2}T[\d-]+Z$")  # the suite's suffix on each result folder
_LISTED = re.compile(r"^\s+- (\S+) \[")


def read_expected_failures(path: Path = EXPECTED_FAILURES_FILE) -> dict[str, str]:
    """Scenario name -> reason, from the reviewed list (``#`` starts a comment line)."""
    entries: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, reason = line.strip().partition(" ")
        assert name not in entries, f"{path.name}:{number}: {name} is listed twice"
        entries[name] = reason.strip()
    return entries


@dataclass(frozen=True)
class ConformanceRun:
    """What one ``conformance server`` run left behind."""

    scenarios: list[str]  # every server scenario the suite knows
    checks: dict[str, list[dict[str, Any]]]  # scenario -> its checks.json, for those that wrote one
    exit_code: int
    stdout: str

    def failing(self) -> dict[str, list[str]]:
        """Scenario -> why it failed (its FAILURE and WARNING checks), for every scenario that failed."""
        failed: dict[str, list[str]] = {}
        for scenario in self.scenarios:
            if scenario not in self.checks:
                failed[scenario] = ["the suite wrote no checks.json for it (it crashed or was not run)"]
                continue
            bad = [
                f"{check['status']} {check['id']}: {check.get('errorMessage') or check.get('description', '')}"
                for check in self.checks[scenario]
                if check["status"] in {"FAILURE", "WARNING"}
            ]
            if bad:
                failed[scenario] = bad
        return failed


@pytest.fixture(scope="module")
def conformance(
    node_tools: NodeTools, http_server: HttpServer, tmp_path_factory: pytest.TempPathFactory
) -> ConformanceRun:
    listed = node_tools.run(["conformance", "list", "--server"], timeout=LIST_TIMEOUT)
    assert listed.returncode == 0, listed.stderr
    scenarios = [match.group(1) for line in listed.stdout.splitlines() if (match := _LISTED.match(line))]
    assert scenarios, f"could not read the scenario list:\n{listed.stdout}"

    workdir = tmp_path_factory.mktemp("conformance")
    baseline = workdir / "expected-failures.yaml"
    baseline.write_text("server:\n" + "".join(f"  - {name}\n" for name in read_expected_failures()))
    out = workdir / "results"
    command = ["conformance", "server", "--url", http_server.url, "--suite", "all", "-o", str(out)]
    done = node_tools.run([*command, "--expected-failures", str(baseline)], timeout=SUITE_TIMEOUT)

    checks: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(out.glob("*/checks.json")):
        scenario = _TIMESTAMP.sub("", path.parent.name).removeprefix("server-")
        checks[scenario] = json.loads(path.read_text())
    return ConformanceRun(scenarios=scenarios, checks=checks, exit_code=done.returncode, stdout=done.stdout)


def test_every_conformance_scenario_passes_except_the_reviewed_failures(conformance: ConformanceRun) -> None:
    unexpected = {
        scenario: reasons
        for scenario, reasons in conformance.failing().items()
        if scenario not in read_expected_failures()
    }
    details = "\n".join(f"{scenario}:\n    " + "\n    ".join(reasons) for scenario, reasons in unexpected.items())
    assert not unexpected, f"conformance scenarios failed that are not in {EXPECTED_FAILURES_FILE.name}:\n{details}"


def test_no_expected_conformance_failure_has_started_passing(conformance: ConformanceRun) -> None:
    failing = conformance.failing()
    passing_now = sorted(name for name in read_expected_failures() if name not in failing)
    assert not passing_now, (
        f"these scenarios pass now: remove them from {EXPECTED_FAILURES_FILE.name}: {', '.join(passing_now)}"
    )


def test_expected_conformance_failures_name_real_scenarios_each_with_a_reason(conformance: ConformanceRun) -> None:
    expected = read_expected_failures()

    assert sorted(set(expected) - set(conformance.scenarios)) == []
    assert [name for name, reason in expected.items() if not reason] == []


def test_the_suites_own_baseline_check_agrees(conformance: ConformanceRun) -> None:
    assert conformance.exit_code == 0, conformance.stdout[-4000:]
    assert "Baseline check passed" in conformance.stdout


def test_the_conformance_run_covered_the_core_scenarios(conformance: ConformanceRun) -> None:
    """Guards the parsing above: a run that wrote nothing must not look like a clean pass."""
    passed = sorted(set(conformance.scenarios) - set(conformance.failing()))

    assert {"server-initialize", "ping", "tools-list", "dns-rebinding-protection"} <= set(passed)
