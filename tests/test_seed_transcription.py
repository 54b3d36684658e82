"""The bundled NI scorecard sample against the report it was transcribed from.

The Q4 2009/10 National Indicator scorecards were typed from seed 002 (Cabinet Member agenda,
4 August 2010, Agenda Item 6, "Update on the National Indicators"). These tests re-read that
text on their own, so a row dropped, duplicated or mis-filed in the sample shows up here.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED = REPO_ROOT.parent / "shared" / "seeds" / "002_faad60d6aeabdfd5.txt"
SAMPLE_DIR = REPO_ROOT / "data" / "samples" / "sefton_council" / "ni_scorecard"
SAMPLE = SAMPLE_DIR / "ni_scorecards_2009-10_q4.csv"
DRAFT = SAMPLE_DIR / "ni_scorecards_2009-10_q3_draft.csv"
OBJECTIVES = REPO_ROOT / "dbt_project" / "seeds" / "scorecard_objectives.csv"

COLUMNS = [
    "area_code",
    "reporting_period",
    "scorecard",
    "indicator_code",
    "indicator_title",
    "polarity",
    "is_laa",
    "op_value",
    "regional_comparison",
    "national_comparison",
    "quartile",
    "latest_value",
    "latest_value_flag",
    "direction_of_travel",
    "rag",
    "notes",
]
COMPARISONS = {"", "better_by_10pct", "better", "equal", "worse", "worse_by_10pct"}
VOCABULARY = {
    "area_code": {"E08000014"},
    "reporting_period": {"Q4 2009/10"},
    "polarity": {"", "higher_is_better", "lower_is_better"},
    "is_laa": {"Y", "N"},
    "regional_comparison": COMPARISONS,
    "national_comparison": COMPARISONS,
    "quartile": {"", "1", "2", "3", "4"},
    "latest_value_flag": {"", "T", "P", "E"},
    "direction_of_travel": {"", "improving", "constant", "deteriorating"},
    "rag": {"red", "amber", "green"},
}
# Rows per scorecard, counted by hand from the printed report (group heading rows excluded).
ROWS_PER_SCORECARD = {
    "Stronger": 9,
    "Safer": 36,
    "CYP Be Healthy": 11,
    "CYP Stay Safe": 13,
    "CYP Enjoy & Achieve": 43,
    "CYP Positive Contribution": 7,
    "CYP Economic Wellbeing": 3,
    "Adult Health & Wellbeing": 36,
    "Local Economy": 35,
    "Environment Sustainability": 18,
}
GROUP_HEADINGS = {"NI 44", "NI 85", "NI 157", "NI 195"}

CODE = re.compile(r"^NI\s*(\d+)\s*([A-Za-z])?")
CONTINUED_CODE = re.compile(r"^(\d+)\s*([A-Za-z])?")
SCORECARD_HEADING = re.compile(r"^(.+) Scorecard$")


def normalise_code(number: str, suffix: str | None) -> str:
    """'NI195 a' and 'NI 137 m' become 'NI 195a' and 'NI 137m'."""
    return f"NI {number}{suffix or ''}"


def seed_rows() -> list[dict[str, str]]:
    """Scorecard rows of the seed's NI section: scorecard, code, title and printed cells."""
    if not SEED.exists():
        pytest.skip(f"seed text not found at {SEED} (the shared folder is absent)")
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = lines.index("Update on the National Indicators")
    end = lines.index("Agenda Item 7", start)
    rows: list[dict[str, str]] = []
    scorecard = ""
    for line in lines[start:end]:
        heading = SCORECARD_HEADING.match(line.strip())
        if heading:
            scorecard = heading.group(1)
            continue
        cells = line.split("\t")
        if len(cells) < 3:
            continue
        continued = CONTINUED_CODE.match(cells[0])
        if cells[0].strip() == "NI":  # a row whose number went over the page break
            rows.append(
                {
                    "scorecard": scorecard,
                    "code": "",
                    "title": cells[1].strip(),
                    "cells": "".join(cells[2:]).strip(),
                }
            )
        elif continued and rows and not rows[-1]["code"]:
            rows[-1]["code"] = normalise_code(*continued.groups())
            rows[-1]["title"] += " " + cells[1]
        elif match := CODE.match(cells[0]):
            rows.append(
                {
                    "scorecard": scorecard,
                    "code": normalise_code(*match.groups()),
                    "title": cells[1].strip(),
                    "cells": "".join(cells[2:]).strip(),
                }
            )
    return rows


def sample_rows(path: Path = SAMPLE) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def is_group_heading(rows: list[dict[str, str]], index: int) -> bool:
    """A row with no figures directly followed by '- ...' sub-rows."""
    following = rows[index + 1]["title"] if index + 1 < len(rows) else ""
    return not rows[index]["cells"] and following.startswith("-")


def test_sample_has_exactly_the_interface_columns():
    columns, rows = sample_rows()
    assert columns == COLUMNS
    assert all(None not in row for row in rows), "a row has more cells than the header"


def test_vocabulary_columns_use_allowed_values_only():
    _, rows = sample_rows()
    for column, allowed in VOCABULARY.items():
        found = {row[column] for row in rows}
        assert found <= allowed, f"{column}: {sorted(found - allowed)}"
    for row in rows:
        for column in ("op_value", "latest_value"):
            if row[column]:
                float(row[column])
        assert row["indicator_code"] and row["indicator_title"]


def test_natural_key_is_unique():
    _, rows = sample_rows()
    keys = Counter((row["indicator_code"], row["indicator_title"]) for row in rows)
    assert [key for key, count in keys.items() if count > 1] == []


def test_row_counts_per_scorecard():
    _, rows = sample_rows()
    assert Counter(row["scorecard"] for row in rows) == ROWS_PER_SCORECARD
    assert len(rows) == sum(ROWS_PER_SCORECARD.values()) == 211


def test_every_printed_indicator_code_is_in_the_sample():
    printed = seed_rows()
    _, rows = sample_rows()
    headings = {row["code"] for i, row in enumerate(printed) if is_group_heading(printed, i)}
    assert headings == GROUP_HEADINGS
    printed_codes = {row["code"] for row in printed}
    sample_codes = {row["indicator_code"] for row in rows}
    assert printed_codes - sample_codes == headings - {"NI 44"}
    assert sample_codes <= printed_codes


def test_seed_and_sample_agree_row_by_row():
    every = seed_rows()
    printed = [row for i, row in enumerate(every) if not is_group_heading(every, i)]
    _, rows = sample_rows()
    assert [(r["scorecard"], r["code"]) for r in printed] == [
        (r["scorecard"], r["indicator_code"]) for r in rows
    ]
    assert Counter(r["scorecard"] for r in printed) == ROWS_PER_SCORECARD


def test_group_headings_are_folded_into_sub_row_titles():
    _, rows = sample_rows()
    folded = {
        "NI 85a": "Post-16 participation in physical sciences - A Level Physics",
        "NI 157c": "Processing of planning applications as measured against targets for "
        "'major' 'minor' and 'other' application types - Other Applications",
        "NI 195a": "Improved street and environmental cleanliness - Levels of Litter",
    }
    titles = {row["indicator_code"]: row["indicator_title"] for row in rows}
    for code, title in folded.items():
        assert titles[code] == title
    ni44 = [row["indicator_title"] for row in rows if row["indicator_code"] == "NI 44"]
    assert len(ni44) == 5
    assert all(
        t.startswith("Ethnic composition of offenders on Youth Justice System disposals - ")
        for t in ni44
    )


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("NI 166", {"op_value": "422.2", "latest_value": "422.2", "rag": "red", "quartile": "4"}),
        ("NI 4", {"op_value": "23.2", "latest_value": "24", "latest_value_flag": "T"}),
        (
            "NI 39",
            {
                "op_value": "1996",
                "regional_comparison": "better",
                "national_comparison": "worse_by_10pct",
                "quartile": "4",
                "latest_value": "2155",
                "latest_value_flag": "P",
                "direction_of_travel": "deteriorating",
                "rag": "red",
                "is_laa": "Y",
                "polarity": "lower_is_better",
            },
        ),
        ("NI 112", {"op_value": "-9.1", "latest_value": "30.5", "is_laa": "Y"}),
        ("NI 55", {"op_value": "9", "latest_value": "9.7", "rag": "amber"}),
        (
            "NI 45",
            {
                "indicator_title": "Young offenders' engagement in suitable education "
                "training and employment",
                "op_value": "75.7",
                "regional_comparison": "better_by_10pct",
                "latest_value": "81.8",
                "rag": "amber",
            },
        ),
        ("NI 17", {"op_value": "22.6", "is_laa": "Y", "rag": "amber"}),
        ("NI 160", {"op_value": "", "latest_value": "", "rag": "green"}),
        ("NI 175b", {"op_value": "", "latest_value": "", "rag": "green"}),
        ("NI 195d", {"op_value": "2", "direction_of_travel": "constant", "rag": "amber"}),
    ],
)
def test_spot_values(code: str, expected: dict[str, str]):
    _, rows = sample_rows()
    matches = [row for row in rows if row["indicator_code"] == code]
    assert len(matches) == 1
    for column, value in expected.items():
        assert matches[0][column] == value, column


def test_ni_44_sub_rows_keep_printed_zeros():
    _, rows = sample_rows()
    by_title = {
        row["indicator_title"].rsplit(" - ", 1)[1]: row
        for row in rows
        if row["indicator_code"] == "NI 44"
    }
    assert by_title["Black or black British"]["latest_value"] == "0.00"
    assert by_title["Asian or Asian British"]["op_value"] == "0.00"
    assert by_title["Chinese/other"]["latest_value"] == "-0.30"


def test_q3_draft_is_missing_the_quartile_column():
    columns, rows = sample_rows(DRAFT)
    assert columns == [c for c in COLUMNS if c != "quartile"]
    assert {row["reporting_period"] for row in rows} == {"Q3 2009/10"}
    assert len(rows) == 20


def test_every_scorecard_has_an_objective():
    _, rows = sample_rows(OBJECTIVES)
    assert [row["scorecard"] for row in rows] == list(ROWS_PER_SCORECARD)
    assert [int(row["sort_order"]) for row in rows] == list(range(1, 11))
    assert {row["laa_theme"] for row in rows} == {
        "Safer and Stronger Communities",
        "Children and Young People",
        "Healthier Communities and Older People",
        "Economic Development and Sustainability",
    }


THEMES = REPO_ROOT / "dbt_project" / "seeds" / "core_evidence_themes.csv"
CABINET_REPORT = REPO_ROOT.parent / "shared" / "seeds" / "001_4bd5ebf97420a0dd.txt"


def test_the_theme_labels_are_the_core_evidence_reports_own_and_cover_every_contract_theme():
    from typing import get_args

    from ingestion.contracts import Theme

    with THEMES.open(newline="", encoding="utf-8") as handle:
        themes = list(csv.DictReader(handle))
    assert [row["theme"] for row in themes] == list(get_args(Theme))
    if not CABINET_REPORT.exists():
        pytest.skip(f"seed text not found at {CABINET_REPORT} (the shared folder is absent)")
    # "... including population, deprivation, crime and disorder, economy employment &
    # worklessness, housing, ...": each label in the report's order and words
    listed = CABINET_REPORT.read_text(encoding="utf-8").lower()
    listed = listed[listed.index("about sefton including") :].split(".")[0]
    named = [row for row in themes if row["is_in_report"] == "true"]
    positions = [listed.index(row["theme_label"].lower().replace(",", "")) for row in named]
    assert positions == sorted(positions)
    assert [row for row in themes if row["is_in_report"] != "true"] == [themes[-1]]
