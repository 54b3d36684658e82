"""Incidents: protocol breaches logged for the partner's Designated Person (protocol section 7).

Section 7.2 asks that non-compliance by a partner organisation is reported to that
organisation's Designated Person and, once established, to the Multi-Agency Information
Governance Group. Ingestion logs an incident when a file:

- comes from a partner that has not signed the Declaration of Acceptance and Participation, or
  has withdrawn from it;
- arrives outside the dates its Information Sharing Arrangement is in force;
- carries something that identifies a person in aggregated or depersonalised data (an
  "inappropriate, unauthorised or unlawful disclosure" in the words of section 7.1);
- holds spreadsheet formulas (a hostile file: formulas run when the file is opened).

``data/incidents/<incident_id>.json``: the incident id is the submission id, so a re-run after a
crash rewrites the same record instead of logging the breach twice. The record never repeats the
offending values; the quarantined file holds them for the Designated Person to examine.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_serializer

from ingestion import atomic
from ingestion.manifest import Reason, to_utc

# Rules whose failure is a breach of the protocol, with the section it breaches.
BREACH_SECTIONS = {
    "partner_not_signed": "3 (parties are those that signed the DAP)",
    "partner_withdrawn": "3 (parties are those that signed the DAP)",
    "agreement_not_in_force": "2.5 (sharing under an Information Sharing Arrangement)",
    "identifier_column": "1.3 (aggregated and depersonalised data identify no one)",
    "nhs_number": "1.3 (aggregated and depersonalised data identify no one)",
    "ni_number": "1.3 (aggregated and depersonalised data identify no one)",
    "postcode": "1.3 (aggregated and depersonalised data identify no one)",
    "email": "1.3 (aggregated and depersonalised data identify no one)",
    "phone": "1.3 (aggregated and depersonalised data identify no one)",
    "date_of_birth": "1.3 (aggregated and depersonalised data identify no one)",
    "formula": "4.15 (data access and security: a hostile file)",
}
MAIGG = "Multi-Agency Information Governance Group (once established)"


class Breach(BaseModel):
    """One kind of breach found in the file, how often, and the section of the protocol."""

    model_config = ConfigDict(extra="forbid")

    rule: str
    protocol_section: str
    occurrences: int
    example: str


class Incident(BaseModel):
    """A logged instance of non-compliance, addressed to the partner's Designated Person."""

    model_config = ConfigDict(extra="forbid")

    incident_id: str
    detected_at: datetime
    submission_id: str
    partner_id: str
    partner_name: str
    dataset_id: str
    source_file: str
    sha256: str
    report_to: str
    also_report_to: str = MAIGG
    breaches: list[Breach]
    action_taken: str
    quarantine_path: str | None = None

    @field_serializer("detected_at")
    def _utc(self, value: datetime) -> str:
        return to_utc(value).isoformat().replace("+00:00", "Z")


def breaches_in(counts: dict[str, int], examples: dict[str, Reason]) -> list[Breach]:
    """The breaches among the problems found: ``counts`` per rule, and one example of each."""
    return [
        Breach(
            rule=rule,
            protocol_section=section,
            occurrences=counts[rule],
            example=str(examples[rule]),
        )
        for rule, section in BREACH_SECTIONS.items()
        if counts.get(rule)
    ]


def write_incident(folder: Path, incident: Incident) -> Path:
    """Write ``<folder>/<incident_id>.json`` atomically; returns its path."""
    path = folder / f"{incident.incident_id}.json"
    text = json.dumps(incident.model_dump(mode="json"), indent=2, ensure_ascii=False)
    atomic.write_text(path, text + "\n")
    return path
