"""What the access tests share: the demo partner viewer's organisation, the rows row-level
security should show them, and the restricted probe rows added to the served warehouse.

(A module of its own, not conftest.py: ``from conftest import`` would find the root one.)
"""

from __future__ import annotations

from pathlib import Path

import duckdb

# The demo partner viewer's organisation (superset/access.yml) and the partner viewers'
# row-level security, as SQL on the marts.
VIEWER_PARTNER = "merseyside_police"
VISIBLE_TO_PARTNER = f"(marking = 'OFFICIAL' or partner_id = '{VIEWER_PARTNER}')"
# Restricted rows added to the served copy: one of another partner (hidden from the
# partner viewer) and one of the viewer's own partner (shown).
RESTRICTED_PROBES = {"nhs_sefton": "NI 9901", VIEWER_PARTNER: "NI 9902"}


def add_restricted_rows(warehouse: Path) -> None:
    """Add OFFICIAL-SENSITIVE rows of two partners to the scorecard, the fact and the indicator
    values: copies of a real row with another code (scorecard) or another area (values)."""
    with duckdb.connect(str(warehouse)) as con:
        for partner, code in RESTRICTED_PROBES.items():
            params = {"partner": partner, "code": code}
            con.execute(
                "insert into marts.published_scorecard select * replace ("
                "'restricted-' || $partner as scorecard_row_id, $code as indicator_code, "
                "'Restricted probe of ' || $partner as indicator_title, "
                "$partner as partner_id, 'OFFICIAL-SENSITIVE' as marking) "
                "from marts.published_scorecard limit 1",
                params,
            )
            con.execute(
                "insert into marts.fct_indicator_value select * replace ("
                "'restricted-' || $partner as indicator_value_id, $partner as partner_id, "
                "'OFFICIAL-SENSITIVE' as marking, 'E08000011' as area_code) "
                "from marts.fct_indicator_value where is_latest_revision "
                "and area_code = 'E08000014' limit 1",
                {"partner": partner},
            )
            # indicator_values is a table built from the fact: the same probe goes in there
            con.execute(
                "insert into marts.indicator_values select * replace ("
                "'restricted-' || $partner as indicator_value_id, $partner as partner_id, "
                "$partner as source_partner, 'OFFICIAL-SENSITIVE' as marking, "
                "'E08000011' as area_code, 'Knowsley' as area_name) "
                "from marts.indicator_values where area_code = 'E08000014' limit 1",
                {"partner": partner},
            )
