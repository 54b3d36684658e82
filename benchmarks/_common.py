"""What every benchmark shares: running a measurement in a child process, the results file.

Each ``bench_<name>.py`` measures something and calls :func:`record` with its figures; the
results are merged into ``benchmarks/results/latest.json`` under ``benchmarks.<name>``, beside a
description of the machine (cores, memory, Python and library versions) and the time of the run.
A benchmark added later only needs to follow the same pattern; ``run_all.py`` finds it by name.

Peak memory is measured per child process: :func:`run_child` waits for the child with
``os.wait4``, whose resource usage is that child's alone (``ru_maxrss``, the peak resident set).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results" / "latest.json"


def run_child(
    command: list[str], env: dict[str, str] | None = None
) -> tuple[dict[str, Any], float]:
    """Run ``command``; return the JSON object it prints last, and its peak memory in MB.

    The child must print one JSON object on its last line of output. A failing child raises
    ``RuntimeError`` with its output.
    """
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    ) as child:
        assert child.stdout is not None
        output = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({child.returncode}):\n{output[-3000:]}")
    last = output.strip().splitlines()[-1]
    # ru_maxrss is in kilobytes on Linux
    return json.loads(last), usage.ru_maxrss / 1024


def run_command(
    command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[str, float, float]:
    """Run ``command``; return its output, its wall-clock seconds and its peak memory in MB.

    The peak is that of the child and of the processes it waited for (``os.wait4``), so a
    command that runs its work in a subprocess of its own is measured whole. A failing command
    raises ``RuntimeError`` with the end of its output.
    """
    start = time.perf_counter()
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    ) as child:
        assert child.stdout is not None
        output = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({child.returncode}):\n{output[-3000:]}")
    return output, seconds, usage.ru_maxrss / 1024


def machine() -> dict[str, Any]:
    """The machine and versions the figures were measured with."""
    import duckdb

    memory_gb = None
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory_gb = round(pages / 1024**3, 1)
    except (ValueError, OSError):
        pass
    versions = {"python": platform.python_version(), "duckdb": duckdb.__version__}
    for name in ("pyarrow", "pydantic"):
        try:
            versions[name] = __import__(name).__version__
        except ImportError:
            versions[name] = None
    return {
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "platform": platform.platform(),
        "processor": platform.machine(),
        **versions,
    }


def record(name: str, result: dict[str, Any], path: Path = RESULTS) -> Path:
    """Merge one benchmark's ``result`` into the results file (atomically); return its path."""
    try:
        merged = json.loads(path.read_text())
    except (OSError, ValueError):
        merged = {}
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    merged["timestamp"] = now
    merged["machine"] = machine()
    merged.setdefault("benchmarks", {})[name] = {"timestamp": now, **result}
    merged["benchmarks"] = dict(sorted(merged["benchmarks"].items()))
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(merged, indent=2) + "\n")
    os.replace(temporary, path)
    return path


def finish(name: str, result: dict[str, Any], report: str, no_record: bool) -> int:
    """Print a benchmark's report, record its result unless told not to, and end with the
    one-line summary of its ratios; the exit status of the benchmark."""
    print(report)
    if not no_record:
        print(f"{name}: results in {record(name, result).relative_to(REPO_ROOT)}")
    ratios = ", ".join(f"{k} = {v}" for k, v in result["ratios"].items())
    print(f"{name}: {ratios}")
    return 0


def table(rows: list[tuple[str, ...]]) -> str:
    """Rows of text as a table with aligned columns (the first row is the heading)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def python_with(module: str) -> str | None:
    """A Python interpreter that can import ``module``: this one, or another of the project's
    environments (``.venv/*/bin/python``); None if there is none."""
    candidates = [
        sys.executable,
        *sorted(str(p) for p in (REPO_ROOT / ".venv").glob("*/bin/python")),
    ]
    for python in candidates:
        found = subprocess.run([python, "-c", f"import {module}"], capture_output=True, check=False)
        if found.returncode == 0:
            return python
    return None
