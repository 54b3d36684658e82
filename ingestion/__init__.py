"""Sefton Understood ingestion: partner files checked against the information sharing protocol.

A partner drops a file in ``data/landing/<partner>/<dataset>/``; ingestion archives it, checks it
against the dataset's contract and the partner register, and either loads it to the raw zone as
Parquet or quarantines it whole, writing one manifest per file and an incident for every breach
of the protocol. dbt builds the warehouse from the raw zone and the manifests.

Modules, in the order a file meets them:

- :mod:`ingestion.contracts`    the partner register and dataset contracts (YAML, validated)
- :mod:`ingestion.pipeline`     ``ingest_landing``: the whole journey of each landed file
- :mod:`ingestion.readers`      CSV and XLSX into an in-memory table of text cells
- :mod:`ingestion.validate`     columns, types, allowed values, ranges, duplicate keys
- :mod:`ingestion.areas`        the area lookup (the dbt seed) that area codes must be in
- :mod:`ingestion.periods`      the period formats a contract may agree
- :mod:`ingestion.identifiers`  personal identifiers and spreadsheet formulas
- :mod:`ingestion.pseudonymise` keyed hashes for the identifiers of personal datasets
- :mod:`ingestion.manifest`     the record of each submission
- :mod:`ingestion.incidents`    breaches reported to the partner's Designated Person
- :mod:`ingestion.catalogue`    the contracts as data (``catalogue/contracts.json``), for dbt
- :mod:`ingestion.retention`    deleting what is past its contract's retention
- :mod:`ingestion.atomic`       files written whole or not at all
- :mod:`ingestion.layout`       the folders of the data directory
- :mod:`ingestion.publish`      build beside the published warehouse, swap it in atomically

Run it with ``python -m ingestion`` (see :mod:`ingestion.__main__`). The package never imports
Airflow: the DAGs call it, as a person at a shell does.
"""
