"""A full ``dbt build`` against the nightly build after one new quarter arrives, at scale.

    python benchmarks/bench_warehouse.py [--data DIR] [--keep] [--authorities 300]
                                         [--wards 7000] [--years 10]

On the scale set of ``generate_scale.py`` (every English local authority and its wards over ten
financial years; made in a temporary folder, or reused from ``--data DIR``), as the nightly
pipeline would see it:

1. lands the bundled council samples and every quarter but the last, and ingests them
   (``python -m ingestion run``, the area lookup of the scale set in ``UNDERSTOOD_AREAS_PATH``);
2. **full build**: ``dbt build`` (seeds, models and tests) into an empty
   ``warehouse.next.duckdb``, after an untimed ``dbt parse`` (``make dbt-parse`` runs one
   before the nightly), then publishes it (``ingestion.publish``) as the DAG does;
3. lands the last quarter's files and ingests them;
4. **nightly build**: what the nightly DAG runs after ingestion: ``prepare_build`` (the
   published warehouse copied to ``warehouse.next.duckdb``), ``dbt build``, then the publish.

Figures: the seconds of each step, dbt's peak resident memory, the facts
(``marts.fct_indicator_value`` rows) after each build, and ``incremental_vs_full_ratio``, the
nightly build's seconds (copy and ``dbt build``) over the full build's (the goal is at most
0.1), and where each build spent its time (dbt's ``run_results.json``). ``dbt`` runs with the
project's profile (two threads) from ``.venv/dbt``; ``--dbt-project`` builds another copy of the
project (a clean checkout, say, while the working tree is being edited).

The published warehouse is left in ``<scale set>/data/`` with a note of the scale set it was
built from, so that ``bench_chart_api.py`` in the same ``make bench`` (or with the same
``--data``) serves it instead of building it again. ``run_all.py`` shares one scale set between
the two through the environment variable ``UNDERSTOOD_BENCH_SCALE_DIR`` and removes it at the end
(``--keep`` keeps it). Results are merged into ``benchmarks/results/latest.json`` under
``bench_warehouse``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate_scale
from _common import REPO_ROOT, finish, run_command, table

NAME = "bench_warehouse"
SCALE_ENV = "UNDERSTOOD_BENCH_SCALE_DIR"
GOALS = {"incremental_vs_full_ratio": {"at_most": 0.1}}
DBT = REPO_ROOT / ".venv" / "dbt" / "bin" / "dbt"
DBT_PROJECT = REPO_ROOT / "dbt_project"
SAMPLES = REPO_ROOT / "data" / "samples"
COUNCIL = "sefton_council"  # the council's own samples: the scorecards the dashboards show
PSEUDONYMISATION_KEY = secrets.token_urlsafe(48)
PARTNERS = {partner for partner, _ in generate_scale.DATASETS.values()}
SHARED_MACHINE = (
    "measured on a shared 2-core machine while other work ran: expect noise of tens of percent"
)


# --- the scale set and its data directory, shared with bench_chart_api -------------------------


def scale_options(parser: argparse.ArgumentParser) -> None:
    """The options both scale benchmarks take."""
    parser.add_argument("--data", type=Path, help="scale set folder to use or make, and keep")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--authorities", type=int, default=300)
    parser.add_argument("--wards", type=int, default=7000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--no-record", action="store_true", help="do not write latest.json")
    parser.add_argument(
        "--dbt-project",
        type=Path,
        default=DBT_PROJECT,
        help="the dbt project to build (default: dbt_project/ of this repository)",
    )


@contextmanager
def scale_folder(args: argparse.Namespace):
    """The scale set folder: ``--data``, else the one ``run_all.py`` shares, else a temporary
    one (removed afterwards unless ``--keep``). Generated if it holds no set of these sizes."""
    shared = os.environ.get(SCALE_ENV)
    folder = args.data or (Path(shared) if shared else None)
    temporary = folder is None
    if temporary:
        folder = Path(tempfile.mkdtemp(prefix="understood-scale-"))
    try:
        ensure_scale_set(folder, args)
        yield folder
    finally:
        if temporary and not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
        elif temporary:
            print(f"  kept {folder}")


def wanted(args: argparse.Namespace) -> dict[str, Any]:
    return {"authorities": args.authorities, "wards": args.wards, "years": args.years}


def ensure_scale_set(folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The scale set's summary, generating the set first if the folder has none of this size."""
    summary_path = folder / "scale.json"
    try:
        summary = json.loads(summary_path.read_text())
        if summary.get("sizes") == wanted(args) and summary.get("seed") == generate_scale.SEED:
            print(f"  scale set reused from {folder}", flush=True)
            return summary
    except (OSError, ValueError):
        pass
    for stale in ("landings", "data"):
        shutil.rmtree(folder / stale, ignore_errors=True)
    print(f"  generating the scale set in {folder}", flush=True)
    summary = generate_scale.generate(folder, args.authorities, args.wards, args.years)
    print(
        f"  scale set: {summary['files']} files, {summary['rows']:,} rows, "
        f"{summary['bytes'] / 1024**2:,.0f} MB in {summary['seconds']} s",
        flush=True,
    )
    return summary


def environment(folder: Path) -> dict[str, str]:
    """The variables ingestion, dbt and Superset run with on the scale set's data directory."""
    data = folder / "data"
    return {
        "UNDERSTOOD_DATA_DIR": str(data),
        "UNDERSTOOD_WAREHOUSE_PATH": str(data / "warehouse" / "warehouse.next.duckdb"),
        "UNDERSTOOD_AREAS_PATH": str(folder / "areas.csv"),
        "UNDERSTOOD_EXTRA_AREAS_PATH": str(folder / "areas.csv"),
        # the council's registers carry personal data that ingestion pseudonymises with a key
        "UNDERSTOOD_PSEUDONYMISATION_KEY": PSEUDONYMISATION_KEY,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }


def land(folder: Path, sources: list[Path], partner: str = "*") -> int:
    """Put the files of ``sources`` (folders of ``<partner>/<dataset>/<file>``) in the landing
    zone, as hard links where possible (ingestion removes what it has taken in)."""
    landing = folder / "data" / "landing"
    count = 0
    for source in sources:
        for path in sorted(source.glob(f"{partner}/*/*")):
            if not path.is_file() or path.name == "README.md":
                continue
            target = landing / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, target)
            except OSError:
                shutil.copy2(path, target)
            count += 1
    return count


def ingest(folder: Path) -> tuple[float, float, str]:
    """``python -m ingestion run`` on the landing zone: seconds, peak MB, its summary line."""
    output, seconds, peak = run_command(
        [sys.executable, "-m", "ingestion", "run"], env=environment(folder), cwd=REPO_ROOT
    )
    summary = next(
        (line for line in reversed(output.splitlines()) if line.startswith("ingest:")), ""
    )
    refused = []
    for manifest in (folder / "data" / "manifests").glob("*.json"):
        record_ = json.loads(manifest.read_text())
        if record_["partner_id"] in PARTNERS and record_["outcome"] != "accepted":
            refused.append(f"{record_['source_file']}: {record_['outcome']}")
    if refused:
        raise RuntimeError(f"ingestion refused files of the scale set: {refused[:5]}")
    return seconds, peak, summary


def dbt_parse(folder: Path, project: Path) -> None:
    """``dbt parse``, as ``make dbt-parse`` does before the nightly: the builds then start from
    a parsed project, as they do in the DAG."""
    run_command(
        [str(DBT), "parse", "--profiles-dir", ".", "--project-dir", ".", "--quiet"],
        env=environment(folder),
        cwd=project,
    )


def dbt_build(folder: Path, project: Path, *flags: str) -> tuple[float, float]:
    """``dbt build`` of the whole project into ``warehouse.next.duckdb``, without the unit tests
    (as the nightly DAG builds and tests it), with any further ``flags``: seconds, peak MB."""
    _, seconds, peak = run_command(
        [
            str(DBT),
            "build",
            "--profiles-dir",
            ".",
            "--project-dir",
            ".",
            "--quiet",
            "--exclude-resource-type",
            "unit_test",
            *flags,
        ],
        env=environment(folder),
        cwd=project,
    )
    return seconds, peak


def node_seconds(project: Path) -> dict[str, Any]:
    """Where the last dbt build spent its time (``target/run_results.json``): the seconds of
    its models, data tests and seeds (summed over dbt's two threads) and its five slowest."""
    results = json.loads((project / "target" / "run_results.json").read_text())["results"]
    kinds: dict[str, float] = {}
    for node in results:
        kind = node["unique_id"].split(".")[0]
        kinds[kind] = kinds.get(kind, 0.0) + node["execution_time"]
    slowest = sorted(results, key=lambda node: node["execution_time"], reverse=True)[:5]
    return {
        **{f"{kind}_seconds": round(seconds, 1) for kind, seconds in sorted(kinds.items())},
        "slowest": {
            node["unique_id"].split(".")[2][:90]: round(node["execution_time"], 1)
            for node in slowest
        },
    }


def with_data_dir(folder: Path, function):
    """Call an ``ingestion.publish`` function for the scale set's data directory."""
    return function(folder / "data")


def facts(folder: Path) -> int:
    import duckdb

    published = folder / "data" / "warehouse" / "warehouse.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        return con.execute("select count(*) from marts.fct_indicator_value").fetchone()[0]


def build_note(folder: Path) -> Path:
    return folder / "data" / "warehouse" / "built_from.json"


def ensure_warehouse(folder: Path, args: argparse.Namespace) -> Path:
    """The published warehouse of the whole scale set, built (untimed) if there is none yet."""
    from ingestion.publish import prepare_build, publish

    published = folder / "data" / "warehouse" / "warehouse.duckdb"
    note = build_note(folder)
    if published.exists() and note.exists() and json.loads(note.read_text()) == wanted(args):
        print(f"  warehouse reused from {published}", flush=True)
        return published
    print("  building the scale warehouse (every quarter at once)", flush=True)
    shutil.rmtree(folder / "data", ignore_errors=True)
    landings = sorted((folder / "landings").iterdir())
    land(folder, [SAMPLES], COUNCIL)
    land(folder, landings)
    ingest(folder)
    with_data_dir(folder, prepare_build)
    dbt_build(folder, args.dbt_project)
    with_data_dir(folder, publish)
    note.write_text(json.dumps(wanted(args)))
    return published


# --- the run ------------------------------------------------------------------------------------


def measure(folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    from ingestion.publish import prepare_build, publish

    summary = json.loads((folder / "scale.json").read_text())
    shutil.rmtree(folder / "data", ignore_errors=True)
    landings = sorted((folder / "landings").iterdir())
    *earlier, last = landings

    # the council's own samples (the scorecards the dashboards show) arrive with the first
    # quarter; the draft scorecard among them is quarantined, as it should be
    landed = land(folder, [SAMPLES], COUNCIL)
    landed += land(folder, earlier)
    print(f"  landed {landed} files ({len(earlier)} quarters); ingesting ...", flush=True)
    ingest_seconds, ingest_peak, ingested = ingest(folder)
    print(f"    {ingested} in {ingest_seconds:.1f} s, peak {ingest_peak:.0f} MB", flush=True)

    print("  full build: dbt build into an empty warehouse ...", flush=True)
    dbt_parse(folder, args.dbt_project)
    start = time.perf_counter()
    with_data_dir(folder, prepare_build)
    prepare_full = time.perf_counter() - start
    full_seconds, full_peak = dbt_build(folder, args.dbt_project)
    full_nodes = node_seconds(args.dbt_project)
    with_data_dir(folder, publish)
    full_facts = facts(folder)
    print(f"    {full_seconds:.1f} s, peak {full_peak:.0f} MB, {full_facts:,} facts", flush=True)

    landed = land(folder, [last])
    print(f"  last quarter {last.name}: {landed} files; ingesting ...", flush=True)
    last_seconds, _, last_ingested = ingest(folder)
    print(f"    {last_ingested} in {last_seconds:.1f} s", flush=True)

    print("  nightly build: copy of the published warehouse, dbt build, publish ...", flush=True)
    start = time.perf_counter()
    with_data_dir(folder, prepare_build)
    copy_seconds = time.perf_counter() - start
    nightly_dbt_seconds, nightly_peak = dbt_build(folder, args.dbt_project)
    nightly_nodes = node_seconds(args.dbt_project)
    start = time.perf_counter()
    with_data_dir(folder, publish)
    publish_seconds = time.perf_counter() - start
    nightly_seconds = copy_seconds + nightly_dbt_seconds
    total_facts = facts(folder)
    build_note(folder).write_text(json.dumps(wanted(args)))
    warehouse_bytes = (folder / "data" / "warehouse" / "warehouse.duckdb").stat().st_size
    print(
        f"    copy {copy_seconds:.1f} s + dbt build {nightly_dbt_seconds:.1f} s, "
        f"peak {nightly_peak:.0f} MB, {total_facts:,} facts",
        flush=True,
    )

    figures = {
        "facts": total_facts,
        "facts_before_last_quarter": full_facts,
        "facts_added_by_last_quarter": total_facts - full_facts,
        "areas": sum(summary["areas"].values()),
        "scale_files": summary["files"],
        "scale_rows": summary["rows"],
        "scale_bytes": summary["bytes"],
        "warehouse_bytes": warehouse_bytes,
        "ingest_seconds": round(ingest_seconds, 1),
        "ingest_peak_memory_mb": round(ingest_peak),
        "last_quarter_ingest_seconds": round(last_seconds, 1),
        "full_build_seconds": round(full_seconds + prepare_full, 1),
        "full_build_peak_memory_mb": round(full_peak),
        "incremental_build_seconds": round(nightly_seconds, 1),
        "incremental_copy_seconds": round(copy_seconds, 1),
        "incremental_dbt_build_seconds": round(nightly_dbt_seconds, 1),
        "incremental_build_peak_memory_mb": round(nightly_peak),
        "publish_seconds": round(publish_seconds, 2),
        "full_build_nodes": full_nodes,
        "incremental_build_nodes": nightly_nodes,
    }
    ratios = {
        "incremental_vs_full_ratio": round(
            figures["incremental_build_seconds"] / figures["full_build_seconds"], 3
        )
    }
    notes = {
        "scale_set": (
            f"benchmarks/generate_scale.py, seed {summary['seed']}: {summary['areas']} areas, "
            f"financial years {summary['first_financial_year']} to "
            f"{summary['last_financial_year']}, one file per partner, dataset and quarter "
            f"(each restating the year to date and a revision window of complete years: "
            f"{summary['revision_windows']}); plus the bundled sefton_council samples"
        ),
        "full_build": (
            "dbt build (seeds, models, data tests; not the unit tests, as the nightly DAG) into "
            f"an empty warehouse.next.duckdb after ingesting {len(earlier)} quarters, the project "
            "parsed beforehand (dbt parse, as make dbt-parse does before the nightly; not timed); "
            "published afterwards (not timed)"
        ),
        "incremental_build": (
            "what the nightly DAG runs after ingesting the last quarter: prepare_build (copy of "
            "the published warehouse) plus the same dbt build; the publish (an os.replace) is "
            "not timed"
        ),
        "incremental_vs_full_ratio": (
            "nightly build seconds over full build seconds. Incremental by submission: "
            "int_partner_indicator_values_derived and _pooled append the new submissions, "
            "fct_indicator_value merges them (new revisions, superseded ones updated), and data "
            "tests of rows by submission check only the new ones; dim_*, indicator_values and "
            "the marts after the fact are rebuilt in full"
        ),
        "nodes": (
            "*_build_nodes: seconds per kind of dbt node from target/run_results.json, summed "
            "over dbt's two threads (so more than the wall-clock build), and the five slowest"
        ),
        "machine": SHARED_MACHINE,
    }
    return {"figures": figures, "ratios": ratios, "goals": GOALS, "notes": notes}


def report(result: dict[str, Any]) -> str:
    f, r = result["figures"], result["ratios"]
    rows = [
        ("step", "seconds", "peak MB", "facts"),
        ("ingest all but the last quarter", f"{f['ingest_seconds']:.1f}",
         f"{f['ingest_peak_memory_mb']:,}", ""),
        ("full dbt build", f"{f['full_build_seconds']:.1f}",
         f"{f['full_build_peak_memory_mb']:,}", f"{f['facts_before_last_quarter']:,}"),
        ("ingest the last quarter", f"{f['last_quarter_ingest_seconds']:.1f}", "", ""),
        ("nightly build (copy + dbt build)", f"{f['incremental_build_seconds']:.1f}",
         f"{f['incremental_build_peak_memory_mb']:,}", f"{f['facts']:,}"),
    ]  # fmt: skip
    ratio = r["incremental_vs_full_ratio"]
    goal = GOALS["incremental_vs_full_ratio"]["at_most"]
    return (
        f"{f['areas']:,} areas, {f['scale_files']} files, {f['scale_rows']:,} rows\n"
        + table(rows)
        + f"\nincremental_vs_full_ratio = {ratio:.2f} (goal <= {goal:g})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    scale_options(parser)
    # run_all.py passes every benchmark the same arguments: ignore the others' (--rows, ...)
    args, _ = parser.parse_known_args(argv)
    print(f"{NAME}: scale set of {args.authorities} authorities, {args.wards:,} wards", flush=True)
    with scale_folder(args) as folder:
        result = measure(folder, args)
    return finish(NAME, result, report(result), args.no_record)


if __name__ == "__main__":
    sys.exit(main())
