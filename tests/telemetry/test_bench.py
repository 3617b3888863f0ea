"""The telemetry bench runs and says what it measures: hooks off, on and the floor, and a read off and on."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bench.telemetry import floor_once, hooks_once, measure


def test_the_bench_prints_the_hooks_cost_off_and_on_beside_the_floor() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "ZUORA_"))}
    command = [
        sys.executable,
        "-m",
        "bench.telemetry",
        "--json",
        "--iterations",
        "300",
        "--repeats",
        "1",
        "--calls",
        "5",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, env=env)  # noqa: S603
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    hooks = results["hooks_ns_per_tool_call"]
    assert hooks["floor"] > 0
    assert 0 < hooks["off"] < hooks["on"]
    assert results["get_invoice_median_us"]["off"] > 0
    assert results["get_invoice_median_us"]["on"] > 0


def test_the_floor_and_the_hooks_make_the_same_calls_and_are_timed_per_call() -> None:
    assert measure(floor_once, 10, 1) > 0
    assert measure(hooks_once, 10, 1) > 0
