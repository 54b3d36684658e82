"""What the DAGs tell people: the morning summary and the weekly housekeeping reports.

Plain Python over the data directory (manifests, contracts, the raw zone, the published
warehouse), with no Airflow import, so that the tasks stay thin and the reports can be tested
without running a DAG. Each report is Markdown, written to ``data/reports/<name>.md`` by
:func:`write_report` and logged and e-mailed by the task (``alerting.py``).

- :func:`nightly_summary`: what the nightly run loaded, what it rejected and why, which partners
  are overdue, and whether the warehouse was published.
- :func:`overdue_report`: the overdue submissions alone (weekly).
- :func:`review_reminders`: the annual reviews of significant partnerships falling due
  (seed 002, Agenda Item 8, section 2.4), from the partnership register dataset.

When a submission is late: a contract's ``delivery.cadence`` divides the financial year
(April-March) into periods (months; quarters ending June, September, December, March; halves
ending September and March; years ending March) and ``delivery.due_day`` says how many days after
the end of a period its file is due. A dataset is overdue when the due date of the latest period
has passed and no file has been accepted since that period ended. Manifests do not say which
period a file covers, so a file accepted after a period ended is taken to be that period's
submission. Ad hoc datasets, contracts without a due day, partners who have not signed or have
withdrawn, and arrangements not in force are not assessed (the report says so).
"""

from __future__ import annotations

import calendar
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from ingestion import atomic
from ingestion.contracts import Contract, ContractError, Partner, load_contracts, load_partners
from ingestion.layout import Layout
from ingestion.manifest import Manifest, read_manifests, to_utc

LONDON = ZoneInfo("Europe/London")
REPORTS = "reports"
# Months in which a period ends, for each cadence (financial year: April to March).
PERIOD_END_MONTHS = {
    "monthly": set(range(1, 13)),
    "quarterly": {3, 6, 9, 12},
    "biannual": {3, 9},
    "annual": {3},
}
REGISTER_DATASET = "partnership_register"
REVIEW_LOOKAHEAD_DAYS = 28
REASONS_SHOWN = 5
FAILED_STATES = {"failed", "upstream_failed"}


@dataclass(frozen=True)
class Report:
    """A report ready to be written and sent: ``name`` is its file name without ``.md``."""

    name: str
    subject: str
    markdown: str
    needs_attention: bool = False


@dataclass(frozen=True)
class Overdue:
    """A dataset whose latest period's file is past its due date."""

    dataset_id: str
    partner_id: str
    partner_name: str
    title: str
    cadence: str
    period_end: date
    due_on: date
    days_overdue: int
    last_received: Manifest | None


@dataclass
class OverdueCheck:
    """The overdue datasets, and those that could not be assessed and why."""

    overdue: list[Overdue] = field(default_factory=list)
    not_assessed: list[tuple[str, str]] = field(default_factory=list)
    assessed: int = 0


@dataclass(frozen=True)
class RunFacts:
    """What the DAG knows about its own run, handed to :func:`nightly_summary`."""

    run_id: str
    started_at: datetime
    published: bool
    task_states: Mapping[str, str] = field(default_factory=dict)


# --- when files are due --------------------------------------------------------------------------


def last_period_end(cadence: str, on_or_before: date) -> date:
    """The last day of the latest period of ``cadence`` that ends on or before the given day."""
    months = PERIOD_END_MONTHS[cadence]
    year, month = on_or_before.year, on_or_before.month
    while True:
        end = date(year, month, calendar.monthrange(year, month)[1])
        if month in months and end <= on_or_before:
            return end
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)


def check_overdue(
    contracts: Mapping[str, Contract],
    partners: Mapping[str, Partner],
    manifests: Iterable[Manifest],
    today: date,
) -> OverdueCheck:
    """Which datasets are overdue on ``today`` (a London calendar day); see the module notes."""
    by_dataset: dict[str, list[Manifest]] = {}
    for manifest in manifests:
        if manifest.dataset_id:
            by_dataset.setdefault(manifest.dataset_id, []).append(manifest)
    check = OverdueCheck()
    for dataset_id, contract in sorted(contracts.items()):
        delivery, agreement = contract.delivery, contract.agreement
        partner = partners.get(contract.partner_id)
        why = None
        if delivery.cadence not in PERIOD_END_MONTHS:
            why = f"{delivery.cadence} cadence: no file is due on a date"
        elif delivery.due_day is None:
            why = "the contract sets no due day"
        elif partner is None or partner.refusal_on(today) is not None:
            why = "the partner has not signed the protocol or has withdrawn"
        elif agreement.refusal_on(today) is not None:
            why = f"arrangement {agreement.reference} is not in force"
        if why is not None:
            check.not_assessed.append((dataset_id, why))
            continue
        assert delivery.due_day is not None and partner is not None
        check.assessed += 1
        period_end = last_period_end(delivery.cadence, today - timedelta(days=delivery.due_day + 1))
        if period_end < agreement.valid_from:
            continue  # the first period of the arrangement is not due yet
        received = sorted(by_dataset.get(dataset_id, []), key=lambda m: to_utc(m.received_at))
        if any(
            m.outcome == "accepted" and london_day(m.received_at) > period_end for m in received
        ):
            continue
        due_on = period_end + timedelta(days=delivery.due_day)
        check.overdue.append(
            Overdue(
                dataset_id=dataset_id,
                partner_id=contract.partner_id,
                partner_name=partner.name,
                title=contract.title,
                cadence=delivery.cadence,
                period_end=period_end,
                due_on=due_on,
                days_overdue=(today - due_on).days,
                last_received=received[-1] if received else None,
            )
        )
    return check


# --- the reports ---------------------------------------------------------------------------------


def nightly_summary(
    data_dir: str | os.PathLike[str] | None,
    run: RunFacts,
    now: datetime | None = None,
    *,
    contracts_dir: str | os.PathLike[str] | None = None,
    partners_path: str | os.PathLike[str] | None = None,
) -> Report:
    """The morning summary of one nightly run (``run.started_at`` onwards)."""
    layout = Layout.of(data_dir)
    now = now or datetime.now(UTC)
    started = to_utc(run.started_at).replace(microsecond=0)  # manifests keep whole seconds
    day = london_day(run.started_at)
    manifests = read_manifests(layout.manifests)
    this_run = [m for m in manifests if started <= to_utc(m.received_at) <= to_utc(now)]
    accepted = [m for m in this_run if m.outcome == "accepted"]
    rejected = [m for m in this_run if m.outcome == "rejected"]
    duplicates = [m for m in this_run if m.outcome == "duplicate"]
    failed = sorted(t for t, state in run.task_states.items() if state in FAILED_STATES)
    waiting = _still_landed(layout)

    lines = [f"# Sefton Understood nightly run, {day.isoformat()}", ""]
    lines += [
        f"Run `{run.run_id}`, started {_london(run.started_at)}; "
        f"summary written {_london(now)} (London time).",
        "",
    ]
    published = layout.warehouse / "warehouse.duckdb"
    if run.published:
        lines += [
            f"**Warehouse published** at {_london(_mtime(published))}: dashboards and analysts "
            "now see tonight's data.",
        ]
    else:
        since = (
            f"the warehouse published {_london(_mtime(published))}"
            if published.exists()
            else "no warehouse (none has been published yet)"
        )
        lines += [
            "**Warehouse NOT published**: dashboards and analysts still see "
            f"{since}. The build is kept apart and was not swapped in.",
        ]
    lines.append("")
    if failed:
        lines += ["## Failed tasks", ""]
        lines += [f"- `{task_id}`: {run.task_states[task_id]}" for task_id in failed]
        lines += ["", "Each failed task's log in Airflow says why.", ""]

    lines += [
        f"## Loaded: {len(accepted)} file(s), {sum(m.rows_loaded for m in accepted)} rows",
        "",
    ]
    if accepted:
        lines += ["| partner | dataset | file | rows | submission |", "|---|---|---|---|---|"]
        lines += [
            f"| {m.partner_id} | {m.dataset_id} | {m.source_file} | {m.rows_loaded} "
            f"| {m.submission_id} |"
            for m in accepted
        ]
    else:
        lines.append("No file was loaded tonight.")
    lines.append("")

    lines += [f"## Rejected: {len(rejected)} file(s)", ""]
    if not rejected:
        lines.append("No file was rejected tonight.")
    for m in rejected:
        lines += [
            f"### {m.source_file}",
            "",
            f"From `{m.partner_id or 'unknown'}` for dataset `{m.dataset_id or 'none'}`, "
            f"submission `{m.submission_id}`: {m.reasons_total} problem(s), no rows loaded; "
            f"the file is in `{m.quarantine_path}` with `reason.txt`.",
            "",
        ]
        lines += [f"- {reason}" for reason in m.reasons[:REASONS_SHOWN]]
        if m.reasons_total > REASONS_SHOWN:
            lines.append(f"- ... and {m.reasons_total - REASONS_SHOWN} more (see `reason.txt`)")
        if m.incident_path:
            lines.append(f"- Protocol breach: incident recorded in `{m.incident_path}`.")
    lines.append("")

    if duplicates:
        lines += [f"## Already received: {len(duplicates)} file(s)", ""]
        lines += [
            f"- {m.source_file} ({m.dataset_id}): the same bytes as `{m.duplicate_of}`; "
            "nothing loaded twice."
            for m in duplicates
        ]
        lines.append("")
    if waiting:
        lines += [f"## Still in the landing zone: {len(waiting)} file(s)", ""]
        lines += [f"- `landing/{path}`" for path in waiting]
        lines += ["", "These could not be processed tonight and will be tried again.", ""]

    overdue_lines, overdue = _overdue_section(layout, day, contracts_dir, partners_path)
    lines += overdue_lines

    attention = bool(not run.published or failed or rejected or waiting or overdue)
    state = "published" if run.published else "NOT published"
    subject = (
        f"Sefton Understood nightly {day.isoformat()}: warehouse {state}; "
        f"{len(accepted)} loaded, {len(rejected)} rejected, {overdue} overdue"
    )
    return Report(
        name=f"nightly-{day.isoformat()}",
        subject=subject,
        markdown="\n".join(lines).rstrip() + "\n",
        needs_attention=attention,
    )


def overdue_report(
    data_dir: str | os.PathLike[str] | None,
    today: date,
    *,
    contracts_dir: str | os.PathLike[str] | None = None,
    partners_path: str | os.PathLike[str] | None = None,
) -> Report:
    """The weekly report of overdue submissions."""
    layout = Layout.of(data_dir)
    lines = [f"# Sefton Understood overdue submissions, {today.isoformat()}", ""]
    section, overdue = _overdue_section(layout, today, contracts_dir, partners_path)
    lines += section[2:]  # the section's own heading is the report's title here
    return Report(
        name=f"overdue-{today.isoformat()}",
        subject=f"Sefton Understood overdue submissions {today.isoformat()}: {overdue} overdue",
        markdown="\n".join(lines).rstrip() + "\n",
        needs_attention=overdue > 0,
    )


def review_reminders(
    data_dir: str | os.PathLike[str] | None,
    today: date,
    lookahead_days: int = REVIEW_LOOKAHEAD_DAYS,
) -> tuple[Report | None, str]:
    """The annual reviews of significant partnerships due within ``lookahead_days``.

    Reads the latest accepted submission of the partnership register (dataset
    ``partnership_register``) from the raw zone. A partnership's review falls due every year on
    the anniversary of the day it was entered in the register (``inputted_on``; the register's
    database asks for a review and risk assessment every year, Agenda Item 8, 2.4). Returns
    ``(None, why)`` when there is no register to read, else the report and a one-line summary.
    """
    layout = Layout.of(data_dir)
    registers = [
        m
        for m in read_manifests(layout.manifests)
        if m.dataset_id == REGISTER_DATASET and m.outcome == "accepted" and m.raw_path
    ]
    latest = max(registers, key=lambda m: to_utc(m.received_at), default=None)
    if latest is None or not (layout.root / str(latest.raw_path)).is_file():
        return None, (
            f"no partnership register has been received (dataset {REGISTER_DATASET}): "
            "there are no annual reviews to remind anyone of"
        )
    rows = _read_parquet(layout.root / str(latest.raw_path))
    significant = [r for r in rows if r.get("significance") == "significant"]
    horizon = today + timedelta(days=lookahead_days)
    due, undated = [], []
    for row in significant:
        entered = row.get("inputted_on")
        if not isinstance(entered, date):
            undated.append(row)
            continue
        review_on = next_anniversary(entered, today)
        if review_on < horizon:
            due.append((review_on, row))
    due.sort(key=lambda item: (item[0], str(item[1].get("partnership_name"))))

    lines = [
        f"# Partnership annual reviews due by {horizon.isoformat()}",
        "",
        f"From the partnership register received {_london(latest.received_at)} "
        f"(submission `{latest.submission_id}`): {len(significant)} significant partnerships. "
        "Each partnership officer reviews their partnership and its risk assessment every year "
        "(Agenda Item 8, 2.4); the review falls due on the anniversary of the day the "
        "partnership was entered in the register.",
        "",
    ]
    if due:
        lines += ["| review due | id | partnership | department |", "|---|---|---|---|"]
        lines += [
            f"| {on.isoformat()} | {row.get('partnership_id')} | {row.get('partnership_name')} "
            f"| {row.get('lead_department') or ''} |"
            for on, row in due
        ]
    else:
        lines.append(
            f"No review of a significant partnership falls due in the next {lookahead_days} days."
        )
    if undated:
        lines += [
            "",
            f"{len(undated)} significant partnership(s) have no date in the register, so their "
            "review date is unknown: "
            + ", ".join(f"{r.get('partnership_id')} {r.get('partnership_name')}" for r in undated),
        ]
    summary = (
        f"{len(due)} annual review(s) of significant partnerships due by {horizon.isoformat()}"
        + (f"; {len(undated)} without a date" if undated else "")
    )
    report = Report(
        name=f"reviews-{today.isoformat()}",
        subject=f"Sefton Understood partnership reviews: {summary}",
        markdown="\n".join(lines).rstrip() + "\n",
        needs_attention=bool(due or undated),
    )
    return report, summary


def write_report(data_dir: str | os.PathLike[str] | None, report: Report) -> Path:
    """Write ``data/reports/<name>.md`` atomically (a re-run replaces it); return its path."""
    path = Layout.of(data_dir).root / REPORTS / f"{report.name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(path, report.markdown)
    return path


# --- helpers -------------------------------------------------------------------------------------


def london_day(moment: datetime) -> date:
    """The London calendar day of a time (naive means UTC)."""
    return to_utc(moment).astimezone(LONDON).date()


def next_anniversary(day: date, on_or_after: date) -> date:
    """The first anniversary of ``day`` on or after the given day (29 February -> 28th)."""
    for year in (on_or_after.year, on_or_after.year + 1):
        last = calendar.monthrange(year, day.month)[1]
        candidate = date(year, day.month, min(day.day, last))
        if candidate >= on_or_after:
            return candidate
    raise AssertionError("unreachable: next year's anniversary is always later")


def _overdue_section(
    layout: Layout,
    today: date,
    contracts_dir: str | os.PathLike[str] | None,
    partners_path: str | os.PathLike[str] | None,
) -> tuple[list[str], int]:
    lines = ["## Overdue submissions", ""]
    try:
        contracts = load_contracts(contracts_dir)
        partners = load_partners(partners_path)
    except ContractError as exc:
        problem = f"The contracts could not be read, so lateness is unknown:\n\n```\n{exc}\n```"
        return [*lines, problem, ""], 0
    check = check_overdue(contracts, partners, read_manifests(layout.manifests), today)
    if check.overdue:
        lines += [
            "| partner | dataset | cadence | period ended | due by | days overdue "
            "| last received |",
            "|---|---|---|---|---|---|---|",
        ]
        for o in check.overdue:
            last = (
                f"{london_day(o.last_received.received_at).isoformat()} ({o.last_received.outcome})"
                if o.last_received
                else "never"
            )
            lines.append(
                f"| {o.partner_name} | {o.dataset_id} | {o.cadence} | {o.period_end.isoformat()} "
                f"| {o.due_on.isoformat()} | {o.days_overdue} | {last} |"
            )
    else:
        lines.append(f"No partner is overdue ({check.assessed} dataset(s) assessed).")
    if check.not_assessed:
        lines += ["", "Not assessed:"]
        lines += [f"- `{dataset_id}`: {why}" for dataset_id, why in check.not_assessed]
    lines.append("")
    return lines, len(check.overdue)


def _still_landed(layout: Layout) -> list[str]:
    if not layout.landing.is_dir():
        return []
    return sorted(
        path.relative_to(layout.landing).as_posix()
        for path in layout.landing.rglob("*")
        if path.is_file()
        and not any(p.startswith(".") for p in path.relative_to(layout.landing).parts)
    )


def _read_parquet(path: Path) -> list[dict[str, object]]:
    import duckdb

    with duckdb.connect() as con:
        relation = con.execute("select * from read_parquet(?)", [str(path)])
        names = [d[0] for d in relation.description]
        return [dict(zip(names, row, strict=True)) for row in relation.fetchall()]


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _london(moment: datetime) -> str:
    return to_utc(moment).astimezone(LONDON).strftime("%Y-%m-%d %H:%M")
