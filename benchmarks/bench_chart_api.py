"""Superset's chart data API against the same queries run directly on DuckDB, at scale.

    python benchmarks/bench_chart_api.py [--data DIR] [--keep] [--requests 20]

On the published warehouse of the scale set (``bench_warehouse.py`` leaves it in the shared
scale folder; built here, untimed, when there is none), starts Superset as the project does
(``superset/bootstrap.py init`` and ``serve``, on a free port, with a metadata folder of its own
and no Redis, so the data cache is Superset's ``NullCache``) and logs in as the admin. Then for
each measured chart:

- the charts of the "Partnership scorecard" dashboard (``superset/assets/charts``), each with
  its saved query context;
- the charts of the "Indicator explorer" dashboard that the warehouse can answer; if none (the
  dashboard is not there yet, or asks for columns the warehouse does not have), the query it
  makes: one indicator's values over the periods for Sefton, the North West, England and the
  other Merseyside authorities, on a dataset of ``marts.mart_indicator_assessment``;

it asks ``POST /api/v1/chart/data`` for the SQL Superset runs (``result_type: query``), then
``--requests`` times, alternating: the chart data (``force: true``, the cache is cold) timed from
request to parsed JSON, and the same SQL run directly on DuckDB in a new read-only connection
with the settings Superset's connection has, timed from connect to fetched rows.

Figures: median and 95th percentile of every request (``chart_api_median_ms``,
``chart_api_p95_ms``; the goal for the p95 is under 500 ms) and of every direct query
(``duckdb_median_ms``, ``duckdb_p95_ms``), the same per chart, and
``chart_api_vs_duckdb_ratio``: the API's median over DuckDB's (the goal is at most 2). To read
the ratio by: ``duckdb_connect_median_ms``, the part of a direct query that is opening the
file; ``duckdb_open_median_ms``, the same SQL on a connection the benchmark keeps open; and the
``floor_*`` figures, the chart whose SQL is cheapest (lowest DuckDB median), whose API time
minus DuckDB's is Superset's own cost per request. Results are merged into
``benchmarks/results/latest.json`` under ``bench_chart_api``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, finish, run_command, table
from bench_warehouse import (
    SHARED_MACHINE,
    ensure_warehouse,
    environment,
    scale_folder,
    scale_options,
)

NAME = "bench_chart_api"
GOALS = {"chart_api_p95_ms": {"below": 500}, "chart_api_vs_duckdb_ratio": {"at_most": 2.0}}
SUPERSET_PYTHON = REPO_ROOT / ".venv" / "superset" / "bin" / "python"
BOOTSTRAP = REPO_ROOT / "superset" / "bootstrap.py"
SCORECARD = "partnership-scorecard"
EXPLORER = "indicator-explorer"
EXPLORER_TABLE = "mart_indicator_assessment"
EXPLORER_INDICATOR = "NI 152"
EXPLORER_AREAS = [
    "E08000014",  # Sefton
    "E12000002",  # North West
    "E92000001",  # England
    "E08000011",  # Knowsley
    "E08000012",  # Liverpool
    "E08000013",  # St. Helens
    "E08000015",  # Wirral
]
# the settings of Superset's DuckDB connection (superset/assets/databases)
DUCKDB_CONFIG = {
    "access_mode": "read_only",
    "enable_external_access": False,
    "lock_configuration": True,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[round(share * 100) - 1]


class Superset:
    """A Superset server of the benchmark's own, started with the project's bootstrap."""

    def __init__(self, folder: Path) -> None:
        self.home = folder / "superset-bench"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.password = secrets.token_urlsafe(16)
        self.env = {
            **environment(folder),
            "SUPERSET_HOME": str(self.home),
            "SUPERSET_CONFIG_PATH": str(REPO_ROOT / "superset" / "superset_config.py"),
            "SUPERSET_SECRET_KEY": secrets.token_urlsafe(42),
            "SUPERSET_REDIS_URL": "",  # no Redis: the data cache is a NullCache
            "SUPERSET_ADMIN_USER": "admin",
            "SUPERSET_ADMIN_PASSWORD": self.password,
            "SUPERSET_ANALYST_USER": "analyst",
            "SUPERSET_ANALYST_PASSWORD": secrets.token_urlsafe(16),
            "SUPERSET_PARTNER_USER": "police_viewer",
            "SUPERSET_PARTNER_PASSWORD": secrets.token_urlsafe(16),
        }

    def start(self) -> float:
        shutil.rmtree(self.home, ignore_errors=True)
        start = time.perf_counter()
        run_command([str(SUPERSET_PYTHON), str(BOOTSTRAP), "init"], env=self.env)
        run_command(
            [str(SUPERSET_PYTHON), str(BOOTSTRAP), "serve", "--port", str(self.port)],
            env=self.env,
        )
        return time.perf_counter() - start

    def stop(self) -> None:
        try:
            run_command([str(SUPERSET_PYTHON), str(BOOTSTRAP), "stop"], env=self.env)
        finally:
            shutil.rmtree(self.home, ignore_errors=True)

    def session(self):
        import requests

        session = requests.Session()
        answer = session.post(
            f"{self.url}/api/v1/security/login",
            json={"username": "admin", "password": self.password, "provider": "db"},
            timeout=60,
        )
        answer.raise_for_status()
        session.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        token = session.get(f"{self.url}/api/v1/security/csrf_token/", timeout=60)
        token.raise_for_status()
        session.headers["X-CSRFToken"] = token.json()["result"]
        session.headers["Referer"] = self.url
        return session


# --- what is measured ---------------------------------------------------------------------------


def rison_query(**filters: Any) -> str:
    clauses = ",".join(f"(col:{k},opr:eq,value:'{v}')" for k, v in filters.items())
    return f"(filters:!({clauses}),page_size:100)"


def dashboard_charts(session, url: str, slug: str, label: str) -> dict[str, dict[str, Any]]:
    """The saved query context of every chart on a dashboard, by chart name (none if the
    dashboard does not exist)."""
    answer = session.get(f"{url}/api/v1/dashboard/{slug}/charts", timeout=60)
    if answer.status_code == 404:
        return {}
    answer.raise_for_status()
    contexts = {}
    for chart in answer.json()["result"]:
        detail = session.get(f"{url}/api/v1/chart/{chart['id']}", timeout=60)
        detail.raise_for_status()
        saved = detail.json()["result"]
        if not saved.get("query_context"):
            continue
        context = json.loads(saved["query_context"])
        # the assets' contexts name datasource 0: the chart's own dataset is meant
        datasource_id, datasource_type = chart["form_data"]["datasource"].split("__")
        context["datasource"] = {"id": int(datasource_id), "type": datasource_type}
        contexts[f"{label}: {saved['slice_name']}"] = context
    return contexts


def explorer_query(session, url: str) -> dict[str, Any]:
    """The indicator explorer's query, on a dataset of the mart (the assets' or one added)."""
    found = session.get(
        f"{url}/api/v1/dataset/", params={"q": rison_query(table_name=EXPLORER_TABLE)}, timeout=60
    )
    found.raise_for_status()
    if found.json()["result"]:
        dataset_id = found.json()["result"][0]["id"]
    else:
        databases = session.get(f"{url}/api/v1/database/", timeout=60)
        databases.raise_for_status()
        made = session.post(
            f"{url}/api/v1/dataset/",
            json={
                "database": databases.json()["result"][0]["id"],
                "schema": "marts",
                "table_name": EXPLORER_TABLE,
            },
            timeout=120,
        )
        made.raise_for_status()
        dataset_id = made.json()["id"]
    return {
        "datasource": {"id": dataset_id, "type": "table"},
        "force": True,
        "queries": [
            {
                "columns": ["period_label", "area_code"],
                "metrics": [
                    {
                        "expressionType": "SIMPLE",
                        "column": {"column_name": "value"},
                        "aggregate": "MAX",
                        "label": "value",
                    }
                ],
                "filters": [
                    {"col": "indicator_code", "op": "==", "val": EXPLORER_INDICATOR},
                    {"col": "area_code", "op": "IN", "val": EXPLORER_AREAS},
                ],
                "orderby": [["period_label", True]],
                "extras": {"where": "", "having": ""},
                "row_limit": 10000,
            }
        ],
        "result_format": "json",
        "result_type": "full",
    }


def chart_data(session, url: str, context: dict[str, Any], result_type: str) -> dict[str, Any]:
    body = {**context, "force": True, "result_type": result_type, "result_format": "json"}
    answer = session.post(f"{url}/api/v1/chart/data", json=body, timeout=300)
    if answer.status_code != 200:
        raise RuntimeError(f"chart data answered {answer.status_code}: {answer.text[:500]}")
    return answer.json()


def run_direct(warehouse: Path, sql: str) -> tuple[float, int, float]:
    """Milliseconds from connect to closed, rows, and the milliseconds of the connect."""
    import duckdb

    start = time.perf_counter()
    con = duckdb.connect(str(warehouse), config=DUCKDB_CONFIG)
    connected = time.perf_counter()
    try:
        rows = con.execute(sql).fetchall()
    finally:
        con.close()
    return (time.perf_counter() - start) * 1000, len(rows), (connected - start) * 1000


def run_open(con, sql: str) -> float:
    """Milliseconds of the SQL on a connection that stays open (DuckDB's buffers kept)."""
    start = time.perf_counter()
    cursor = con.cursor()
    try:
        cursor.execute(sql).fetchall()
    finally:
        cursor.close()
    return (time.perf_counter() - start) * 1000


def measure(folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    warehouse = ensure_warehouse(folder, args)
    superset = Superset(folder)
    print(f"  starting Superset on {superset.url} (own metadata in {superset.home}) ...")
    try:
        started = superset.start()
        print(f"    initialised and serving in {started:.0f} s", flush=True)
        session = superset.session()
        contexts = dashboard_charts(session, superset.url, SCORECARD, "scorecard")
        explorer = dashboard_charts(session, superset.url, EXPLORER, "explorer")
        # a chart the warehouse cannot answer (its columns not built yet) is left out, with why
        planned: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
        skipped: dict[str, str] = {}
        for name, context in {**contexts, **explorer}.items():
            try:
                planned[name] = (context, chart_data(session, superset.url, context, "query"))
            except RuntimeError as exc:
                skipped[name] = str(exc)[:300]
        explorer_source = "the charts of the 'indicator-explorer' dashboard"
        if not any(name.startswith("explorer:") for name in planned):
            name = f"explorer: {EXPLORER_INDICATOR} over the periods, Sefton and comparators"
            context = explorer_query(session, superset.url)
            planned[name] = (context, chart_data(session, superset.url, context, "query"))
            explorer_source = (
                "no chart of the 'indicator-explorer' dashboard answered on this warehouse: an "
                f"equivalent query context on mart_indicator_assessment ({EXPLORER_INDICATOR} "
                "over every period for Sefton, the North West, England and the other Merseyside "
                "authorities)"
            )
        api: dict[str, list[float]] = {name: [] for name in planned}
        direct: dict[str, list[float]] = {name: [] for name in planned}
        opened: dict[str, list[float]] = {name: [] for name in planned}
        connects: list[float] = []
        rows: dict[str, int] = {}
        mismatched: dict[str, str] = {}
        for name, (context, answer) in planned.items():
            queries = answer["result"]
            sql = ";\n".join(q["query"] for q in queries)
            for _ in range(args.requests):
                start = time.perf_counter()
                result = chart_data(session, superset.url, context, "full")["result"]
                api[name].append((time.perf_counter() - start) * 1000)
                # before post-processing (a pivot, say): the rows the SQL returned
                rows[name] = sum(r.get("sql_rowcount") or r.get("rowcount", 0) for r in result)
                milliseconds, direct_rows = 0.0, 0
                for query in queries:
                    spent, counted, connecting = run_direct(warehouse, query["query"])
                    milliseconds += spent
                    direct_rows += counted
                    connects.append(connecting)
                direct[name].append(milliseconds)
            if direct_rows != rows[name]:
                mismatched[name] = f"the API's SQL gave {rows[name]} rows, DuckDB {direct_rows}"
            print(
                f"    {name}: API median {statistics.median(api[name]):.0f} ms, DuckDB "
                f"{statistics.median(direct[name]):.1f} ms, {rows[name]} rows "
                f"(SQL: {' '.join(sql.split())[:100]}...)",
                flush=True,
            )
        # Then the same SQL on one connection kept open (after the rest: while it is open,
        # DuckDB would give run_direct's connections its database instead of opening the file).
        import duckdb

        with duckdb.connect(str(warehouse), config=DUCKDB_CONFIG) as kept:
            for name, (_, answer) in planned.items():
                for _ in range(args.requests + 1):  # the first warms the buffers: not counted
                    opened[name].append(sum(run_open(kept, q["query"]) for q in answer["result"]))
                del opened[name][0]
    finally:
        superset.stop()

    every_api = [v for values in api.values() for v in values]
    every_direct = [v for values in direct.values() for v in values]
    figures: dict[str, Any] = {
        "charts": len(planned),
        "requests_per_chart": args.requests,
        "chart_api_median_ms": round(statistics.median(every_api), 1),
        "chart_api_p95_ms": round(percentile(every_api, 0.95), 1),
        "duckdb_median_ms": round(statistics.median(every_direct), 1),
        "duckdb_p95_ms": round(percentile(every_direct, 0.95), 1),
        "duckdb_connect_median_ms": round(statistics.median(connects), 1),
        "duckdb_open_median_ms": round(
            statistics.median([v for values in opened.values() for v in values]), 1
        ),
        **_floor(api, direct),
        "facts": _facts(warehouse),
        "superset_start_seconds": round(started, 1),
        "per_chart": {
            name: {
                "rows": rows[name],
                "chart_api_median_ms": round(statistics.median(api[name]), 1),
                "chart_api_p95_ms": round(percentile(api[name], 0.95), 1),
                "duckdb_median_ms": round(statistics.median(direct[name]), 1),
                "duckdb_p95_ms": round(percentile(direct[name], 0.95), 1),
                "duckdb_open_median_ms": round(statistics.median(opened[name]), 1),
            }
            for name in planned
        },
    }
    ratios = {
        "chart_api_p95_ms": figures["chart_api_p95_ms"],
        "chart_api_vs_duckdb_ratio": round(
            figures["chart_api_median_ms"] / figures["duckdb_median_ms"], 2
        ),
        # like for like: Superset's workers keep the warehouse open, and so does this DuckDB run
        "chart_api_vs_open_duckdb_ratio": round(
            figures["chart_api_median_ms"] / max(figures["duckdb_open_median_ms"], 0.1), 1
        ),
    }
    notes = {
        "charts": (
            f"the charts with a saved query context (without dashboard filters) of the "
            f"'{SCORECARD}' dashboard; the indicator explorer: {explorer_source}"
        ),
        "skipped": skipped,
        "row_counts_differ": mismatched,
        "cold_cache": (
            "Superset without Redis (data cache NullCache) and force=true on every request; "
            "each Superset worker keeps the warehouse open between queries (superset_config.py: "
            "a DuckDB cursor per query, the file reopened after a publish and closed after a "
            "minute idle), so its queries find DuckDB's buffers as the last query left them, "
            "while every direct query opens the file anew (duckdb_connect_median_ms of it is the "
            "connect); duckdb_open_median_ms is the SQL on a connection kept open; the file is "
            "in the OS page cache for all"
        ),
        "floor": (
            "floor_*: the chart with the lowest DuckDB median; floor_api_minus_duckdb_ms, its API "
            "median less its DuckDB median, is what Superset adds to a query that costs nothing"
        ),
        "chart_api": (
            "POST /api/v1/chart/data as the admin through gunicorn (bootstrap.py serve: 2 "
            "workers, 4 threads), one request at a time, timed from request to parsed JSON"
        ),
        "duckdb": (
            "the SQL Superset ran (result_type query), run with duckdb in a new connection with "
            "Superset's settings (read_only, enable_external_access=false, "
            "lock_configuration=true), timed from connect to fetched rows, alternating with "
            "the API requests"
        ),
        "chart_api_vs_open_duckdb_ratio": (
            "the median of every chart API request over the median of the same SQL on a DuckDB "
            "connection kept open, as Superset's workers keep theirs: what Superset adds, with "
            "no connect on either side (no goal; chart_api_vs_duckdb_ratio opens the file for "
            "every direct query, which Superset no longer does)"
        ),
        "chart_api_vs_duckdb_ratio": (
            "the median of every chart API request over the median of every direct DuckDB run "
            "(medians, not p95); chart_api_p95_ms is listed under ratios so that the goals table "
            "shows it"
        ),
        "machine": SHARED_MACHINE,
    }
    return {"figures": figures, "ratios": ratios, "goals": GOALS, "notes": notes}


def _floor(api: dict[str, list[float]], direct: dict[str, list[float]]) -> dict[str, Any]:
    """The figures of the chart whose SQL costs least on DuckDB."""
    name = min(direct, key=lambda chart: statistics.median(direct[chart]))
    api_ms, duckdb_ms = statistics.median(api[name]), statistics.median(direct[name])
    return {
        "floor_chart": name,
        "floor_chart_api_median_ms": round(api_ms, 1),
        "floor_duckdb_median_ms": round(duckdb_ms, 1),
        "floor_api_minus_duckdb_ms": round(api_ms - duckdb_ms, 1),
    }


def _facts(warehouse: Path) -> int:
    import duckdb

    with duckdb.connect(str(warehouse), config=DUCKDB_CONFIG) as con:
        return con.execute("select count(*) from marts.fct_indicator_value").fetchone()[0]


def report(result: dict[str, Any]) -> str:
    f = result["figures"]
    rows = [("chart", "rows", "API median ms", "API p95 ms", "DuckDB median ms", "DuckDB p95 ms")]
    for name, c in f["per_chart"].items():
        rows.append(
            (
                name[:70],
                f"{c['rows']:,}",
                f"{c['chart_api_median_ms']:.0f}",
                f"{c['chart_api_p95_ms']:.0f}",
                f"{c['duckdb_median_ms']:.1f}",
                f"{c['duckdb_p95_ms']:.1f}",
            )
        )
    rows.append(
        (
            "every request",
            "",
            f"{f['chart_api_median_ms']:.0f}",
            f"{f['chart_api_p95_ms']:.0f}",
            f"{f['duckdb_median_ms']:.1f}",
            f"{f['duckdb_p95_ms']:.1f}",
        )
    )
    r = result["ratios"]
    floor = (
        f"\nDuckDB: {f['duckdb_connect_median_ms']:.0f} ms of a direct query is the connect; the "
        f"same SQL on an open connection {f['duckdb_open_median_ms']:.1f} ms. Floor "
        f"({f['floor_chart']}): API {f['floor_chart_api_median_ms']:.0f} ms, DuckDB "
        f"{f['floor_duckdb_median_ms']:.1f} ms, Superset adds "
        f"{f['floor_api_minus_duckdb_ms']:.0f} ms"
    )
    return (
        f"{f['facts']:,} facts; {f['charts']} charts x {f['requests_per_chart']} cold requests\n"
        + table(rows)
        + f"\nchart_api_p95_ms = {r['chart_api_p95_ms']:.0f} (goal < 500), "
        f"chart_api_vs_duckdb_ratio = {r['chart_api_vs_duckdb_ratio']:.2f} (goal <= 2)" + floor
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    scale_options(parser)
    parser.add_argument("--requests", type=int, default=20, help="requests per chart")
    # run_all.py passes every benchmark the same arguments: ignore the others' (--rows, ...)
    args, _ = parser.parse_known_args(argv)
    if not os.access(SUPERSET_PYTHON, os.X_OK):
        print(f"{NAME}: skipped, no Superset environment at {SUPERSET_PYTHON}")
        return 1
    print(f"{NAME}: scale set of {args.authorities} authorities, {args.wards:,} wards", flush=True)
    with scale_folder(args) as folder:
        result = measure(folder, args)
    return finish(NAME, result, report(result), args.no_record)


if __name__ == "__main__":
    sys.exit(main())
