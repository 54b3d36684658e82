"""The bad-input corpus: every bad file quarantined with the right reason, the good ones loaded.

The corpus (``corpus/``, written by ``make_corpus.py``) is a landing zone of files of every
quality, with its own contracts, partner register and area lookup, and ``expected.json`` saying
what must become of each file. The whole landing zone is ingested in one run, as a night would.
"""

from __future__ import annotations

import filecmp
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from ingestion_testbed import RECEIVED
from make_corpus import write

from ingestion.incidents import BREACH_SECTIONS
from ingestion.pipeline import ingest_landing

CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECTED: dict[str, dict[str, str]] = json.loads((CORPUS / "expected.json").read_text())


def ingest(data_dir: Path):
    return ingest_landing(
        data_dir,
        contracts_dir=CORPUS / "contracts",
        partners_path=CORPUS / "partners.yml",
        areas_path=CORPUS / "areas.csv",
        received_at=RECEIVED,
    )


def land(data_dir: Path) -> None:
    """Deliver the corpus to the landing zone as a partner's upload would: new files."""
    shutil.copytree(
        CORPUS / "landing", data_dir / "landing", dirs_exist_ok=True, copy_function=shutil.copy
    )


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("corpus") / "data"
    land(data_dir)
    manifests = ingest(data_dir)
    return data_dir, {m.landing_path: m for m in manifests}


def raw_sources(data_dir: Path) -> list[tuple[str, int]]:
    files = sorted((data_dir / "raw").rglob("*.parquet"))
    if not files:
        return []
    with duckdb.connect() as con:
        return con.execute(
            "select _source_file, count(*) from read_parquet(?) group by 1 order by 1",
            [[str(f) for f in files]],
        ).fetchall()


def test_the_corpus_is_what_its_script_writes(tmp_path) -> None:
    write(tmp_path)
    comparison = filecmp.dircmp(CORPUS, tmp_path)
    differences: list[str] = []

    def collect(cmp: filecmp.dircmp, prefix: str = "") -> None:
        differences.extend(prefix + n for n in cmp.left_only + cmp.right_only + cmp.diff_files)
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, False)
        differences.extend(prefix + n for n in mismatch + errors)
        for name, sub in cmp.subdirs.items():
            collect(sub, f"{prefix}{name}/")

    collect(comparison)
    assert differences == [], "run python tests/ingestion/make_corpus.py and commit the result"


def test_the_corpus_is_big_and_varied() -> None:
    landed = sorted(
        p.relative_to(CORPUS / "landing").as_posix()
        for p in (CORPUS / "landing").rglob("*")
        if p.is_file()
    )
    assert landed == sorted(EXPECTED)
    rejected = [e for e in EXPECTED.values() if e["outcome"] == "rejected"]
    assert len(rejected) >= 40
    assert all(p.stat().st_size < 12_000 for p in (CORPUS / "landing").rglob("*") if p.is_file())
    assert {e["outcome"] for e in EXPECTED.values()} == {"accepted", "rejected", "duplicate"}


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_each_file_ends_as_expected(corpus_run, path) -> None:
    data_dir, manifests = corpus_run
    expected = EXPECTED[path]
    manifest = manifests[path]
    assert manifest.outcome == expected["outcome"], (expected["what"], manifest.reasons[:3])
    sent = (CORPUS / "landing" / path).read_bytes()
    assert (data_dir / manifest.archive_path).read_bytes() == sent
    if expected["outcome"] == "rejected":
        rules = {r.rule for r in manifest.reasons}
        assert expected["rule"] in rules, (expected["what"], manifest.reasons[:3])
        assert manifest.rows_loaded == 0 and manifest.raw_path is None
        folder = data_dir / manifest.quarantine_path
        assert (folder / manifest.source_file).read_bytes() == sent  # whole, as sent
        assert expected["rule"] in (folder / "reason.txt").read_text()
        if expected["rule"] in BREACH_SECTIONS:
            incident = json.loads((data_dir / manifest.incident_path).read_text())
            assert expected["rule"] in {b["rule"] for b in incident["breaches"]}
    elif expected["outcome"] == "duplicate":
        original = next(
            m for m in manifests.values() if m.sha256 == manifest.sha256 and m.outcome == "accepted"
        )
        assert manifest.duplicate_of == original.submission_id
        assert manifest.rows_loaded == 0 and manifest.raw_path is None
    else:
        assert manifest.rows_loaded == manifest.rows_read > 0
        assert (data_dir / manifest.raw_path).is_file()
    assert not (data_dir / "landing" / path).exists()


def test_only_the_good_files_reach_the_raw_zone(corpus_run) -> None:
    data_dir, manifests = corpus_run
    accepted = {m.source_file: m.rows_loaded for m in manifests.values() if m.outcome == "accepted"}
    assert sorted(accepted) == sorted(
        Path(p).name for p, e in EXPECTED.items() if e["outcome"] == "accepted"
    )
    assert raw_sources(data_dir) == sorted(accepted.items())
    assert [
        p for p in (data_dir / "raw").rglob("*") if p.is_file() and p.suffix != ".parquet"
    ] == []


def test_running_again_loads_nothing_twice(corpus_run, tmp_path) -> None:
    first_dir, manifests = corpus_run
    data_dir = tmp_path / "data"
    shutil.copytree(first_dir, data_dir)  # the first run's outcome, left as it was
    first = list(manifests.values())
    before = raw_sources(data_dir)
    land(data_dir)  # every file delivered again
    second = ingest(data_dir)
    assert len(second) == len(first) == len(EXPECTED)
    assert [m.outcome for m in second].count("accepted") == 0
    outcomes = {m.landing_path: m.outcome for m in second}
    loaded = {(m.dataset_id, m.sha256) for m in first if m.outcome == "accepted"}
    for m in first:
        # bytes already loaded for the dataset are duplicates now (the good files, and a bad
        # name on good bytes); the bad ones are checked again and refused again
        again = "duplicate" if (m.dataset_id, m.sha256) in loaded else "rejected"
        assert outcomes[m.landing_path] == again, m.landing_path
    assert raw_sources(data_dir) == before
    assert len(list((data_dir / "manifests").glob("*.json"))) == 2 * len(EXPECTED)
    assert list((data_dir / "landing").rglob("*.*")) == []
