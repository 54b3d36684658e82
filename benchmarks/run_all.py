"""Run every benchmark (``benchmarks/bench_*.py``), one after the other, and show the results.

    python benchmarks/run_all.py [ARGS...]     (``make bench``)

Each benchmark runs as its own process with the given arguments (e.g. ``--rows 1000000`` for a
quick look) and merges its figures into ``benchmarks/results/latest.json``; this script then
prints every benchmark's ratios from that file and a one-line summary. A benchmark that fails
does not stop the others; the exit code is 1 if any failed.

The benchmarks on the scale set (``bench_warehouse``, ``bench_chart_api``) share one: it is
generated once into a temporary folder named to them by ``UNDERSTOOD_BENCH_SCALE_DIR``, and
removed at the end unless ``--keep`` is given. ``bench_warehouse`` runs before
``bench_chart_api``, which serves the warehouse it leaves.

A goal is a number (the ratio must be at least that), or ``{"at_most": x}`` or ``{"below": x}``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any

from _common import BENCH_DIR, RESULTS, table

# run first, in this order: bench_chart_api serves the warehouse bench_warehouse builds
FIRST = ["bench_ingest", "bench_warehouse"]
SCALE_ENV = "UNDERSTOOD_BENCH_SCALE_DIR"


def judge(value: float, goal: Any) -> tuple[str, str]:
    """The goal as shown, and whether the value meets it (``yes``/``no``)."""
    if isinstance(goal, dict):
        if "at_most" in goal:
            return f"<= {goal['at_most']:g}", "yes" if value <= goal["at_most"] else "no"
        if "below" in goal:
            return f"< {goal['below']:g}", "yes" if value < goal["below"] else "no"
        goal = goal.get("at_least")
    return f">= {goal:g}", "yes" if value >= goal else "no"


def main(argv: list[str]) -> int:
    scripts = sorted(
        BENCH_DIR.glob("bench_*.py"),
        key=lambda p: (FIRST.index(p.stem) if p.stem in FIRST else len(FIRST), p.stem),
    )
    failed = []
    start = time.monotonic()
    shared = None
    if SCALE_ENV not in os.environ:
        shared = tempfile.mkdtemp(prefix="understood-scale-")
        os.environ[SCALE_ENV] = shared
    try:
        for number, script in enumerate(scripts, start=1):
            print(f"[{number}/{len(scripts)}] {script.stem}", flush=True)
            if subprocess.run([sys.executable, str(script), *argv], check=False).returncode != 0:
                failed.append(script.stem)
    finally:
        if shared and "--keep" not in argv:
            shutil.rmtree(shared, ignore_errors=True)
        elif shared:
            print(f"kept the scale set in {shared}")
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    rows = [("benchmark", "ratio", "value", "goal", "met")]
    for name, result in results.get("benchmarks", {}).items():
        goals = result.get("goals", {})
        for ratio, value in result.get("ratios", {}).items():
            goal = goals.get(ratio)
            shown_goal, met = ("", "") if goal is None else judge(value or 0, goal)
            shown = "n/a" if value is None else f"{value:.2f}"
            rows.append((name, ratio, shown, shown_goal, "" if value is None else met))
    machine = results.get("machine", {})
    print()
    print(table(rows))
    print(
        f"\nmachine: {machine.get('cores')} cores, {machine.get('memory_gb')} GB, Python "
        f"{machine.get('python')}, DuckDB {machine.get('duckdb')}"
    )
    print(
        f"bench: {len(scripts) - len(failed)} of {len(scripts)} benchmark(s) run in "
        f"{time.monotonic() - start:.0f} s; results in {RESULTS.relative_to(BENCH_DIR.parent)}"
        + (f"; FAILED: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
