"""The main job end to end: bundled samples landed, the nightly DAG run by the real Airflow
(`make nightly`, i.e. `airflow dags test`), the published warehouse queried as an analyst would.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from harness import SAMPLES_DIR, make

pytestmark = pytest.mark.slow

SCORECARD_CSV = SAMPLES_DIR / "sefton_council" / "ni_scorecard" / "ni_scorecards_2009-10_q4.csv"
SEFTON = "E08000014"


def published_tables(data_dir: Path) -> dict[str, list[tuple]]:
    """Every table and view in the marts schema, rows sorted, from the published file."""
    path = data_dir / "warehouse" / "warehouse.duckdb"
    with duckdb.connect(str(path), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        return {
            name: sorted(
                con.execute(f'select * from marts."{name}"').fetchall(), key=lambda r: repr(r)
            )
            for name in names
        }


def manifests(data_dir: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((data_dir / "manifests").glob("*.json"))]


@pytest.fixture(scope="module")
def first_run(nightly_run: tuple[Path, str]) -> tuple[Path, str]:
    return nightly_run


def test_nightly_publishes_the_warehouse(first_run) -> None:
    data_dir, output = first_run
    assert (data_dir / "warehouse" / "warehouse.duckdb").is_file()
    assert not (data_dir / "warehouse" / "warehouse.next.duckdb").exists()
    assert "nightly:" in output.strip().splitlines()[-1]


def test_every_published_scorecard_row_is_in_the_warehouse(first_run) -> None:
    data_dir, _ = first_run
    with SCORECARD_CSV.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    path = data_dir / "warehouse" / "warehouse.duckdb"
    with duckdb.connect(str(path), read_only=True) as con:
        published = {
            (r[0], r[1]): r[2:]
            for r in con.execute(
                "select indicator_code, indicator_title, scorecard, rag, quartile "
                "from marts.published_scorecard"
            ).fetchall()
        }
        values = {
            (r[0], r[1], r[2], r[3]): r[4]
            for r in con.execute(
                "select indicator_code, indicator_title, period_label, value_type, value "
                f"from marts.indicator_values where area_code = '{SEFTON}'"
            ).fetchall()
        }
    assert len(published) == len(rows)
    value_types = {"T": "target", "P": "projection", "E": "estimate", "": "actual"}
    for row in rows:
        key = (row["indicator_code"], row["indicator_title"])
        scorecard, rag, quartile = published[key]
        assert (scorecard, rag) == (row["scorecard"], row["rag"])
        assert quartile == (int(row["quartile"]) if row["quartile"] else None)
        if row["op_value"]:
            assert values[(*key, "2008/09", "actual")] == float(row["op_value"])
        if row["latest_value"]:
            value_type = value_types[row["latest_value_flag"]]
            assert values[(*key, "2009/10", value_type)] == float(row["latest_value"])


def test_bad_file_is_quarantined_naming_the_column(first_run) -> None:
    data_dir, _ = first_run
    by_file = {m["source_file"]: m for m in manifests(data_dir)}
    bad = by_file["ni_scorecards_2009-10_q3_draft.csv"]
    assert bad["outcome"] == "rejected"
    assert bad["rows_loaded"] == 0
    assert any(r.get("column") == "quartile" for r in bad["reasons"])
    quarantined = data_dir / "quarantine" / bad["submission_id"]
    assert (quarantined / "ni_scorecards_2009-10_q3_draft.csv").is_file()
    assert by_file["ni_scorecards_2009-10_q4.csv"]["outcome"] == "accepted"
    # nothing is left behind in the landing zone, and nothing is lost
    assert not [p for p in (data_dir / "landing").rglob("*") if p.is_file()]


def test_second_run_recognises_files_and_publishes_the_same_warehouse(first_run) -> None:
    data_dir, _ = first_run
    before = published_tables(data_dir)
    accepted_before = [m["sha256"] for m in manifests(data_dir) if m["outcome"] == "accepted"]
    assert accepted_before
    shutil.rmtree(data_dir / "landing", ignore_errors=True)
    assert make("samples", data_dir=data_dir).returncode == 0
    result = make("nightly", data_dir=data_dir)
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    after = manifests(data_dir)
    # every file accepted the first time is recognised, and nothing is loaded twice
    assert sorted(m["sha256"] for m in after if m["outcome"] == "accepted") == sorted(
        accepted_before
    )
    assert sorted(m["sha256"] for m in after if m["outcome"] == "duplicate") == sorted(
        accepted_before
    )
    # the marts that record every delivery gain the second run's duplicates (and the draft's
    # second refusal); every other mart is exactly as it was
    after_tables = published_tables(data_dir)
    assert len(after_tables.pop("mart_submission_log")) == len(after)
    assert len(before.pop("mart_submission_log")) < len(after)
    assert len(after_tables.pop("mart_data_quality")) == len(before.pop("mart_data_quality"))
    assert after_tables == before
