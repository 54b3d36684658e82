"""The bundled samples against their contracts, and against the reports they were typed from.

Every sample under ``data/samples/<partner>/<dataset>/`` is checked by ingestion's own check (as
``python -m ingestion check FILE --dataset ID`` does): the good ones would be accepted, the one
deliberately faulty file rejected. Then the council datasets transcribed from the seeds are
compared with the seed text, re-read here on its own, so that a row dropped, duplicated or
mis-filed shows up. The National Indicator scorecards have their own file
(``test_seed_transcription.py``).
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml
from harness import REPO_ROOT, SAMPLES_DIR

from ingestion.contracts import Contract, load_contracts
from ingestion.pipeline import check_file

SEEDS = REPO_ROOT.parent / "shared" / "seeds"
FAULTY = {"ni_scorecards_2009-10_q3_draft.csv"}
STAGING = REPO_ROOT / "dbt_project" / "models" / "staging"

# the submissions themselves: not the README, nor the script that writes the synthetic ones
SAMPLES = sorted(p for p in SAMPLES_DIR.rglob("*") if p.is_file() and p.suffix in {".csv", ".xlsx"})
SAMPLED = {p.relative_to(SAMPLES_DIR).parts[1] for p in SAMPLES}


def seed_lines(name: str) -> list[str]:
    path = SEEDS / name
    if not path.exists():
        pytest.skip(f"seed text not found at {path} (the shared folder is absent)")
    return path.read_text(encoding="utf-8").splitlines()


def rows(dataset: str, partner: str = "sefton_council") -> list[dict[str, str]]:
    files = sorted((SAMPLES_DIR / partner / dataset).glob("*.csv"))
    assert files, f"no sample for {dataset}"
    found: list[dict[str, str]] = []
    for path in files:
        with path.open(encoding="utf-8", newline="") as handle:
            found.extend(csv.DictReader(handle))
    return found


def between(lines: list[str], start: str, end: str) -> list[str]:
    first = lines.index(start)
    return lines[first : lines.index(end, first)]


def sampled_contracts() -> list[Contract]:
    return [c for c in load_contracts().values() if c.dataset_id in SAMPLED]


# --- every sample against its contract ----------------------------------------------------------


def test_every_sample_folder_has_a_contract() -> None:
    contracts = load_contracts()
    for path in SAMPLES:
        partner, dataset = path.relative_to(SAMPLES_DIR).parts[:2]
        assert dataset in contracts, path
        assert contracts[dataset].partner_id == partner


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_ingestion_check_accepts_good_samples_and_rejects_the_faulty_one(path: Path) -> None:
    assessment = check_file(path, path.parent.name)
    if path.name in FAULTY:
        assert not assessment.accepted
        assert assessment.problems.counts["missing_column"] == 1
    else:
        assert assessment.accepted, [str(r) for r in assessment.problems.listed]
        assert assessment.rows_read > 0


def test_personal_samples_keep_names_in_identifier_columns_only() -> None:
    """Officers' names are allowed where ingestion pseudonymises them, and nowhere else."""
    personal = [c for c in sampled_contracts() if c.agreement.category == "personal"]
    assert {"sprint_actions", "partnership_register"} <= {c.dataset_id for c in personal}
    for contract in personal:
        assert contract.agreement.legal_basis.schedule_2_condition
        identifiers = [c.name for c in contract.table.columns if c.role == "identifier"]
        assert identifiers
        data = rows(contract.dataset_id, contract.partner_id)
        names = {row[c] for row in data for c in identifiers if row[c]}
        others = [c.name for c in contract.table.columns if c.role != "identifier"]
        for row in data:
            for column in others:
                leaked = [n for n in names if n in row[column]]
                assert not leaked, (contract.dataset_id, column)


def test_staging_exposes_identifier_columns_only_as_pseudonyms() -> None:
    for contract in sampled_contracts():
        identifiers = [c.name for c in contract.table.columns if c.role == "identifier"]
        sql = (
            STAGING / contract.partner_id / f"stg_{contract.partner_id}__{contract.dataset_id}.sql"
        ).read_text(encoding="utf-8")
        for name in identifiers:
            assert re.search(rf"\bas {name}_pseudonym\b", sql), name
            assert not re.search(rf"\bas {name}\b", sql), name


def test_every_sampled_dataset_has_a_staging_model_and_a_source() -> None:
    for contract in sampled_contracts():
        folder = STAGING / contract.partner_id
        model = folder / f"stg_{contract.partner_id}__{contract.dataset_id}.sql"
        assert "source_or_empty" in model.read_text(encoding="utf-8")
        sources = yaml.safe_load(
            (folder / f"_{contract.partner_id}__sources.yml").read_text(encoding="utf-8")
        )
        tables = {t["name"]: t for s in sources["sources"] for t in s["tables"]}
        declared = {c["name"] for c in tables[contract.dataset_id]["columns"]}
        assert {c.name for c in contract.table.columns} <= declared


# --- LAA indicators by theme (seed 002, Agenda Item 6, sections 4-7 and the Annual Review list) --

THEMES = {
    "Safer and Stronger Communities Indicators": "Safer and Stronger Communities",
    "Children and Young People Indicators": "Children and Young People",
    "Healthier Communities and Older People Indicators": "Healthier Communities and Older People",
    "Economic Development and Sustainability Indicators": "Economic Development and Sustainability",
}
REVIEW_CODE = re.compile(r"^(?:- )?(NI \d{3}[A-Za-z]?)[\t ]+(.+)$")


def review_list() -> list[tuple[str, str, str]]:
    """(theme, code, title) of the LAA Annual Review list, in printed order."""
    lines = seed_lines("002_faad60d6aeabdfd5.txt")
    listed, theme = [], ""
    for line in between(lines, "LOCAL AREA AGREEMENT", "Safer & Stronger Communities Partnership"):
        if line.strip() in THEMES:
            theme = THEMES[line.strip()]
        elif match := REVIEW_CODE.match(line.strip()):
            listed.append((theme, match.group(1), match.group(2).strip()))
    return listed


def test_laa_rows_are_the_annual_review_list_in_order() -> None:
    sample = rows("laa_indicators")
    assert [(r["laa_theme"], r["code_as_printed"], r["indicator_title"]) for r in sample] == (
        review_list()
    )
    assert len(sample) == 51
    assert Counter(r["laa_theme"] for r in sample) == {
        "Safer and Stronger Communities": 12,
        "Children and Young People": 22,
        "Healthier Communities and Older People": 8,
        "Economic Development and Sustainability": 9,
    }


def test_laa_weights_give_the_counts_the_sections_print() -> None:
    totals: dict[str, float] = defaultdict(float)
    by_status: dict[tuple[str, str], float] = defaultdict(float)
    for row in rows("laa_indicators"):
        totals[row["laa_theme"]] += float(row["counts_as"])
        by_status[(row["laa_theme"], row["status_as_printed"])] += float(row["counts_as"])
    section = "\n".join(
        between(
            seed_lines("002_faad60d6aeabdfd5.txt"),
            "4. LAA - Safer & Stronger Communities",
            "8. Monitoring of the Corporate Plan",
        )
    )
    assert "The SSCP reports against nine LAA Indicators" in section
    assert "CYP reports against 22 LAA indicators" in section
    assert "reports against eight LAA Indicators" in section
    assert "Economic Development & Sustainability reports against nine LAA Indicators" in section
    assert dict(totals) == {
        "Safer and Stronger Communities": 9,
        "Children and Young People": 22,
        "Healthier Communities and Older People": 8,
        "Economic Development and Sustainability": 9,
    }
    words = {"One": 1, "Two": 2, "Three": 3, "Four": 4, "Twelve": 12}
    for (_, printed), weight in by_status.items():
        assert printed in section.replace("**", "")
        count = printed.split(" ", 1)[0]
        assert weight == float(words.get(count, count)), printed


@pytest.mark.parametrize(
    ("code", "status", "statutory", "local"),
    [
        ("NI 17b", "exceeding_target", "N", "N"),
        ("NI 195A", "exceeding_target", "N", "N"),
        ("NI 4", "satisfactory_with_qualification", "N", "N"),
        ("NI 21b", "under_performing", "N", "N"),
        ("NI 112", "not_achieved", "N", "Y"),
        ("NI 102B", "expected_to_achieve_or_perform_well", "Y", "N"),
        ("NI 134", "not_achieved", "N", "N"),
        ("NI 171", "not_yet_available", "N", "N"),
    ],
)
def test_laa_spot_values(code: str, status: str, statutory: str, local: str) -> None:
    (row,) = [r for r in rows("laa_indicators") if r["indicator_code"] == code]
    assert (row["status"], row["is_statutory"], row["is_local_target"]) == (
        status,
        statutory,
        local,
    )


# --- red-rated indicators (seed 002, Agenda Item 6, section 14) ---------------------------------


def red_table() -> list[tuple[str, str]]:
    """(code, position) of section 14's table, continuation lines joined, markup dropped."""
    lines = between(
        seed_lines("002_faad60d6aeabdfd5.txt"), "14. Indicators rated Red", "15. Conclusions"
    )
    table: list[list[str]] = []
    for line in lines:
        cells = line.split("\t")
        if re.match(r"^NI \d", cells[0]):
            table.append([cells[0].strip(), cells[1] if len(cells) > 1 else ""])
        elif cells[0] == "" and len(cells) > 1 and table:
            table[-1][1] += " " + cells[1]
    return [(code, " ".join(re.sub(r"</?p>", " ", text).split())) for code, text in table]


def test_red_narratives_are_the_26_printed_rows_in_order() -> None:
    lines = seed_lines("002_faad60d6aeabdfd5.txt")
    assert "14.1 There are 26 indicators rated as red" in "\n".join(lines)
    printed = red_table()
    sample = rows("red_indicator_narratives")
    assert len(printed) == len(sample) == 26
    assert [r["code_as_printed"] for r in sample] == [code for code, _ in printed]
    for row, (_, text) in zip(sample, printed, strict=True):
        assert row["narrative"] == text
        if not text:
            assert "printed empty" in row["notes"]
    codes = {r["indicator_code"] for r in sample}
    assert {"NI 4", "NI 35d", "NI 85a", "NI 122b", "NI 195c", "NI 198"} <= codes


# --- Corporate Plan action counts (seed 002 Table 1 and Annex 2; seed 000 Q2) -------------------


def test_action_counts_match_the_printed_tables() -> None:
    seed002 = "\n".join(seed_lines("002_faad60d6aeabdfd5.txt"))
    for label, rag, count, percent in [
        ("Completed", "Green", 34, 60),
        ("On Target", "Green", 16, 28),
        ("On Hold (Action 26)", "Amber", 1, 1),
        ("Overdue or Delayed (Actions 12, 15, 22, 34, 65 and 75)", "Red", 6, 11),
    ]:
        assert f"{label}\t{rag}\t{count}\t{percent}%" in seed002
    assert "Corporate Strategic Objectives (29)\t57\t50\t1\t6" in seed002
    seed000 = " ".join(seed_lines("000_cc3a8f6374bfc808.txt"))
    assert "of the 60 Corporate Plan actions in SPRINT five (8%) are completed" in seed000
    assert "of the 152 Departmental Service Plan actions in SPRINT 11 (7%)" in seed000

    sample = rows("action_summary")
    counts = {
        (
            r["reporting_period"],
            r["plan"],
            r["printed_in"].rsplit(", ", 1)[-1],
            r["label_as_printed"],
        ): int(r["action_count"])
        for r in sample
    }
    assert counts[("Q4 2009/10", "corporate_plan", "Table 1", "Completed")] == 34
    assert counts[("Q4 2009/10", "corporate_plan", "Annex 2 Executive Summary", "Green")] == 50
    assert (
        counts[
            (
                "Q2 2009/10",
                "departmental_service_plans",
                "Qtr. 2 Corporate Performance",
                "on target",
            )
        ]
        == 135
    )
    # within one table, the statuses (or ratings) add up to its total
    parts: dict[tuple[str, str, str], int] = defaultdict(int)
    totals: dict[tuple[str, str, str], int] = {}
    for r in sample:
        group = (r["reporting_period"], r["plan"], r["printed_in"])
        if r["status"] == "all":
            totals[group] = int(r["action_count"])
        else:
            parts[group] += int(r["action_count"])
    assert parts == totals
    assert len(totals) == 4


# --- SPRINT action plans (seed 003, Annex 1) ----------------------------------------------------

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
PRINTED_REFERENCE = {"DSP-CEX-AP-006": "-006 - COMMUNICAT", "ASP01-CEX-AP-003": "SP01-CEX-AP-003"}


def test_sprint_actions_match_the_export() -> None:
    lines = seed_lines("003_1f1ee111ccad94ed.txt")
    text = "\n".join(lines).replace("lan Willman", "Ian Willman")
    sample = rows("sprint_actions")
    assert len(sample) == 18
    assert len({r["action_reference"] for r in sample}) == 18
    for row in sample:
        printed = PRINTED_REFERENCE.get(row["action_reference"], row["action_reference"])
        (line,) = [
            ln.replace("lan Willman", "Ian Willman").replace("Shephero\td", "Shepherd")
            for ln in lines
            if printed in ln and ("AP-" in ln or "COMMUNICAT" in ln) and "See Action" not in ln
        ]
        year, month, day = row["deadline"].split("-")
        assert f"{day}-{MONTHS[int(month) - 1]}-{year}" in line, row["action_reference"]
        for officer in (row["authorising_officer"], row["lead_officer"]):
            if officer:
                assert officer in line, row["action_reference"]
                assert officer in text
    # the percentages complete printed at quarter 2, in export order
    assert [int(r["q2_percent_complete"]) for r in sample if r["q2_percent_complete"]] == [
        40,
        20,
        50,
        20,
        20,
        50,
        40,
        20,
        60,
        50,
        50,
        30,
        50,
    ]


# --- partnership register (seed 002, Agenda Item 8, Annex 1) -----------------------------------

REGISTER_ROW = re.compile(r"^(\d+(?:\.\d+)?)\t(.+?)\t(.+?)(?:\t(.*))?$")


def register_lists() -> dict[str, list[tuple[str, str, str]]]:
    """(id, name as printed, officers as printed) per list, in printed order."""
    lines = seed_lines("002_faad60d6aeabdfd5.txt")
    lists: dict[str, list[tuple[str, str, str]]] = {}
    for key, start, end in [
        ("significant", "SIGNIFICANT PARTNERSHIPS", "Total = 37"),
        ("non_significant", "NON-SIGNIFICANT PARTNERSHIPS", "Total = 64"),
    ]:
        lists[key] = [
            (m.group(1), m.group(2), m.group(3))
            for line in between(lines, start, end)
            if (m := REGISTER_ROW.match(line))
        ]
    return lists


def test_register_has_37_significant_and_64_non_significant_rows() -> None:
    printed = register_lists()
    assert len(printed["significant"]) == 37
    assert len(printed["non_significant"]) == 64
    sample = rows("partnership_register")
    assert Counter(r["significance"] for r in sample) == {"significant": 37, "non_significant": 64}
    for significance, listed in printed.items():
        mine = [r for r in sample if r["significance"] == significance]
        assert [int(r["list_row"]) for r in mine] == list(range(1, len(listed) + 1))
        for row, (pid, name, officers) in zip(mine, listed, strict=True):
            assert row["partnership_id"] == pid
            plain = re.sub(r"\(?<i>.*?</i>\)?|</?u>", "", name).strip()
            assert row["partnership_name"].startswith(plain.split(" (including")[0])
            names = [
                n
                for n in (
                    row["responsible_director"],
                    row["departmental_lead"],
                    row["further_lead"],
                )
                if n
            ]
            assert [n.strip() for n in re.sub(r"\(\w+\)", "", officers).split("/")] == names


def test_register_spot_values() -> None:
    sample = rows("partnership_register")
    by_row = {(r["significance"], int(r["list_row"])): r for r in sample}
    first = by_row[("significant", 1)]
    assert (first["partnership_id"], first["inputted_on"]) == ("249", "2010-07-01")
    south_sefton = by_row[("significant", 19)]
    assert south_sefton["register_remark"] == "Can't find template"
    assert south_sefton["inputted_on"] == ""
    assert [r["partnership_id"] for r in sample].count("241.2") == 3
    assert {r["lead_department"] for r in sample} == {"", "Finance"}
    assert sum(r["register_remark"] == "TEMPLATE 2 MISSING" for r in sample) == 3
