"""Run every benchmark (``benchmarks/bench_*.py``), one after the other, and show the results.

    python benchmarks/run_all.py [ARGS...]     (``make bench``)

Each benchmark runs as its own process with the given arguments (e.g. ``--rows 1000000`` for a
quick look) and merges its figures into ``benchmarks/results/latest.json``; this script then
prints every benchmark's ratios from that file and a one-line summary. A benchmark that fails
does not stop the others; the exit code is 1 if any failed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from _common import BENCH_DIR, RESULTS, table


def main(argv: list[str]) -> int:
    scripts = sorted(BENCH_DIR.glob("bench_*.py"))
    failed = []
    start = time.monotonic()
    for number, script in enumerate(scripts, start=1):
        print(f"[{number}/{len(scripts)}] {script.stem}", flush=True)
        if subprocess.run([sys.executable, str(script), *argv], check=False).returncode != 0:
            failed.append(script.stem)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    rows = [("benchmark", "ratio", "value", "goal", "met")]
    for name, result in results.get("benchmarks", {}).items():
        goals = result.get("goals", {})
        for ratio, value in result.get("ratios", {}).items():
            goal = goals.get(ratio)
            met = "" if value is None or goal is None else ("yes" if value >= goal else "no")
            shown = "n/a" if value is None else f"{value:.2f}"
            rows.append((name, ratio, shown, "" if goal is None else f">= {goal:g}", met))
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
