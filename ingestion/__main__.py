"""Command line: ``python -m ingestion`` (or ``understood-ingest``).

    python -m ingestion run [--dataset ID]          ingest what is in the landing zone
    python -m ingestion check FILE --dataset ID     check a file against a contract; write nothing
    python -m ingestion contracts                   list the contracts and when each last arrived
    python -m ingestion retention [--dry-run]       delete what is past its contract's retention

Common options: ``--data-dir`` (default ``$UNDERSTOOD_DATA_DIR``), ``--contracts-dir`` and
``--partners`` (default: the contracts and register in this package), ``--areas`` (the area
lookup; default ``$UNDERSTOOD_AREAS_PATH``, else the dbt seed ``areas.csv``).

``run`` and ``contracts`` also write the catalogue, ``data/catalogue/contracts.json``.

Exit codes: ``run`` returns 0 when every file was processed, even if some were rejected
(rejection is a normal outcome), and 1 when something broke (a broken contract, a file that
could not be processed). ``check`` returns 0 when the file would be accepted, 1 when it would be
rejected, 2 on a usage error (unknown dataset, missing file). ``contracts`` returns 1 if a
contract cannot be used, ``retention`` 1 if it could not delete a file. Every command ends with
a one-line summary.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from ingestion import catalogue
from ingestion.contracts import ContractError, load_partners, read_contracts
from ingestion.layout import Layout
from ingestion.manifest import Manifest, read_manifests
from ingestion.pipeline import IngestionFailed, check_file, ingest_landing
from ingestion.retention import apply_retention

USAGE_ERROR = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout, force=True)
    try:
        return args.handler(args)
    except ContractError as exc:
        print(
            f"{exc}\n{args.command}: the contracts or the partner register are broken",
            file=sys.stderr,
        )
        return USAGE_ERROR if args.command == "check" else 1


def _run(args: argparse.Namespace) -> int:
    try:
        ingest_landing(
            args.data_dir,
            args.dataset,
            contracts_dir=args.contracts_dir,
            partners_path=args.partners,
            areas_path=args.areas,
        )
    except ValueError as exc:
        print(f"ingest: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except IngestionFailed as exc:
        print(f"ingest: FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


def _check(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        print(f"check: {path}: no such file", file=sys.stderr)
        return USAGE_ERROR
    try:
        verdict = check_file(
            path,
            args.dataset,
            contracts_dir=args.contracts_dir,
            partners_path=args.partners,
            areas_path=args.areas,
        )
    except ValueError as exc:
        print(f"check: {exc}", file=sys.stderr)
        return USAGE_ERROR
    for reason in verdict.problems.listed:
        print(reason)
    unlisted = verdict.problems.total - len(verdict.problems.listed)
    if unlisted:
        print(f"... and {unlisted} more problem(s) of the same kinds")
    if verdict.accepted:
        print(
            f"check: {path.name} would be accepted ({verdict.rows_read} rows, "
            f"{len(verdict.checks)} checks passed)"
        )
        return 0
    failed = ", ".join(c.name for c in verdict.checks if not c.passed)
    print(
        f"check: {path.name} would be rejected: {verdict.problems.total} problem(s) "
        f"({failed}); {verdict.rows_read} rows read"
    )
    return 1


def _contracts(args: argparse.Namespace) -> int:
    partners = load_partners(args.partners)
    contracts, broken = read_contracts(args.contracts_dir, partners)
    layout = Layout.of(args.data_dir)
    written = catalogue.write_catalogue(layout, contracts, partners)
    latest: dict[str, Manifest] = {}
    accepted: dict[str, Manifest] = {}
    for manifest in read_manifests(layout.manifests):
        if manifest.dataset_id is not None:  # oldest first, so the last one wins
            latest[manifest.dataset_id] = manifest
            if manifest.outcome == "accepted":
                accepted[manifest.dataset_id] = manifest
    heading = (
        "dataset",
        "partner",
        "agreement",
        "category",
        "marking",
        "cadence",
        "last received",
        "last accepted",
    )
    rows = [heading]
    for dataset_id, contract in contracts.items():
        last = latest.get(dataset_id)
        partner = partners.get(contract.partner_id)
        signed = "" if partner and partner.signed_on else " (not signed)"
        rows.append(
            (
                dataset_id,
                contract.partner_id + signed,
                contract.agreement.reference,
                contract.agreement.category,
                contract.agreement.marking,
                contract.delivery.cadence,
                f"{_when(last)} ({last.outcome})" if last else "never",
                _when(accepted.get(dataset_id)),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(heading))]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    for contract in broken:
        print(f"cannot be used: {contract.problem}", file=sys.stderr)
    received_count = sum(1 for d in contracts if d in latest)
    print(
        f"contracts: {len(contracts)} dataset(s) from "
        f"{len({c.partner_id for c in contracts.values()})} partner(s); {received_count} received, "
        f"{len(contracts) - received_count} never received"
        + (f"; {len(broken)} contract(s) cannot be used" if broken else "")
        + f"; catalogue written to {layout.relative(written)}"
    )
    return 1 if broken else 0


def _retention(args: argparse.Namespace) -> int:
    report = apply_retention(
        args.data_dir,
        dry_run=args.dry_run,
        contracts_dir=args.contracts_dir,
        progress=lambda line: print(line, flush=True),
    )
    print(report.summary())
    return 1 if report.failed else 0


def _common_options(default: object) -> argparse.ArgumentParser:
    """The options every command takes, before or after the command's name."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        default=default,
        help="data directory (default: $UNDERSTOOD_DATA_DIR, else data/ in the repo)",
    )
    common.add_argument(
        "--contracts-dir", default=default, help="folder of <partner>/<dataset>.yml contracts"
    )
    common.add_argument("--partners", default=default, help="partner register (partners.yml)")
    common.add_argument(
        "--areas",
        default=default,
        help="area lookup CSV with an area_code column (default: $UNDERSTOOD_AREAS_PATH, else "
        "dbt_project/seeds/areas.csv)",
    )
    return common


def _when(manifest: Manifest | None) -> str:
    return manifest.model_dump(mode="json")["received_at"] if manifest else "never"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ingestion",
        description="Check partner files against the information sharing protocol and load them.",
        parents=[_common_options(None)],
    )
    # Given after the command, the options override; not given, they keep the value from before.
    common = _common_options(argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run", parents=[common], help="ingest every file waiting in the landing zone"
    )
    run.add_argument("--dataset", help="only this dataset's folder (a contract's dataset id)")
    run.set_defaults(handler=_run)

    check = commands.add_parser(
        "check", parents=[common], help="check one file against a contract; write nothing"
    )
    check.add_argument("file", help="the file to check")
    check.add_argument("--dataset", required=True, help="the contract's dataset id")
    check.set_defaults(handler=_check)

    listing = commands.add_parser(
        "contracts",
        parents=[common],
        help="list the contracts and when each last arrived; write the catalogue",
    )
    listing.set_defaults(handler=_contracts)

    retention = commands.add_parser(
        "retention",
        parents=[common],
        help="delete archived and raw files past their contract's retention",
    )
    retention.add_argument(
        "--dry-run", action="store_true", help="list what would be deleted; delete nothing"
    )
    retention.set_defaults(handler=_retention)
    return parser


if __name__ == "__main__":
    sys.exit(main())
