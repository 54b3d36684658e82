"""superset/access.yml, read the way bootstrap.py reads it: the roles, partner roles, demo
users and row-level security rules it declares, and the mistakes it refuses.

Fast: YAML only (the Superset side is tested against the real server in test_access_server.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
SUPERSET_DIR = REPO_ROOT / "superset"
sys.path.insert(0, str(SUPERSET_DIR))

from access_control import ACCESS_FILE, AccessError, load_access  # noqa: E402

SQL_LAB = {"SQLLab", "SQL Lab", "SQL Editor", "Saved Queries", "Query Search", "Query"}
EDITING = {"can_write", "can_add", "can_edit", "can_delete", "muldelete", "can_import_"}
PARTNERS = [p["id"] for p in yaml.safe_load((REPO_ROOT / "ingestion" / "partners.yml").read_text())]


@pytest.fixture(scope="module")
def spec():
    return load_access()


def test_the_three_roles_are_declared(spec) -> None:
    assert {"Admin", "Analyst", "Partner Viewer"} <= set(spec.roles)
    assert spec.roles["Admin"].builtin
    assert spec.database == "Sefton Understood warehouse"


def test_partner_viewers_have_dashboards_only(spec) -> None:
    viewer = spec.roles["Partner Viewer"]
    views = {view for _, view in viewer.permissions}
    assert ("can_read", "Dashboard") in viewer.permissions
    assert ("can_read", "Chart") in viewer.permissions
    assert not views & SQL_LAB, "no SQL Lab for partners"
    assert ("can_sqllab", "Superset") not in viewer.permissions
    assert ("can_explore", "Superset") not in viewer.permissions
    # Only filter state and share links are written: nothing about charts, datasets or
    # dashboards themselves.
    written = {view for name, view in viewer.permissions if name.startswith(tuple(EDITING))}
    assert written <= {"DashboardFilterStateRestApi", "DashboardPermalinkRestApi"}
    assert viewer.all_datasets
    assert viewer.schemas == [], "partners get datasets one by one, never a whole schema"


def test_analysts_get_sql_lab_on_the_marts_only(spec) -> None:
    analyst = spec.roles["Analyst"]
    viewer = spec.roles["Partner Viewer"]
    assert set(viewer.permissions) <= set(analyst.permissions), "analysts see dashboards too"
    assert ("can_execute_sql_query", "SQLLab") in analyst.permissions
    assert ("can_sqllab", "Superset") in analyst.permissions
    assert analyst.schemas == ["marts"]
    names = {name for name, _ in analyst.permissions}
    assert not names & {"all_database_access", "all_datasource_access", "database_access"}
    assert ("can_write", "Database") not in analyst.permissions
    assert ("can_write", "Dataset") not in analyst.permissions
    assert ("can_write", "Chart") not in analyst.permissions


def test_every_partner_of_the_register_has_a_role_and_a_rule(spec) -> None:
    assert list(spec.partner_roles) == PARTNERS
    own_rules = {rule.roles[0]: rule for rule in spec.rules if rule.filter_type == "Regular"}
    assert set(own_rules) == set(spec.partner_roles.values())
    police = own_rules["Partner merseyside_police"]
    assert police.clause == "partner_id = 'merseyside_police'"


def test_rules_share_one_group_so_official_or_own_rows_show(spec) -> None:
    (official,) = [rule for rule in spec.rules if rule.filter_type == "Base"]
    assert official.clause == "marking = 'OFFICIAL'"
    # A base rule applies to every role except these: partners and any other role see
    # OFFICIAL rows only unless their own partner rule adds rows in the same group.
    assert set(official.roles) == {"Admin", "Analyst"}
    assert {rule.group_key for rule in spec.rules} == {"marking"}
    assert len({rule.name for rule in spec.rules}) == len(spec.rules)


def test_the_demo_users_come_from_the_environment(spec) -> None:
    users = {user.username_env: user for user in spec.users}
    assert {(user.username_env, user.password_env) for user in spec.users} == {
        ("SUPERSET_ANALYST_USER", "SUPERSET_ANALYST_PASSWORD"),
        ("SUPERSET_PARTNER_USER", "SUPERSET_PARTNER_PASSWORD"),
    }
    assert users["SUPERSET_ANALYST_USER"].roles == ["Analyst"]
    partner = users["SUPERSET_PARTNER_USER"]
    assert partner.partner == "merseyside_police"
    assert partner.roles == ["Partner Viewer", "Partner merseyside_police"]
    raw_users = yaml.safe_load(ACCESS_FILE.read_text())["users"]
    assert all(set(user) & {"password", "username"} == set() for user in raw_users)


def test_every_dataset_carries_the_columns_the_rules_read() -> None:
    datasets = sorted((SUPERSET_DIR / "assets" / "datasets").rglob("*.yaml"))
    assert datasets
    for path in datasets:
        columns = {c["column_name"] for c in yaml.safe_load(path.read_text())["columns"]}
        assert {"partner_id", "marking"} <= columns, path.name


def write_access(tmp_path: Path, change) -> Path:
    config = yaml.safe_load(ACCESS_FILE.read_text())
    change(config)
    path = tmp_path / "access.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["users"][0].update(roles=["Gamma Plus"]), "not declared"),
        (lambda c: c["users"][1].update(partner="acme"), "not in the register"),
        (lambda c: c["roles"]["Analyst"].update(includes=["Nobody"]), "not declared above"),
        (lambda c: c["roles"]["Analyst"]["permissions"].append(["can_read"]), "pair"),
        (lambda c: c["row_level_security"]["official"].update(unrestricted_roles=["X"]), "X"),
        (lambda c: c["partners"].update(role="Analyst"), "clash"),
    ],
)
def test_mistakes_are_refused(tmp_path: Path, change, message: str) -> None:
    with pytest.raises(AccessError, match=message):
        load_access(write_access(tmp_path, change))


def test_a_partner_id_that_is_not_an_identifier_is_refused(tmp_path: Path) -> None:
    register = tmp_path / "ingestion" / "partners.yml"
    register.parent.mkdir()
    register.write_text("- id: \"x' or '1'='1\"\n")
    with pytest.raises(AccessError, match="not"):
        load_access(repo_root=tmp_path)
