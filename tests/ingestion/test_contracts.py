"""The partner register and contracts load strictly, and errors say file, line and field."""

from __future__ import annotations

import re
from datetime import date

import pytest
import yaml
from ingestion_testbed import CONTRACT, PARTNERS, make_testbed

from ingestion.contracts import (
    ContractError,
    check_register,
    load_contract,
    load_contracts,
    load_partners,
)

INTERFACE_COLUMNS = [
    "area_code",
    "reporting_period",
    "scorecard",
    "indicator_code",
    "indicator_title",
    "polarity",
    "is_laa",
    "op_value",
    "regional_comparison",
    "national_comparison",
    "quartile",
    "latest_value",
    "latest_value_flag",
    "direction_of_travel",
    "rag",
    "notes",
]


def test_repository_contracts_and_partners_load_and_agree() -> None:
    contracts = load_contracts()
    partners = load_partners()
    check_register(contracts, partners)

    scorecard = contracts["ni_scorecard"]
    assert scorecard.partner_id == "sefton_council"
    assert [c.name for c in scorecard.table.columns] == INTERFACE_COLUMNS
    assert scorecard.table.key == ["indicator_code", "indicator_title"]
    assert scorecard.agreement.category == "aggregated"
    assert scorecard.agreement.marking == "OFFICIAL"
    assert not scorecard.agreement.sensitive
    assert scorecard.geography_level == "local_authority"
    assert scorecard.refresh_period == "quarterly"
    assert scorecard.delivery.format == "csv"
    assert scorecard.table.column("quartile").minimum == 1
    assert scorecard.table.column("quartile").maximum == 4

    council = partners["sefton_council"]
    assert council.signed_on == date(2010, 8, 4)
    assert council.withdrawn_on is None
    assert council.sector == "statutory"
    assert council.designated_person == "Data Protection & Security Officer"
    assert "ico_registration" in council.unverified
    assert {"nhs_sefton", "merseyside_police", "merseyside_fire_and_rescue", "sefton_cvs"} <= set(
        partners
    )
    assert partners["sefton_cvs"].sector == "voluntary"


def test_a_misspelt_field_names_the_file_line_and_field(tmp_path) -> None:
    testbed = make_testbed(tmp_path)
    path = testbed.write_contract()
    text = path.read_text().replace("type: integer", "tpye: integer")
    path.write_text(text)
    line = 1 + next(i for i, t in enumerate(text.splitlines()) if "tpye" in t)

    with pytest.raises(ContractError) as caught:
        load_contracts(testbed.contracts_dir)

    message = str(caught.value)
    assert f"{path}:{line}: schema.columns[4] (count).tpye: unknown field" in message
    # the misspelling also leaves the real field missing
    assert "schema.columns[4] (count).type: missing field" in message


def test_a_wrong_value_names_the_field(tmp_path) -> None:
    testbed = make_testbed(tmp_path)
    path = testbed.write_contract(agreement={"category": "aggregate", "retention": "7 years"})
    with pytest.raises(ContractError) as caught:
        load_contract(path)
    message = str(caught.value)
    assert re.search(rf"{re.escape(str(path))}:\d+: agreement.category: Input should be", message)
    assert "agreement.retention: '7 years' is not an ISO 8601 duration" in message


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {
                "schema": {
                    **CONTRACT["schema"],
                    "columns": [
                        *CONTRACT["schema"]["columns"],
                        {"name": "nhs_number", "type": "string", "role": "identifier"},
                    ],
                }
            },
            "no column may have role identifier: nhs_number",
        ),
        (
            {"agreement": {"category": "personal"}},
            "personal data needs legal_basis.schedule_2_condition",
        ),
        ({"schema": {**CONTRACT["schema"], "key": ["note"]}}, "key column 'note' must be required"),
        ({"delivery": {"sheet": "Data"}}, "sheet applies to xlsx files only"),
        ({"delivery": {"encoding": "klingon"}}, "encoding 'klingon' is not known"),
    ],
)
def test_protocol_rules_in_a_contract(tmp_path, changes, expected) -> None:
    testbed = make_testbed(tmp_path)
    path = testbed.write_contract(**changes)
    with pytest.raises(ContractError, match=re.escape(expected)):
        load_contract(path)


def test_dataset_ids_are_unique_across_partners(tmp_path) -> None:
    testbed = make_testbed(tmp_path)
    testbed.write_contract(partner="nhs_sefton")
    with pytest.raises(ContractError, match="already used by"):
        load_contracts(testbed.contracts_dir)


def test_ids_come_from_the_location_not_the_file(tmp_path) -> None:
    testbed = make_testbed(tmp_path)
    path = testbed.write_contract(dataset_id="something_else")
    with pytest.raises(ContractError, match="dataset_id: set by the file's location"):
        load_contract(path)


def test_a_key_given_twice_is_an_error(tmp_path) -> None:
    testbed = make_testbed(tmp_path)
    path = testbed.write_contract()
    path.write_text(path.read_text() + "theme: housing\n")
    with pytest.raises(ContractError, match=r":\d+: 'theme' given twice"):
        load_contract(path)


def test_partner_register_errors_name_the_entry(tmp_path) -> None:
    testbed = make_testbed(tmp_path)
    broken = [dict(p) for p in PARTNERS]
    broken[1]["signed_of"] = "2010-09-01"
    testbed.partners_path.write_text(yaml.safe_dump(broken, sort_keys=False))
    with pytest.raises(ContractError) as caught:
        load_partners(testbed.partners_path)
    assert re.search(
        r"partners.yml:\d+: \[1\] \(nhs_sefton\).signed_of: unknown field", str(caught.value)
    )


def test_withdrawal_before_signature_is_an_error(tmp_path) -> None:
    testbed = make_testbed(tmp_path)
    broken = [dict(p) for p in PARTNERS]
    broken[2]["withdrawn_on"] = date(2009, 1, 1)
    testbed.partners_path.write_text(yaml.safe_dump(broken, sort_keys=False))
    with pytest.raises(ContractError, match="withdrawn_on is before signed_on"):
        load_partners(testbed.partners_path)


def test_a_contract_needs_its_partner_in_the_register(tmp_path) -> None:
    testbed = make_testbed(tmp_path)
    testbed.write_contract(partner="acme_ltd", dataset="acme_counts")
    with pytest.raises(ContractError, match=r"'acme_ltd' .* is not in the partner register"):
        check_register(load_contracts(testbed.contracts_dir), load_partners(testbed.partners_path))
