"""The catalogue of contracts: the partnership's metabase of evidence sources, as data.

``data/catalogue/contracts.json`` is a JSON array with one object per usable contract, sorted by
dataset id, rewritten (atomically) by every ``python -m ingestion run`` and ``python -m ingestion
contracts``. dbt reads it as the source of ``dim_source``: what data is shared, by which partner,
under which arrangement, at what geography, refreshed how often, and whether it is synthetic.

Fields: ``dataset_id``, ``partner_id``, ``partner_name``, ``title``, ``theme``,
``geography_level``, ``refresh_period``, ``cadence``, ``due_day`` (days after a period ends
that its file is due; null when the contract sets none), ``agreement_reference``, ``category``,
``is_sensitive``, ``marking``, ``retention`` (ISO 8601 duration), ``valid_from`` and ``valid_to``
(ISO dates, ``valid_to`` null when open-ended), ``small_number_threshold`` (null when none) and
``is_synthetic``. Contracts that cannot be used are left out until they are mended.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ingestion import atomic
from ingestion.contracts import Contract, Partner
from ingestion.layout import Layout

FILE_NAME = "contracts.json"


def entry(contract: Contract, partner: Partner | None) -> dict[str, Any]:
    """One contract as the catalogue lists it."""
    agreement = contract.agreement
    return {
        "dataset_id": contract.dataset_id,
        "partner_id": contract.partner_id,
        "partner_name": partner.name if partner else None,
        "title": contract.title,
        "theme": contract.theme,
        "geography_level": contract.geography_level,
        "refresh_period": contract.refresh_period,
        "cadence": contract.delivery.cadence,
        "due_day": contract.delivery.due_day,
        "agreement_reference": agreement.reference,
        "category": agreement.category,
        "is_sensitive": agreement.sensitive,
        "marking": agreement.marking,
        "retention": agreement.retention,
        "valid_from": agreement.valid_from.isoformat(),
        "valid_to": agreement.valid_to.isoformat() if agreement.valid_to else None,
        "small_number_threshold": contract.disclosure.small_number_threshold,
        "is_synthetic": contract.is_synthetic,
    }


def write_catalogue(
    layout: Layout, contracts: dict[str, Contract], partners: dict[str, Partner]
) -> Path:
    """Write ``<data>/catalogue/contracts.json`` atomically; returns its path."""
    entries = [
        entry(contract, partners.get(contract.partner_id))
        for _, contract in sorted(contracts.items())
    ]
    path = layout.catalogue / FILE_NAME
    atomic.write_text(path, json.dumps(entries, indent=2, ensure_ascii=False) + "\n")
    return path
