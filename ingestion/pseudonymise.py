"""Pseudonyms for the identifier columns of personal datasets.

A ``personal`` dataset is accepted only under an arrangement that records its legal basis (the
contract refuses to load otherwise), and its ``identifier`` columns never reach the raw zone as
they were sent: each value is replaced by its HMAC-SHA256 under a secret key, as 64 hex digits.
The same person gets the same pseudonym in every file, so records can still be linked, but the
value cannot be recovered without the key.

The key is a secret kept outside the repository, given in the environment variable
``UNDERSTOOD_PSEUDONYMISATION_KEY`` (at least 32 characters). Without it, personal files are left
in the landing zone and the run fails, rather than loading identifiers in the clear.
"""

from __future__ import annotations

import hashlib
import hmac
import os

import duckdb
import pyarrow as pa

KEY_ENV = "UNDERSTOOD_PSEUDONYMISATION_KEY"
BATCH_ROWS = 50_000
MIN_KEY_LENGTH = 32


class KeyMissing(RuntimeError):
    """No usable pseudonymisation key is configured."""


def key_from_env() -> bytes:
    """The pseudonymisation key from the environment; raises :class:`KeyMissing` if unusable."""
    key = os.environ.get(KEY_ENV, "")
    if len(key) < MIN_KEY_LENGTH:
        raise KeyMissing(
            f"personal data needs a pseudonymisation key of at least {MIN_KEY_LENGTH} "
            f"characters in ${KEY_ENV}; the file stays in the landing zone until one is set"
        )
    return key.encode("utf-8")


def pseudonym(key: bytes, value: str) -> str:
    """The pseudonym of ``value``: HMAC-SHA256 under ``key``, hex."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def pseudonym_table(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    column: str,
    key: bytes,
    name: str,
    batch_rows: int = BATCH_ROWS,
) -> None:
    """Create table ``name`` (value, pseudonym) for every distinct value of ``relation.column``.

    The pseudonyms are computed in Python once per distinct value, a batch at a time (so a file
    of millions of people never becomes millions of Python strings at once); the table is then
    joined in SQL.
    """
    con.execute(f"create table {name} (value varchar, pseudonym varchar)")
    reader = con.cursor()
    try:
        result = reader.execute(
            f"select distinct {column} as value from {relation} where {column} is not null"
        )
        while batch := result.fetchmany(batch_rows):
            values = [value for (value,) in batch]
            mapping = pa.table(
                {
                    "value": pa.array(values, pa.string()),
                    "pseudonym": pa.array([pseudonym(key, v) for v in values], pa.string()),
                }
            )
            con.register(f"{name}_arrow", mapping)
            try:
                con.execute(f"insert into {name} select value, pseudonym from {name}_arrow")
            finally:
                con.unregister(f"{name}_arrow")
    finally:
        reader.close()
