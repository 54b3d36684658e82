"""The area lookup: which area codes a partner's file may use.

The lookup is the dbt seed ``dbt_project/seeds/areas.csv`` (the same file ``dim_area`` is built
from), so an area the warehouse cannot place is refused at the door rather than lost in a join:
every value of a column with role ``area`` must be one of its ``area_code`` values. A user who
finds a code missing or wrong corrects the seed, and both ingestion and the warehouse follow.

The path is, in order: the ``path`` argument (the ``--areas`` option), the environment variable
``UNDERSTOOD_AREAS_PATH``, or the seed in this repository.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from ingestion.contracts import ContractError

AREAS_ENV = "UNDERSTOOD_AREAS_PATH"
SEED_PATH = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "areas.csv"
CODE_COLUMN = "area_code"


class AreaLookupError(ContractError):
    """The area lookup cannot be read; ingestion cannot check area codes without it."""


def areas_path(path: str | os.PathLike[str] | None = None) -> Path:
    """Where the area lookup is: the argument, else ``$UNDERSTOOD_AREAS_PATH``, else the seed."""
    if path is not None:
        return Path(path)
    from_env = os.environ.get(AREAS_ENV)
    return Path(from_env) if from_env else SEED_PATH


def load_area_codes(path: str | os.PathLike[str] | None = None) -> frozenset[str]:
    """The area codes of the lookup; raises :class:`AreaLookupError` naming what is wrong."""
    where = areas_path(path)
    try:
        with where.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            if reader.fieldnames is None or CODE_COLUMN not in reader.fieldnames:
                raise AreaLookupError(f"{where}:1: the area lookup has no {CODE_COLUMN} column")
            codes = [(row.get(CODE_COLUMN) or "").strip() for row in reader]
    except OSError as exc:
        raise AreaLookupError(f"{where}: the area lookup cannot be read: {exc.strerror}") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise AreaLookupError(f"{where}: the area lookup is not a readable CSV: {exc}") from None
    blank = [number for number, code in enumerate(codes, start=2) if not code]
    if blank:
        raise AreaLookupError(f"{where}:{blank[0]}: the area lookup has a row without a code")
    if not codes:
        raise AreaLookupError(f"{where}: the area lookup lists no areas")
    return frozenset(codes)
