"""The scale data set: partner-shaped files for every English local authority and its wards.

    python benchmarks/generate_scale.py OUTPUT [--authorities 300] [--wards 7000] [--years 10]

Writes, under ``OUTPUT``, the files the five synthetic partner datasets would send over ten
financial years (2001/02 to 2010/11) for England, nine regions, 300 local authorities and
7,000 wards, in the contracts' own shapes (``ingestion/contracts/synthetic_*``, the same columns,
formats and encodings as ``data/samples/generate_synthetic.py`` writes), one file per partner,
dataset and quarter:

``areas.csv``
    the area lookup: the rows of ``dbt_project/seeds/areas.csv`` (England, the North West, the
    Merseyside authorities, Sefton's area committees and wards) and the generated areas, in the
    seed's columns. Ingestion reads it through ``UNDERSTOOD_AREAS_PATH``; ``dim_area`` adds its
    areas to the seed's when ``UNDERSTOOD_EXTRA_AREAS_PATH`` names it;
``landings/<NN>_<YYYY-YY>_q<Q>/<partner>/<dataset>/<file>``
    what arrives in quarter Q of a financial year (NN orders the 40 quarters): copy a folder into
    ``data/landing/`` to land it;
``scale.json``
    what was written: areas, files and rows per landing, and the facts the warehouse should hold.

No real list of English authorities and wards is available offline, so apart from the seed's
areas every area is generated: GSS-shaped codes that are not ONS codes (authorities
``E06000901``, ``E07000901``, ``E08000901``, ``E09000901`` onwards, wards ``E05900001`` onwards,
regions ``E12000901`` onwards beside the real North West ``E12000002``), names ending
"(synthetic)", ``is_gss_code`` false. Every figure is made up, and every row says
``is_synthetic = Y``.

Each quarter's file is an extract as partners send them: the financial year to date plus the
complete years before it, restated with revised figures (a window of five years; one for the
monthly crime counts, which are the bulkiest). So a figure is received several times, and the
warehouse keeps every revision: ten years of eleven indicators for 7,300 areas give 0.8 million
distinct values and, with their revisions, more than 10 million facts.

Figures are a fixed function of the seed and the area, period and measure (DuckDB's ``hash``),
so the same arguments give the same bytes (with the same DuckDB version). A ward's counts are
drawn; an authority's are the sum of its wards, a region's of its authorities, England's of its
regions, so the figures add up at every level.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import json
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
SEED_AREAS = REPO_ROOT / "dbt_project" / "seeds" / "areas.csv"
SYNTHETIC_SAMPLES = REPO_ROOT / "data" / "samples" / "generate_synthetic.py"

SEED = 20110401
FIRST_YEAR = 2001  # financial year 2001/02
ENGLAND = "E92000001"
NORTH_WEST = "E12000002"
SEFTON = "E08000014"
MERSEYSIDE = ["E08000011", "E08000012", "E08000013", SEFTON, "E08000015"]
SYNTHETIC_NOTE = (
    "Synthetic area of the scale benchmark (benchmarks/generate_scale.py): a GSS-shaped code "
    "that is not an ONS code"
)
# the share of authorities of each kind (the rest are districts, E07)
KINDS = {"E09": ("London borough", 0.11), "E08": ("Metropolitan borough", 0.12)}
KINDS_REST = {"E06": ("Unitary authority", 0.19), "E07": ("District", None)}

# dataset id -> (partner, revision window in complete years before the current one)
DATASETS = {
    "recorded_crime": ("synthetic_merseyside_police", 1),
    "ward_health_indicators": ("synthetic_nhs_sefton", 5),
    "out_of_work_benefit_claimants": ("synthetic_sefton_council", 5),
    "fire_incidents": ("synthetic_merseyside_fire", 5),
    "street_cleanliness_surveys": ("synthetic_sefton_council", 5),
}
# indicators (facts per area and complete financial year) each dataset gives the warehouse
INDICATORS = {
    "recorded_crime": 2,
    "ward_health_indicators": 2,
    "out_of_work_benefit_claimants": 1,
    "fire_incidents": 2,
    "street_cleanliness_surveys": 4,
}
SEED_COLUMNS = [
    "area_code",
    "area_name",
    "area_type",
    "parent_area_code",
    "is_gss_code",
    "is_code_verified",
    "is_in_england",
    "is_in_north_west",
    "is_in_merseyside",
    "is_in_most_similar_group",
    "notes",
]


@dataclass(frozen=True)
class Ward:
    code: str
    authority: str
    region: str
    population: int
    deprivation: float


def financial_year(index: int) -> str:
    """``2009/10`` for index 8."""
    start = FIRST_YEAR + index
    return f"{start}/{str(start + 1)[-2:]}"


# --- the areas ----------------------------------------------------------------------------------


def make_areas(
    rng: random.Random, authorities: int, wards: int
) -> tuple[list[dict[str, str]], list[Ward]]:
    """The area lookup rows (the seed's, then the generated ones) and the wards with data."""
    with SEED_AREAS.open(encoding="utf-8", newline="") as handle:
        seeded = list(csv.DictReader(handle))
    rows = [dict(row) for row in seeded]

    def area(code: str, name: str, kind: str, parent: str, north_west: bool) -> dict[str, str]:
        return {
            "area_code": code,
            "area_name": f"{name} (synthetic)",
            "area_type": kind,
            "parent_area_code": parent,
            "is_gss_code": "false",
            "is_code_verified": "false",
            "is_in_england": "true",
            "is_in_north_west": "true" if north_west else "false",
            "is_in_merseyside": "false",
            "is_in_most_similar_group": "",
            "notes": SYNTHETIC_NOTE,
        }

    regions = [NORTH_WEST] + [f"E12000{901 + i}" for i in range(8)]
    for number, code in enumerate(regions[1:], start=1):
        rows.append(area(code, f"Region {number}", "region", ENGLAND, False))
    london = regions[-1]

    # authorities: the five of Merseyside from the seed, then generated ones of each kind
    generated = max(0, authorities - len(MERSEYSIDE))
    counts = {prefix: round(generated * share) for prefix, (_, share) in KINDS.items()}
    counts["E06"] = round(generated * KINDS_REST["E06"][1])
    counts["E07"] = generated - sum(counts.values())
    authority_region: dict[str, str] = dict.fromkeys(MERSEYSIDE, NORTH_WEST)
    for prefix in ("E06", "E07", "E08", "E09"):
        label = {**KINDS, **KINDS_REST}[prefix][0]
        for number in range(1, counts[prefix] + 1):
            code = f"{prefix}{900 + number:06d}"
            region = london if prefix == "E09" else regions[rng.randrange(len(regions) - 1)]
            authority_region[code] = region
            rows.append(area(code, f"{label} {number}", "local_authority", region, False))
    for row in rows:
        if row["area_type"] == "local_authority" and row["area_code"] in authority_region:
            north_west = authority_region[row["area_code"]] == NORTH_WEST
            row["is_in_north_west"] = "true" if north_west else "false"

    # wards: Sefton's 22 from the seed, the rest shared among the other authorities
    sefton_wards = [r["area_code"] for r in seeded if r["area_type"] == "ward"]
    others = [code for code in authority_region if code != SEFTON]
    to_share = max(0, wards - len(sefton_wards))
    weights = [0.5 + rng.random() for _ in others]
    total = sum(weights)
    shares = [to_share * w / total for w in weights]
    per_authority = [int(s) for s in shares]
    by_remainder = sorted(range(len(others)), key=lambda i: shares[i] - per_authority[i])
    for i in reversed(by_remainder[len(by_remainder) - (to_share - sum(per_authority)) :]):
        per_authority[i] += 1

    ward_list = [
        Ward(code, SEFTON, NORTH_WEST, rng.randint(9_000, 14_000), rng.uniform(0.6, 1.9))
        for code in sefton_wards
    ]
    number = 0
    names = {r["area_code"]: r["area_name"].removesuffix(" (synthetic)") for r in rows}
    for authority, count in zip(others, per_authority, strict=True):
        for ward_number in range(1, count + 1):
            number += 1
            code = f"E05{900_000 + number:06d}"
            region = authority_region[authority]
            rows.append(
                area(
                    code,
                    f"{names[authority]} ward {ward_number}",
                    "ward",
                    authority,
                    region == NORTH_WEST,
                )
            )
            population = rng.randint(4_000, 16_000)
            ward_list.append(Ward(code, authority, region, population, rng.uniform(0.55, 2.0)))
    return rows, ward_list


# --- the figures --------------------------------------------------------------------------------

# u(...) is a uniform draw in [0, 1) and z(...) a roughly normal one (mean 0, sd 1), both a fixed
# function of the seed and the key.
FUNCTIONS = """
create or replace macro u(key) as (hash({seed} || '|' || key) % 1000003) / 1000003.0;
create or replace macro z(key) as
    (u(key || 'a') + u(key || 'b') + u(key || 'c') - 1.5) * 2;
"""

# every period of every dataset at ward level, drawn once; each landing restates a window
# of them with a revision factor
TABLES = """
create table years as select range as y from range({years});

create table ward_year as
select w.*, y.y, round(w.population * (1 + 0.004 * (y.y - 5)))::bigint as pop
from wards as w cross join years as y;

create table crime as
select
    wy.code, wy.y, m.m, o.offence,
    greatest(0, round(
        o.rate * pow(1 - o.fall, wy.y) * wy.deprivation * wy.pop / 1000 / 12
            * (1 + 0.08 * sin((m.m + o.phase) * pi() / 6))
        * (1 + 0.15 * z(wy.code || wy.y || m.m || o.offence))
    ))::bigint as recorded_crimes,
    wy.pop as population
from ward_year as wy
cross join (select range as m from range(12)) as m
cross join (values ('assault_with_injury', 8.2, 0.04, 0), ('serious_acquisitive', 14.5, 0.07, 6))
    as o(offence, rate, fall, phase);

create table claimants as
select
    wy.code, wy.y, q.q,
    least(wa, greatest(0, round(
        wa * least(0.45, (0.10 + 0.004 * wy.y) * (1 + 0.01 * (q.q - 2)) * pow(wy.deprivation, 1.2))
        * (1 + 0.05 * z(wy.code || wy.y || q.q || 'claimants'))
    )))::bigint as claimants,
    wa as working_age_population
from (select *, round(pop * 0.62)::bigint as wa from ward_year) as wy
cross join (select range + 1 as q from range(4)) as q;

create table fire as
select
    wy.code, wy.y, f.incident,
    greatest(0, round(
        f.rate * pow(1 - f.fall, wy.y) * wy.deprivation * wy.pop / 100000
        * (1 + 0.2 * z(wy.code || wy.y || f.incident))
    ))::bigint as incidents,
    wy.pop as population
from ward_year as wy
cross join (values ('primary_fire', 165, 0.04), ('deliberate_fire', 260, 0.07))
    as f(incident, rate, fall);

create table health as
select
    wy.code, wy.y, wy.pop,
    greatest(0, round(1500 * pow(1.04, wy.y) * pow(wy.deprivation, 0.8) * wy.pop / 100000
        * (1 + 0.1 * z(wy.code || wy.y || 'alcohol'))))::bigint as admissions,
    births,
    least(births, greatest(0, round(births
        * least(0.9, 0.42 / pow(wy.deprivation, 1.1) + 0.01 * wy.y)
        * (1 + 0.05 * z(wy.code || wy.y || 'breastfed')))))::bigint as breastfed
from (
    select *, greatest(1, round(pop * 0.0115 * (1 + 0.05 * z(code || y || 'births'))))::bigint
        as births
    from ward_year
) as wy;

create table cleanliness as
select
    wy.code, wy.y, wy.t, transects,
    {elements}
from (
    select wy.*, t.t,
        greatest(30, round(wy.pop * 0.0031 * (0.9 + 0.2 * u(wy.code || wy.y || t.t))))::bigint
            as transects
    from ward_year as wy cross join (select range + 1 as t from range(3)) as t
) as wy;
"""
ELEMENTS = {
    "litter": (0.10, -0.004),
    "detritus": (0.12, -0.003),
    "graffiti": (0.06, -0.003),
    "fly_posting": (0.012, -0.001),
}


def element_columns() -> str:
    return ",\n    ".join(
        f"least(transects, greatest(0, round(transects * least(0.6, greatest(0.002, "
        f"({share} + {change} * wy.y) * pow(wy.deprivation, 1.3))) "
        f"* (1 + 0.1 * z(wy.code || wy.y || wy.t || '{name}')))))::bigint "
        f"as {name}_below_standard"
        for name, (share, change) in ELEMENTS.items()
    )


def landing_queries(landing: int, windows: dict[str, int]) -> dict[str, str]:
    """For each dataset, the query of the file that lands in quarter ``landing`` (0-based):
    the year to date and the complete years of its revision window, revised, with every area's
    rows (a ward's drawn, the others summed from their wards)."""
    year, quarter = divmod(landing, 4)
    quarter += 1
    tranches = {1: 0, 2: 1, 3: 2, 4: 3}[quarter]  # tranches complete by the quarter's end

    def window(dataset: str, within_year: str) -> str:
        first = max(0, year - windows[dataset])
        return f"(x.y between {first} and {year - 1} or (x.y = {year} and {within_year}))"

    def revised(column: str, key: str) -> str:
        # a restated figure moves by up to 2% (small counts by up to one) between extracts
        return (
            f"greatest(0, round({column} * (1 + 0.02 * (u({key} || 'r{landing}') - 0.5)) "
            f"+ 1.2 * (u({key} || 's{landing}') - 0.5)))::bigint"
        )

    rolled = "join lineage as l on x.code = l.ward_code"
    below = ", ".join(
        f"sum(least(x.transects, {revised(f'x.{name}', 'x.code || x.y || x.t')}))::bigint as {name}"
        for name in (f"{element}_below_standard" for element in ELEMENTS)
    )
    return {
        "recorded_crime": f"""
            select l.area_code,
                ({FIRST_YEAR} + x.y + (x.m >= 9)::int)::varchar || '-'
                    || lpad(((x.m + 3) % 12 + 1)::varchar, 2, '0') as month,
                x.offence as offence_group,
                sum({revised("x.recorded_crimes", "x.code || x.y || x.m || x.offence")})::bigint
                    as recorded_crimes,
                sum(x.population)::bigint as population,
                'Y' as is_synthetic
            from crime as x {rolled}
            where {window("recorded_crime", f"x.m < {3 * quarter}")}
            group by l.area_code, x.y, x.m, x.offence order by l.area_code, x.y, x.m, x.offence""",
        "out_of_work_benefit_claimants": f"""
            select l.area_code,
                'Q' || x.q || ' ' || fy(x.y) as quarter,
                sum(least(x.working_age_population,
                    {revised("x.claimants", "x.code || x.y || x.q")}))::bigint as claimants,
                sum(x.working_age_population)::bigint as working_age_population,
                'Y' as is_synthetic
            from claimants as x {rolled}
            where {window("out_of_work_benefit_claimants", f"x.q <= {quarter}")}
            group by l.area_code, x.y, x.q order by l.area_code, x.y, x.q""",
        "fire_incidents": f"""
            select l.area_code, fy(x.y) as financial_year, x.incident as incident_type,
                sum({revised("x.incidents", "x.code || x.y || x.incident")})::bigint as incidents,
                sum(x.population)::bigint as population,
                'Y' as is_synthetic
            from fire as x {rolled}
            where {window("fire_incidents", str(quarter == 4).lower())}
            group by l.area_code, x.y, x.incident order by l.area_code, x.y, x.incident desc""",
        "ward_health_indicators": f"""
            with summed as (
                select l.area_code, x.y,
                    sum({revised("x.admissions", "x.code || x.y || 'alcohol'")})::bigint
                        as admissions,
                    sum(x.pop)::bigint as pop,
                    sum(least(x.births, {revised("x.breastfed", "x.code || x.y || 'fed'")}))
                        ::bigint as breastfed,
                    sum(x.births)::bigint as births
                from health as x {rolled}
                where {window("ward_health_indicators", str(quarter == 4).lower())}
                group by l.area_code, x.y
            )
            select area_code, fy(y) as financial_year, indicator, numerator, denominator,
                value, 'Y' as is_synthetic
            from (
                select *, 'alcohol_admissions' as indicator, 1 as o, admissions as numerator,
                    pop as denominator, round(admissions / pop * 100000, 1) as value
                from summed
                union all
                select *, 'breastfeeding_6_8_weeks', 2, breastfed, births,
                    round(breastfed / births * 100, 1)
                from summed
            )
            order by area_code, y, o""",
        "street_cleanliness_surveys": f"""
            select l.area_code, fy(x.y) as financial_year, x.t as tranche,
                sum(x.transects)::bigint as transects_surveyed,
                {below},
                null as survey_cost, null as notes, 'Y' as is_synthetic
            from cleanliness as x {rolled}
            where {window("street_cleanliness_surveys", f"x.t <= {tranches}")}
            group by l.area_code, x.y, x.t order by l.area_code, x.y, x.t""",
    }


def complete_years_in(landing: int, dataset: str, windows: dict[str, int]) -> int:
    """How many complete financial years the dataset's file of this landing holds."""
    year, quarter = divmod(landing, 4)
    return min(year, windows[dataset]) + (quarter == 3)


# --- writing ------------------------------------------------------------------------------------


def _write_xlsx():
    """The workbook writer of the bundled synthetic samples (fixed timestamps, notes rows)."""
    spec = importlib.util.spec_from_file_location("generate_synthetic", SYNTHETIC_SAMPLES)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module.write_xlsx


def generate(
    output: Path,
    authorities: int = 300,
    wards: int = 7000,
    years: int = 10,
    seed: int = SEED,
    windows: dict[str, int] | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    """Write the lookup, the landings and ``scale.json`` under ``output``; return the summary."""
    windows = {d: w for d, (_, w) in DATASETS.items()} | (windows or {})
    say = (lambda *_: None) if quiet else (lambda text: print(text, flush=True))
    started = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 - made-up figures, not secrets
    area_rows, ward_list = make_areas(rng, authorities, wards)
    output.mkdir(parents=True, exist_ok=True)
    lookup = output / "areas.csv"
    with lookup.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, SEED_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(area_rows)
    kinds: dict[str, int] = {}
    for row in area_rows:
        kinds[row["area_type"]] = kinds.get(row["area_type"], 0) + 1
    say(f"  areas: {', '.join(f'{n:,} {k}' for k, n in kinds.items())} -> {lookup}")

    # the areas with data: every ward, and everything above a ward (not the area committees)
    lineage = [
        (ward.code, above)
        for ward in ward_list
        for above in (ward.code, ward.authority, ward.region, ENGLAND)
    ]
    with_data = len({above for _, above in lineage})

    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    con.execute("set preserve_insertion_order = true")
    con.execute(FUNCTIONS.format(seed=seed))
    con.execute(f"create macro fy(y) as ({FIRST_YEAR} + y)::varchar || '/' || "
                f"right(({FIRST_YEAR} + y + 1)::varchar, 2)")  # fmt: skip
    wards_table = pa.table(
        {
            "code": [w.code for w in ward_list],
            "authority": [w.authority for w in ward_list],
            "region": [w.region for w in ward_list],
            "population": pa.array([w.population for w in ward_list], pa.int64()),
            "deprivation": [w.deprivation for w in ward_list],
        }
    )
    lineage_table = pa.table(
        {"ward_code": [w for w, _ in lineage], "area_code": [a for _, a in lineage]}
    )
    con.register("wards_table", wards_table)
    con.register("lineage_table", lineage_table)
    con.execute("create table wards as select * from wards_table")
    con.execute("create table lineage as select * from lineage_table")
    con.execute(TABLES.format(years=years, elements=element_columns()))
    drawn = time.perf_counter() - started
    say(f"  {len(ward_list):,} wards drawn over {years} years in {drawn:.1f} s")

    write_xlsx = _write_xlsx()
    landings = []
    expected_facts = 0
    for landing in range(years * 4):
        year, quarter = divmod(landing, 4)
        label = f"{FIRST_YEAR + year}-{str(FIRST_YEAR + year + 1)[-2:]}_q{quarter + 1}"
        folder = output / "landings" / f"{landing + 1:02d}_{label}"
        files: dict[str, int] = {}
        for dataset, query in landing_queries(landing, windows).items():
            partner = DATASETS[dataset][0]
            suffix = "xlsx" if dataset == "ward_health_indicators" else "csv"
            path = folder / partner / dataset / f"{dataset}_{label}.{suffix}"
            relation = con.execute(query)
            columns = [d[0] for d in relation.description]
            rows = relation.fetchall()
            if not rows:
                continue  # nothing of this dataset is due yet
            path.parent.mkdir(parents=True, exist_ok=True)
            if suffix == "xlsx":
                notes = [
                    f"NHS Sefton - ward health indicators, extract of {label} (SYNTHETIC)",
                    "SYNTHETIC DATA: every figure is made up; none is an NHS statistic.",
                    f"Made by benchmarks/generate_scale.py with seed {seed}.",
                ]
                write_xlsx(path, "Ward indicators", notes, columns, rows)
            else:
                encoding = "cp1252" if dataset == "street_cleanliness_surveys" else "utf-8"
                buffer = io.StringIO(newline="")
                writer = csv.writer(buffer, lineterminator="\r\n")
                writer.writerow(columns)
                writer.writerows(["" if v is None else v for v in row] for row in rows)
                path.write_bytes(buffer.getvalue().encode(encoding))
            files[str(path.relative_to(output))] = len(rows)
            expected_facts += (
                complete_years_in(landing, dataset, windows) * INDICATORS[dataset] * with_data
            )
        landings.append({"folder": folder.name, "files": files, "rows": sum(files.values())})
        say(
            f"  [{landing + 1}/{years * 4}] {folder.name}: {len(files)} files, "
            f"{sum(files.values()):,} rows ({time.perf_counter() - started:.0f} s)"
        )
    con.close()

    summary = {
        "seed": seed,
        "sizes": {"authorities": authorities, "wards": wards, "years": years},
        "first_financial_year": financial_year(0),
        "last_financial_year": financial_year(years - 1),
        "areas": kinds,
        "areas_with_data": with_data,
        "revision_windows": windows,
        "landings": landings,
        "files": sum(len(x["files"]) for x in landings),
        "rows": sum(x["rows"] for x in landings),
        "bytes": sum(p.stat().st_size for p in (output / "landings").rglob("*") if p.is_file()),
        "expected_facts": expected_facts,
        "seconds": round(time.perf_counter() - started, 1),
    }
    (output / "scale.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", type=Path, help="folder to write the scale set in")
    parser.add_argument("--authorities", type=int, default=300)
    parser.add_argument("--wards", type=int, default=7000)
    parser.add_argument("--years", type=int, default=10, help="financial years from 2001/02")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    print(
        f"scale set: {args.authorities} authorities, {args.wards:,} wards, {args.years} years, "
        f"seed {args.seed}, into {args.output}",
        flush=True,
    )
    summary = generate(args.output, args.authorities, args.wards, args.years, args.seed)
    print(
        f"scale set: {summary['files']} files, {summary['rows']:,} rows, "
        f"{summary['bytes'] / 1024**2:,.0f} MB in {summary['seconds']} s; "
        f"{summary['expected_facts']:,} facts expected in the warehouse"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
