"""Ingestion throughput against DuckDB's own CSV reader and against pandas, on the same file.

    python benchmarks/bench_ingest.py [--rows 5000000] [--repeat 1] [--keep]

Generates a partner-shaped CSV (counts by LSOA, month and measure, as a police or fire extract
would be: ``area_code, period, measure, numerator, denominator, value, value_flag, note``) of
``--rows`` rows from a fixed seed in a temporary folder (never in the repository), with a
contract, a partner register and an area lookup of its own, then measures, each in a child
process of its own, one after the other on the same file:

``ingest``
    ``ingestion.pipeline.ingest_landing`` on the file in a landing zone: archive copy and SHA-256,
    the protocol checks (partner, arrangement, formulas, identifiers in every cell), the schema
    checks (types, allowed values, area codes against the lookup, periods, ranges, duplicate
    keys), typed Parquet with lineage in the raw zone, the manifest;
``duckdb``
    ``create table ... as select * from read_csv(file)`` in an in-memory DuckDB: the fastest
    way to get the file into a table, with no checks at all;
``pandas``
    ``pandas.read_csv(file)`` and the data frame loaded into an in-memory DuckDB table, the usual
    hand-written loader. pandas is not a dependency of the project: the child runs in whichever
    of the project's environments has it (the Superset one does); if none has, it is skipped.

Figures: seconds and rows per second of each (the operation only, timed in the child), the peak
resident memory of each child, and the ratios ``ingest_vs_duckdb_ratio`` (ingest's speed over
DuckDB's; the goal is at least 0.5) and ``ingest_vs_pandas_ratio`` (over pandas'; the goal is at
least 5). With ``--repeat N`` each is measured N times, alternating, and the median kept.
Results are merged into ``benchmarks/results/latest.json`` under ``bench_ingest``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, finish, python_with, run_child, table

NAME = "bench_ingest"
SEED = 20100804
DATASET = "lsoa_monthly_counts"
PARTNER = "sefton_council"
MEASURES = [
    "crime_burglary",
    "crime_vehicle",
    "crime_violence",
    "crime_robbery",
    "crime_damage",
    "asb_incidents",
    "fire_deliberate",
    "fire_accidental",
    "claimants_jsa",
    "claimants_ib",
]
MONTHS = 100  # 2000-01 to 2008-04
AREAS_PER_MILLION = 1000
GOALS = {"ingest_vs_duckdb_ratio": 0.5, "ingest_vs_pandas_ratio": 5.0}


# --- the generated world ------------------------------------------------------------------------


def generate(folder: Path, rows: int, seed: int = SEED) -> Path:
    """Write the CSV, its contract, a partner register and an area lookup under ``folder``.

    Row ``i`` is measure ``i % 10`` of month ``(i // 10) % 100`` of area ``i // 1000``, so the
    key (area_code, period, measure) is unique; the figures are a fixed function of ``i`` and the
    seed, so the same arguments give the same bytes.
    """
    import duckdb

    areas = max(1, -(-rows // (len(MEASURES) * MONTHS)))
    csv_path = folder / "source" / f"{DATASET}_2000-2008.csv"
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute("set enable_progress_bar = false")
        con.execute(
            f"""copy (select
              'E01' || lpad(((i // 1000) + 1)::varchar, 6, '0') as area_code,
              (2000 + ((i // 10) % {MONTHS}) // 12)::varchar || '-'
                || lpad((((i // 10) % {MONTHS}) % 12 + 1)::varchar, 2, '0') as period,
              (?)[(i % 10) + 1] as measure,
              ((i * 7919 + {seed}) % 500)::bigint as numerator,
              (1000 + (i * 104729 + {seed}) % 9000)::bigint as denominator,
              round(((i * 7919 + {seed}) % 500) * 1000.0
                / (1000 + (i * 104729 + {seed}) % 9000), 2) as value,
              case when (i + {seed}) % 97 = 0 then 'E' when (i + {seed}) % 89 = 0 then 'P'
                end as value_flag,
              case when (i + {seed}) % 1000 = 0 then 'provisional: a revised figure is expected'
                when (i + {seed}) % 1777 = 0 then 'two incidents recorded at one address'
                end as note
            from range({rows}) as t(i) order by i) to '{csv_path}' (header, delimiter ',')""",
            [MEASURES],
        )
    (folder / "areas.csv").write_text(
        "area_code,area_name\n" + "".join(f"E01{n:06d},LSOA {n}\n" for n in range(1, areas + 1))
    )
    import yaml

    (folder / "partners.yml").write_text(
        yaml.safe_dump(
            [
                {
                    "id": PARTNER,
                    "name": "Sefton Metropolitan Borough Council",
                    "sector": "statutory",
                    "signed_on": "2010-08-04",
                    "designated_person": "Data Protection & Security Officer",
                }
            ]
        )
    )
    contract = {
        "title": "Counts by LSOA and month (benchmark)",
        "description": "Generated counts by lower super output area, month and measure.",
        "theme": "crime_and_disorder",
        "geography_level": "lsoa",
        "refresh_period": "monthly",
        "is_synthetic": True,
        "agreement": {
            "reference": "BENCH-ISA-1",
            "purpose": "Measuring ingestion.",
            "legal_basis": {"power": "Local Government Act 2000, section 2"},
            "category": "aggregated",
            "marking": "OFFICIAL",
            "retention": "P7Y",
            "valid_from": "2010-08-04",
        },
        "delivery": {
            "cadence": "monthly",
            "format": "csv",
            "encoding": "utf-8",
            "file_pattern": f"{DATASET}_*.csv",
        },
        "schema": {
            "key": ["area_code", "period", "measure"],
            "columns": [
                {"name": "area_code", "type": "string", "role": "area", "required": True},
                {
                    "name": "period",
                    "type": "string",
                    "role": "period",
                    "required": True,
                    "period_format": "month",
                },
                {
                    "name": "measure",
                    "type": "string",
                    "role": "dimension",
                    "required": True,
                    "allowed_values": MEASURES,
                },
                {"name": "numerator", "type": "integer", "role": "measure", "minimum": 0},
                {"name": "denominator", "type": "integer", "role": "measure", "minimum": 1},
                {"name": "value", "type": "decimal", "role": "measure", "minimum": 0},
                {
                    "name": "value_flag",
                    "type": "string",
                    "role": "dimension",
                    "allowed_values": ["T", "P", "E"],
                },
                {"name": "note", "type": "string", "role": "dimension"},
            ],
        },
        "disclosure": {"small_number_threshold": 5},
    }
    contract_path = folder / "contracts" / PARTNER / f"{DATASET}.yml"
    contract_path.parent.mkdir(parents=True, exist_ok=True)
    contract_path.write_text(yaml.safe_dump(contract, sort_keys=False))
    return csv_path


# --- the children: each measures one way of loading the file -----------------------------------


def child_ingest(folder: Path, csv_path: Path) -> dict[str, Any]:
    from ingestion.pipeline import ingest_landing

    data = folder / "data"
    shutil.rmtree(data, ignore_errors=True)
    landing = data / "landing" / PARTNER / DATASET
    landing.mkdir(parents=True)
    os.link(csv_path, landing / csv_path.name)  # landing is set-up, not measured
    start = time.perf_counter()
    (manifest,) = ingest_landing(
        data,
        contracts_dir=folder / "contracts",
        partners_path=folder / "partners.yml",
        areas_path=folder / "areas.csv",
    )
    seconds = time.perf_counter() - start
    if manifest.outcome != "accepted":
        raise RuntimeError(f"the generated file was {manifest.outcome}: {manifest.reasons[:3]}")
    shutil.rmtree(data, ignore_errors=True)
    return {"seconds": seconds, "rows": manifest.rows_loaded}


def child_duckdb(csv_path: Path) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    start = time.perf_counter()
    con.execute("create table loaded as select * from read_csv(?)", [str(csv_path)])
    seconds = time.perf_counter() - start
    rows = con.execute("select count(*) from loaded").fetchone()[0]
    return {"seconds": seconds, "rows": rows}


def child_pandas(csv_path: Path) -> dict[str, Any]:
    import duckdb
    import pandas as pd

    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    start = time.perf_counter()
    frame = pd.read_csv(csv_path)
    con.register("frame", frame)
    con.execute("create table loaded as select * from frame")
    seconds = time.perf_counter() - start
    rows = con.execute("select count(*) from loaded").fetchone()[0]
    return {"seconds": seconds, "rows": rows, "pandas": pd.__version__}


# --- the run ------------------------------------------------------------------------------------


def measure(folder: Path, csv_path: Path, repeat: int) -> dict[str, Any]:
    pandas_python = python_with("pandas")
    script = str(Path(__file__).resolve())
    kinds = ["duckdb", "ingest"] + (["pandas"] if pandas_python else [])
    runs: dict[str, list[tuple[dict[str, Any], float]]] = {k: [] for k in kinds}
    for round_number in range(1, repeat + 1):
        for kind in kinds:
            python = pandas_python if kind == "pandas" else sys.executable
            assert python is not None
            print(f"  [{round_number}/{repeat}] {kind} ...", end="", flush=True)
            result, peak = run_child(
                [python, script, "--child", kind, "--folder", str(folder), "--csv", str(csv_path)],
                env={"PYTHONPATH": str(REPO_ROOT)},
            )
            runs[kind].append((result, peak))
            print(f" {result['seconds']:.2f} s, peak {peak:.0f} MB", flush=True)

    rows = runs["ingest"][0][0]["rows"]
    figures: dict[str, Any] = {"rows": rows, "file_bytes": csv_path.stat().st_size}
    for kind in ("ingest", "duckdb", "pandas"):
        if kind not in runs:
            figures.update(
                {
                    f"{kind}_seconds": None,
                    f"{kind}_rows_per_second": None,
                    f"{kind}_peak_memory_mb": None,
                }
            )
            continue
        seconds = statistics.median(r["seconds"] for r, _ in runs[kind])
        figures[f"{kind}_seconds"] = round(seconds, 3)
        figures[f"{kind}_rows_per_second"] = round(rows / seconds)
        figures[f"{kind}_peak_memory_mb"] = round(statistics.median(p for _, p in runs[kind]))
    ratios = {
        "ingest_vs_duckdb_ratio": round(figures["duckdb_seconds"] / figures["ingest_seconds"], 3),
        "ingest_vs_pandas_ratio": (
            round(figures["pandas_seconds"] / figures["ingest_seconds"], 3)
            if figures["pandas_seconds"]
            else None
        ),
    }
    shown_python = pandas_python
    if pandas_python and Path(pandas_python).is_relative_to(REPO_ROOT):
        shown_python = str(Path(pandas_python).relative_to(REPO_ROOT))
    notes = {
        "pandas": (
            f"pandas {runs['pandas'][0][0]['pandas']} run by {shown_python} (pandas is not a "
            "dependency of the ingestion environment)"
            if "pandas" in runs
            else "skipped: no environment of the project has pandas"
        ),
        "repeat": repeat,
        "seed": SEED,
    }
    return {"figures": figures, "ratios": ratios, "goals": GOALS, "notes": notes}


def report(result: dict[str, Any]) -> str:
    f, r = result["figures"], result["ratios"]
    rows = [("loader", "seconds", "rows/s", "peak MB", "ingest speed vs it", "goal")]
    for kind, label, ratio in (
        ("ingest", "ingestion (validated, protocol-checked)", None),
        ("duckdb", "DuckDB read_csv into a table", "ingest_vs_duckdb_ratio"),
        ("pandas", "pandas read_csv + load into DuckDB", "ingest_vs_pandas_ratio"),
    ):
        if f[f"{kind}_seconds"] is None:
            rows.append((label, "skipped", "", "", "", ""))
            continue
        rows.append(
            (
                label,
                f"{f[f'{kind}_seconds']:.2f}",
                f"{f[f'{kind}_rows_per_second']:,}",
                f"{f[f'{kind}_peak_memory_mb']:,}",
                f"{r[ratio]:.2f}" if ratio and r[ratio] is not None else "",
                f">= {GOALS[ratio]:g}" if ratio else "",
            )
        )
    return f"{f['rows']:,} rows, {f['file_bytes'] / 1024**2:.0f} MB CSV\n" + table(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--no-record", action="store_true", help="do not write latest.json")
    parser.add_argument("--child", choices=["ingest", "duckdb", "pandas"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        if args.child == "ingest":
            outcome = child_ingest(args.folder, args.csv)
        elif args.child == "duckdb":
            outcome = child_duckdb(args.csv)
        else:
            outcome = child_pandas(args.csv)
        print(json.dumps(outcome))
        return 0

    folder = Path(tempfile.mkdtemp(prefix="understood-bench-"))
    try:
        print(f"{NAME}: generating {args.rows:,} rows in {folder}", flush=True)
        start = time.perf_counter()
        csv_path = generate(folder, args.rows)
        print(f"  generated in {time.perf_counter() - start:.1f} s", flush=True)
        result = measure(folder, csv_path, args.repeat)
    finally:
        if args.keep:
            print(f"  kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return finish(NAME, result, report(result), args.no_record)


if __name__ == "__main__":
    sys.exit(main())
