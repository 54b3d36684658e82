"""Write the bundled synthetic partner extracts (see data/samples/README.md, "Synthetic samples").

    python data/samples/generate_synthetic.py [--seed 2010] [--output data/samples]

Five datasets, 2007/08 to 2010/11, for Sefton's 22 wards, Sefton, the other four Merseyside
authorities, the North West and England, each written where a partner would drop it
(``<output>/<partner>/<dataset>/<file>``):

- ``synthetic_merseyside_police/recorded_crime``: recorded crimes by area, month and offence
  group (CSV, UTF-8);
- ``synthetic_nhs_sefton/ward_health_indicators``: alcohol-related hospital admissions and
  breastfeeding at 6-8 weeks, with numerators and denominators (XLSX, notes above the header);
- ``synthetic_sefton_council/out_of_work_benefit_claimants``: out-of-work benefit claimants by
  area and quarter (CSV, UTF-8);
- ``synthetic_merseyside_fire/fire_incidents``: primary and deliberate fires by area and year
  (CSV, UTF-8);
- ``synthetic_sefton_council/street_cleanliness_surveys``: NI 195 survey transects below grade
  by area and tranche, with the survey cost in pounds (CSV, Windows-1252).

Every figure is made up: drawn from a ``random.Random(seed)`` around plausible levels, with
ward-to-ward variation and trends over time. Every dataset's contract says ``is_synthetic: true``
and every row has ``is_synthetic = Y``. The same seed gives byte-identical files: rows are written
in a fixed order, and the workbook's properties and zip entries carry fixed timestamps.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import random
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parent
AREAS_CSV = SAMPLES_DIR.parents[1] / "dbt_project" / "seeds" / "areas.csv"
DEFAULT_SEED = 2010
FIRST_YEAR, LAST_YEAR = 2007, 2010  # financial years 2007/08 to 2010/11
# the workbook says it was made at the end of the last year covered, whenever it is written
FIXED_TIME = datetime(2011, 4, 1, 9, 0, 0)
SEFTON = "E08000014"
# an en dash, which Windows-1252 writes as byte 96 (the notes of the cleanliness surveys)
DASH = "\u2013"
NORTH_WEST = "E12000002"
ENGLAND = "E92000001"

# Populations of the benchmark areas (mid-2009 scale), and how much worse than England each
# tends to be on deprivation-linked measures (1 = England). Sefton's figures are the sum of its
# wards. Made-up levels of the right order, not published estimates.
BENCHMARKS = {
    "E08000011": (150_000, 1.55),  # Knowsley
    "E08000012": (440_000, 1.60),  # Liverpool
    "E08000013": (177_000, 1.20),  # St. Helens
    "E08000015": (310_000, 1.15),  # Wirral
    NORTH_WEST: (6_900_000, 1.15),
    ENGLAND: (51_800_000, 1.00),
}
# Wards that the generator makes more deprived (factor above 1) or less (below 1); the rest
# draw a factor around 1.
WARD_LEANING = {
    "SEF-W-LINACRE": 2.0,
    "SEF-W-DERBY": 1.9,
    "SEF-W-LITHERLAND": 1.6,
    "SEF-W-FORD": 1.7,
    "SEF-W-ST-OSWALD": 1.5,
    "SEF-W-NETHERTON-AND-ORRELL": 1.5,
    "SEF-W-CAMBRIDGE": 0.95,
    "SEF-W-DUKES": 1.2,
    "SEF-W-HARINGTON": 0.55,
    "SEF-W-RAVENMEOLS": 0.7,
    "SEF-W-BLUNDELLSANDS": 0.6,
    "SEF-W-AINSDALE": 0.7,
    "SEF-W-PARK": 0.65,
    "SEF-W-SUDELL": 0.75,
    "SEF-W-MOLYNEUX": 0.75,
}


@dataclass(frozen=True)
class Area:
    code: str
    kind: str  # ward, local_authority, region or country
    population: int
    deprivation: float


def financial_year(start: int) -> str:
    return f"{start}/{str(start + 1)[-2:]}"


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw: Knuth's method for small means, the normal approximation for large."""
    if mean <= 0:
        return 0
    if mean < 30:
        limit, count, product = math.exp(-mean), 0, rng.random()
        while product > limit:
            count += 1
            product *= rng.random()
        return count
    return max(0, round(rng.gauss(mean, math.sqrt(mean))))


def binomial(rng: random.Random, trials: int, probability: float) -> int:
    """A binomial draw (normal approximation above 50 trials)."""
    probability = min(max(probability, 0.0), 1.0)
    if trials <= 50:
        return sum(rng.random() < probability for _ in range(trials))
    mean = trials * probability
    spread = math.sqrt(trials * probability * (1 - probability))
    return min(trials, max(0, round(rng.gauss(mean, spread))))


def read_areas(rng: random.Random) -> tuple[list[Area], list[Area]]:
    """Sefton's wards (from the area seed) and the benchmark areas, Sefton included."""
    with AREAS_CSV.open(encoding="utf-8", newline="") as handle:
        seeded = list(csv.DictReader(handle))
    wards = [
        Area(
            code=row["area_code"],
            kind="ward",
            population=rng.randint(10_800, 13_600),
            deprivation=WARD_LEANING.get(row["area_code"], rng.uniform(0.85, 1.2))
            * rng.uniform(0.92, 1.08),
        )
        for row in seeded
        if row["area_type"] == "ward"
    ]
    total = sum(w.population for w in wards)
    sefton = Area(
        SEFTON,
        "local_authority",
        total,
        sum(w.deprivation * w.population for w in wards) / total,
    )
    kinds = {row["area_code"]: row["area_type"] for row in seeded}
    others = [Area(code, kinds[code], *BENCHMARKS[code]) for code in BENCHMARKS]
    benchmarks = [*others[:2], sefton, *others[2:]]
    return wards, benchmarks


def population_in(area: Area, year: int) -> int:
    """The area's population in a financial year: a slight drift from the 2009 level."""
    return round(area.population * (1 + 0.002 * (year - 2009)))


# --- the five datasets ------------------------------------------------------------------------


def recorded_crime(rng: random.Random, wards: list[Area], benchmarks: list[Area]) -> list[list]:
    """Merseyside Police: recorded crimes by month; Sefton is the sum of its wards."""
    # crimes per 1,000 people a year in England in 2007/08, and the yearly fall
    offences = {"assault_with_injury": (8.2, 0.06), "serious_acquisitive": (14.5, 0.08)}
    # crime is a little higher in summer (assault) and in winter evenings (acquisitive)
    season = {
        "assault_with_injury": [1.0, 1.05, 1.1, 1.1, 1.05, 1.0, 0.95, 0.95, 1.05, 0.9, 0.9, 0.95],
        "serious_acquisitive": [0.95, 0.95, 0.95, 0.95, 0.95, 1.0, 1.05, 1.1, 1.1, 1.05, 0.95, 1.0],
    }
    rows = []
    sefton: dict[tuple[str, str], int] = {}
    for area in [*wards, *benchmarks]:
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            for month_index in range(12):
                month = month_index + 4
                calendar_year = year + (month > 12)
                label = f"{calendar_year}-{(month - 1) % 12 + 1:02d}"
                for offence, (rate, fall) in offences.items():
                    if area.code == SEFTON:
                        count = sefton[(label, offence)]
                    else:
                        yearly = rate * (1 - fall) ** (year - FIRST_YEAR) * area.deprivation
                        mean = yearly / 12 * season[offence][month_index] * area.population / 1000
                        count = poisson(rng, mean)
                        if area.kind == "ward":
                            sefton[(label, offence)] = sefton.get((label, offence), 0) + count
                    rows.append([area.code, label, offence, count, population_in(area, year), "Y"])
    return rows


def ward_health_indicators(
    rng: random.Random, wards: list[Area], benchmarks: list[Area]
) -> list[list]:
    """NHS Sefton: yearly alcohol-related admissions and breastfeeding at 6-8 weeks."""
    rows = []
    sums: dict[tuple[str, int], list[int]] = {}
    for area in [*wards, *benchmarks]:
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            population = population_in(area, year)
            if area.code == SEFTON:
                admissions, births, breastfed = sums[("alcohol", year)] + sums[("feeding", year)]
            else:
                # admissions per 100,000: about 1,500 in England in 2007/08, rising 5% a year
                per_100k = 1_500 * (1.05 ** (year - FIRST_YEAR)) * area.deprivation**0.8
                admissions = poisson(rng, per_100k * population / 100_000)
                births = poisson(rng, population * 0.0115)
                # breastfeeding at 6-8 weeks: about 46% in England, lower with deprivation,
                # rising a point a year
                share = 0.46 / area.deprivation**1.1 + 0.01 * (year - FIRST_YEAR)
                breastfed = binomial(rng, births, share)
                if area.kind == "ward":
                    totals = sums.setdefault(("alcohol", year), [0])
                    totals[0] += admissions
                    feeding = sums.setdefault(("feeding", year), [0, 0])
                    feeding[0] += births
                    feeding[1] += breastfed
            rows.append(
                [
                    area.code,
                    financial_year(year),
                    "alcohol_admissions",
                    admissions,
                    population,
                    round(admissions / population * 100_000, 1),
                    "Y",
                ]
            )
            rows.append(
                [
                    area.code,
                    financial_year(year),
                    "breastfeeding_6_8_weeks",
                    breastfed,
                    births,
                    round(breastfed / births * 100, 1),
                    "Y",
                ]
            )
    return rows


def out_of_work_benefit_claimants(
    rng: random.Random, wards: list[Area], benchmarks: list[Area]
) -> list[list]:
    """Out-of-work benefit claimants by quarter (DWP counts, as the council's research team
    would pass them on), with the working-age population."""
    # England: about 11.5% of working-age people in 2007/08, rising with the recession to a
    # peak in 2009/10 and easing a little after
    national = {2007: 0.114, 2008: 0.118, 2009: 0.127, 2010: 0.124}
    rows = []
    sefton: dict[str, list[int]] = {}
    for area in [*wards, *benchmarks]:
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            working_age = round(population_in(area, year) * rng.uniform(0.6, 0.63))
            for quarter in range(1, 5):
                label = f"Q{quarter} {financial_year(year)}"
                if area.code == SEFTON:
                    claimants, working_age_total = sefton[label]
                else:
                    share = national[year] * (1 + 0.01 * (quarter - 2)) * area.deprivation**1.2
                    claimants = binomial(rng, working_age, min(share, 0.45))
                    working_age_total = working_age
                    if area.kind == "ward":
                        total = sefton.setdefault(label, [0, 0])
                        total[0] += claimants
                        total[1] += working_age
                rows.append([area.code, label, claimants, working_age_total, "Y"])
    return rows


def fire_incidents(rng: random.Random, wards: list[Area], benchmarks: list[Area]) -> list[list]:
    """Merseyside Fire and Rescue Service: primary and deliberate fires by year."""
    # per 100,000 people a year in England in 2007/08, and the yearly fall
    incidents = {"primary_fire": (165, 0.05), "deliberate_fire": (260, 0.09)}
    rows = []
    sefton: dict[tuple[int, str], int] = {}
    for area in [*wards, *benchmarks]:
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            population = population_in(area, year)
            for incident, (rate, fall) in incidents.items():
                if area.code == SEFTON:
                    count = sefton[(year, incident)]
                else:
                    # Merseyside has more deliberate fires than its deprivation alone suggests
                    lean = (
                        1.6
                        if incident == "deliberate_fire"
                        and area.code
                        not in (
                            NORTH_WEST,
                            ENGLAND,
                        )
                        else 1.0
                    )
                    mean = rate * (1 - fall) ** (year - FIRST_YEAR) * area.deprivation * lean
                    count = poisson(rng, mean * population / 100_000)
                    if area.kind == "ward":
                        sefton[(year, incident)] = sefton.get((year, incident), 0) + count
                rows.append([area.code, financial_year(year), incident, count, population, "Y"])
    return rows


def street_cleanliness_surveys(
    rng: random.Random, wards: list[Area], benchmarks: list[Area]
) -> list[list]:
    """NI 195 surveys: transects below grade B by tranche (three a year), with costs in pounds."""
    # share of transects below grade B in England in 2007/08, and the yearly change
    elements = {
        "litter": (0.10, -0.004),
        "detritus": (0.12, -0.003),
        "graffiti": (0.06, -0.003),
        "fly_posting": (0.012, -0.001),
    }
    tranche_names = {1: "April to July", 2: "August to November", 3: "December to March"}
    rows = []
    sefton: dict[tuple[int, int], list[float]] = {}
    for area in [*wards, *benchmarks]:
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            for tranche in range(1, 4):
                notes = ""
                cost: float | str = ""
                if area.code == SEFTON:
                    totals = sefton[(year, tranche)]
                    transects, below = int(totals[0]), [int(t) for t in totals[1:5]]
                    cost = round(totals[5], 2)
                    season = tranche_names[tranche]
                    notes = f"Sum of the ward surveys, {season} {DASH} cost £{cost:,.2f}"
                else:
                    # transects surveyed scale with the area's population (about 3 per 1,000)
                    transects = max(30, round(area.population * 0.0031 * rng.uniform(0.9, 1.1)))
                    below = []
                    for share, change in elements.values():
                        level = (share + change * (year - FIRST_YEAR)) * area.deprivation**1.3
                        below.append(binomial(rng, transects, min(max(level, 0.002), 0.6)))
                    if area.kind == "ward":
                        cost = round(transects * rng.choice((11.5, 12.0, 12.75)), 2)
                        if rng.random() < 0.08:
                            extra = rng.choice((45, 60, 90))
                            cost += extra
                            notes = f"Resurveyed after leaf fall {DASH} £{extra} extra"
                        total = sefton.setdefault((year, tranche), [0, 0, 0, 0, 0, 0.0])
                        for index, value in enumerate([transects, *below, cost]):
                            total[index] += value
                rows.append(
                    [
                        area.code,
                        financial_year(year),
                        tranche,
                        transects,
                        *below,
                        f"{cost:.2f}" if cost != "" else "",
                        notes,
                        "Y",
                    ]
                )
    return rows


# --- writing ----------------------------------------------------------------------------------


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence], encoding: str) -> int:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return count


def write_xlsx(path: Path, sheet: str, notes: Sequence[str], header: Sequence[str], rows) -> int:
    """A workbook with notes above the header; properties and zip entries at FIXED_TIME."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    workbook = Workbook()
    workbook.properties.creator = "NHS Sefton Public Health Intelligence (synthetic)"
    workbook.properties.title = "Ward health indicators (SYNTHETIC)"
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    worksheet = workbook.active
    worksheet.title = sheet
    for note in notes:
        worksheet.append([note])
    worksheet.append([])
    worksheet.append(list(header))
    count = 0
    for row in rows:
        worksheet.append(list(row))
        count += 1
    # openpyxl's save_workbook stamps the time of saving; the writer underneath does not
    unstamped = io.BytesIO()
    with zipfile.ZipFile(unstamped, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    # and every zip entry carries the time it was written: rewrite them with a fixed one
    stamped = io.BytesIO()
    with (
        zipfile.ZipFile(unstamped) as source,
        zipfile.ZipFile(stamped, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            entry = zipfile.ZipInfo(item.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(item.filename))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(stamped.getvalue())
    return count


def generate(output: Path, seed: int = DEFAULT_SEED) -> dict[Path, int]:
    """Write the five synthetic extracts under ``output``; returns rows written per file."""
    rng = random.Random(seed)  # noqa: S311 - made-up figures, not secrets
    wards, benchmarks = read_areas(rng)
    span = f"{FIRST_YEAR}-{str(FIRST_YEAR + 1)[-2:]}_to_{LAST_YEAR}-{str(LAST_YEAR + 1)[-2:]}"
    written: dict[Path, int] = {}

    def done(path: Path, count: int) -> None:
        written[path] = count
        print(f"  wrote {path.relative_to(output)} ({count} rows)")

    path = output / "synthetic_merseyside_police" / "recorded_crime" / f"recorded_crime_{span}.csv"
    header = [
        "area_code",
        "month",
        "offence_group",
        "recorded_crimes",
        "population",
        "is_synthetic",
    ]
    done(path, write_csv(path, header, recorded_crime(rng, wards, benchmarks), "utf-8"))

    path = (
        output
        / "synthetic_nhs_sefton"
        / "ward_health_indicators"
        / f"ward_health_indicators_{span}.xlsx"
    )
    notes = [
        "NHS Sefton - ward health indicators, 2007/08 to 2010/11",
        "SYNTHETIC DATA: every figure is made up for demonstration; none is an NHS statistic.",
        f"Made by data/samples/generate_synthetic.py with seed {seed}.",
    ]
    header = [
        "area_code",
        "financial_year",
        "indicator",
        "numerator",
        "denominator",
        "value",
        "is_synthetic",
    ]
    rows = ward_health_indicators(rng, wards, benchmarks)
    done(path, write_xlsx(path, "Ward indicators", notes, header, rows))

    path = (
        output
        / "synthetic_sefton_council"
        / "out_of_work_benefit_claimants"
        / f"out_of_work_benefit_claimants_{span}.csv"
    )
    header = ["area_code", "quarter", "claimants", "working_age_population", "is_synthetic"]
    rows = out_of_work_benefit_claimants(rng, wards, benchmarks)
    done(path, write_csv(path, header, rows, "utf-8"))

    path = output / "synthetic_merseyside_fire" / "fire_incidents" / f"fire_incidents_{span}.csv"
    header = [
        "area_code",
        "financial_year",
        "incident_type",
        "incidents",
        "population",
        "is_synthetic",
    ]
    done(path, write_csv(path, header, fire_incidents(rng, wards, benchmarks), "utf-8"))

    path = (
        output
        / "synthetic_sefton_council"
        / "street_cleanliness_surveys"
        / f"street_cleanliness_surveys_{span}.csv"
    )
    header = [
        "area_code",
        "financial_year",
        "tranche",
        "transects_surveyed",
        "litter_below_standard",
        "detritus_below_standard",
        "graffiti_below_standard",
        "fly_posting_below_standard",
        "survey_cost",
        "notes",
        "is_synthetic",
    ]
    rows = street_cleanliness_surveys(rng, wards, benchmarks)
    done(path, write_csv(path, header, rows, "cp1252"))
    return written


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument(
        "--output", type=Path, default=SAMPLES_DIR, help="folder to write <partner>/<dataset>/ in"
    )
    args = parser.parse_args(argv)
    print(f"synthetic samples, seed {args.seed}, into {args.output}")
    written = generate(args.output, args.seed)
    print(
        f"synthetic samples: {len(written)} files, {sum(written.values())} rows, "
        f"seed {args.seed}, in {args.output}"
    )


if __name__ == "__main__":
    main()
