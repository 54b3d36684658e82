"""Access control as code: roles, demo users and row-level security from ``access.yml``.

``load_access`` reads and checks the YAML without Superset (the tests import it from the
Airflow environment); ``apply_access`` runs inside Superset's app context, after the assets
are imported (the datasets' permissions exist only then), and makes the metadata database
match the file:

- each declared role gets exactly the listed permissions, plus ``datasource_access`` on the
  warehouse's datasets or ``schema_access`` on its schemas;
- one role per partner of the register (``Partner <id>``), with no permissions;
- each declared user is created, or updated (password, name, roles, active);
- the row-level security rules are replaced by the generated ones: a base rule
  ``marking = 'OFFICIAL'`` for every role but the unrestricted ones, and per partner a
  regular rule ``partner_id = '<id>'`` in the same group, so the two are OR-ed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SUPERSET_DIR = Path(__file__).resolve().parent
REPO_ROOT = SUPERSET_DIR.parent
ACCESS_FILE = SUPERSET_DIR / "access.yml"
PARTNER_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class AccessError(Exception):
    """access.yml is wrong, or names something Superset does not have."""


@dataclass
class RoleSpec:
    name: str
    builtin: bool = False
    permissions: list[tuple[str, str]] = field(default_factory=list)
    all_datasets: bool = False
    schemas: list[str] = field(default_factory=list)


@dataclass
class UserSpec:
    username_env: str
    password_env: str
    first_name: str
    last_name: str
    roles: list[str]
    partner: str | None = None


@dataclass
class RuleSpec:
    name: str
    description: str
    clause: str
    filter_type: str  # "Base" or "Regular", Superset's RowLevelSecurityFilterType values
    roles: list[str]  # Base: the roles exempted; Regular: the roles it applies to
    group_key: str


@dataclass
class AccessSpec:
    database: str
    roles: dict[str, RoleSpec]
    partner_roles: dict[str, str]  # partner id -> role name
    rules: list[RuleSpec]
    users: list[UserSpec]


def _require(mapping: dict[str, Any], key: str, where: str) -> Any:
    if key not in mapping or mapping[key] in (None, ""):
        raise AccessError(f"{where}: `{key}` is required")
    return mapping[key]


def _partner_ids(register: Path) -> list[str]:
    try:
        partners = yaml.safe_load(register.read_text(encoding="utf-8")) or []
    except FileNotFoundError as error:
        raise AccessError(f"partner register {register} not found") from error
    ids = [str(_require(partner, "id", str(register))) for partner in partners]
    for partner_id in ids:
        if not PARTNER_ID.match(partner_id):
            # The id is written into an SQL clause: only plain identifiers are accepted.
            raise AccessError(f"{register}: partner id {partner_id!r} is not [a-z0-9_]")
    if len(ids) != len(set(ids)):
        raise AccessError(f"{register}: partner ids are not unique")
    return ids


def _roles(config: dict[str, Any]) -> dict[str, RoleSpec]:
    declared = _require(config, "roles", "access.yml")
    roles: dict[str, RoleSpec] = {}
    for name, body in declared.items():
        body = body or {}
        if body.get("builtin"):
            roles[name] = RoleSpec(name=name, builtin=True)
            continue
        permissions: list[tuple[str, str]] = []
        for included in body.get("includes", []):
            if included not in roles or roles[included].builtin:
                raise AccessError(f"role {name}: includes {included!r}, not declared above it")
            permissions.extend(roles[included].permissions)
        for pair in body.get("permissions", []):
            if not (isinstance(pair, list) and len(pair) == 2):
                raise AccessError(f"role {name}: {pair!r} is not a [permission, view] pair")
            permissions.append((str(pair[0]), str(pair[1])))
        datasets = body.get("datasets")
        if datasets not in (None, "all"):
            raise AccessError(f"role {name}: `datasets` can only be `all`")
        included_roles = [roles[included] for included in body.get("includes", [])]
        roles[name] = RoleSpec(
            name=name,
            permissions=list(dict.fromkeys(permissions)),
            all_datasets=datasets == "all" or any(r.all_datasets for r in included_roles),
            schemas=list(
                dict.fromkeys(
                    [*(s for r in included_roles for s in r.schemas), *body.get("schemas", [])]
                )
            ),
        )
    return roles


def load_access(path: Path = ACCESS_FILE, repo_root: Path = REPO_ROOT) -> AccessSpec:
    """Read access.yml and the partner register into a checked specification."""
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    roles = _roles(config)

    partners = _require(config, "partners", "access.yml")
    role_pattern = str(_require(partners, "role", "partners"))
    partner_roles = {
        partner_id: role_pattern.format(partner_id=partner_id)
        for partner_id in _partner_ids(repo_root / _require(partners, "register", "partners"))
    }
    clashes = set(partner_roles.values()) & set(roles)
    if clashes:
        raise AccessError(f"partner roles clash with declared roles: {sorted(clashes)}")

    rls = _require(config, "row_level_security", "access.yml")
    if rls.get("datasets") != "all":
        raise AccessError("row_level_security: `datasets: all` is the only choice")
    group_key = str(_require(rls, "group_key", "row_level_security"))
    official = _require(rls, "official", "row_level_security")
    unrestricted = list(_require(official, "unrestricted_roles", "official"))
    for role in unrestricted:
        if role not in roles:
            raise AccessError(f"official: unrestricted role {role!r} is not declared")
    rules = [
        RuleSpec(
            name=str(_require(official, "name", "official")),
            description=str(official.get("description", "")),
            clause=str(_require(official, "clause", "official")),
            filter_type="Base",
            roles=unrestricted,
            group_key=group_key,
        )
    ]
    own = _require(rls, "own_partner", "row_level_security")
    for partner_id, role in partner_roles.items():
        rules.append(
            RuleSpec(
                name=str(_require(own, "name", "own_partner")).format(partner_id=partner_id),
                description=str(own.get("description", "")),
                clause=str(_require(own, "clause", "own_partner")).format(partner_id=partner_id),
                filter_type="Regular",
                roles=[role],
                group_key=group_key,
            )
        )

    users = []
    for entry in config.get("users", []):
        where = f"user {entry.get('username_env')}"
        user = UserSpec(
            username_env=str(_require(entry, "username_env", where)),
            password_env=str(_require(entry, "password_env", where)),
            first_name=str(_require(entry, "first_name", where)),
            last_name=str(_require(entry, "last_name", where)),
            roles=list(_require(entry, "roles", where)),
            partner=entry.get("partner"),
        )
        for role in user.roles:
            if role not in roles:
                raise AccessError(f"{where}: role {role!r} is not declared")
        if user.partner is not None:
            if user.partner not in partner_roles:
                raise AccessError(f"{where}: partner {user.partner!r} is not in the register")
            user.roles.append(partner_roles[user.partner])
        users.append(user)

    return AccessSpec(
        database=str(_require(config, "database", "access.yml")),
        roles=roles,
        partner_roles=partner_roles,
        rules=rules,
        users=users,
    )


# --- applying it, inside Superset's app context ---------------------------------------------


def apply_access(spec: AccessSpec, step: Callable[[str], None]) -> None:
    """Make Superset's roles, users and row-level security match ``spec``; one commit."""
    # Imported here: only inside Superset's app context.
    from superset.connectors.sqla.models import RowLevelSecurityFilter, SqlaTable
    from superset.extensions import db
    from superset.models.core import Database

    from superset import security_manager

    database = db.session.query(Database).filter_by(database_name=spec.database).one_or_none()
    if database is None:
        raise AccessError(f"no database connection named {spec.database!r} to grant access to")
    datasets = (
        db.session.query(SqlaTable)
        .filter(SqlaTable.database_id == database.id)
        .order_by(SqlaTable.table_name)
        .all()
    )

    def permission(name: str, view: str) -> Any:
        pvm = security_manager.find_permission_view_menu(name, view)
        if pvm is None:
            raise AccessError(f"Superset has no permission [{name}, {view}]")
        return pvm

    roles = {}
    for role_spec in spec.roles.values():
        role = security_manager.find_role(role_spec.name)
        if role_spec.builtin:
            if role is None:
                raise AccessError(f"built-in role {role_spec.name!r} is missing")
            roles[role_spec.name] = role
            continue
        pvms = [permission(name, view) for name, view in role_spec.permissions]
        if role_spec.all_datasets:
            pvms.extend(permission("datasource_access", dataset.perm) for dataset in datasets)
        for schema in role_spec.schemas:
            schema_perm = security_manager.get_schema_perm(
                database.database_name, database.get_default_catalog(), schema
            )
            pvms.append(security_manager.add_permission_view_menu("schema_access", schema_perm))
        role = role or security_manager.add_role(role_spec.name, commit=False)
        role.permissions = list(dict.fromkeys(pvms))
        roles[role_spec.name] = role
        step(f"role {role_spec.name!r}: {len(role.permissions)} permissions")

    for role_name in spec.partner_roles.values():
        role = security_manager.find_role(role_name) or security_manager.add_role(
            role_name, commit=False
        )
        role.permissions = []
        roles[role_name] = role
    step(f"{len(spec.partner_roles)} partner roles ({', '.join(spec.partner_roles)})")

    for user_spec in spec.users:
        username = os.environ.get(user_spec.username_env, "").strip()
        password = os.environ.get(user_spec.password_env, "")
        if not username or not password:
            step(
                f"user not created: {user_spec.username_env} and {user_spec.password_env} "
                "are not both set"
            )
            continue
        user_roles = [roles[name] for name in user_spec.roles]
        user = security_manager.find_user(username=username)
        if user is None:
            user = security_manager.add_user(
                username,
                user_spec.first_name,
                user_spec.last_name,
                f"{username}@localhost",
                user_roles,
                password,
                commit=False,
            )
            if not user:
                raise AccessError(f"could not create user {username!r}")
            action = "created"
        else:
            security_manager.reset_password(user.id, password)
            user = security_manager.find_user(username=username)
            action = "updated"
        user.first_name = user_spec.first_name
        user.last_name = user_spec.last_name
        user.roles = user_roles
        user.active = True
        step(f"user {username!r} {action}: {', '.join(user_spec.roles)}")

    existing = {rule.name: rule for rule in db.session.query(RowLevelSecurityFilter).all()}
    for rule_spec in spec.rules:
        rule = existing.pop(rule_spec.name, None) or RowLevelSecurityFilter(name=rule_spec.name)
        rule.description = rule_spec.description
        rule.filter_type = rule_spec.filter_type
        rule.group_key = rule_spec.group_key
        rule.clause = rule_spec.clause
        rule.roles = [roles[name] for name in rule_spec.roles]
        rule.tables = list(datasets)
        db.session.add(rule)
    for stale in existing.values():
        db.session.delete(stale)
    step(
        f"{len(spec.rules)} row-level security rules on {len(datasets)} datasets"
        + (f", {len(existing)} undeclared removed" if existing else "")
    )
    db.session.commit()
