"""Set up Superset for Sefton Understood, and start or stop its web server.

Run with the Superset environment's Python, from anywhere:

    .venv/superset/bin/python superset/bootstrap.py init
    .venv/superset/bin/python superset/bootstrap.py serve --port 8088
    .venv/superset/bin/python superset/bootstrap.py stop
    .venv/superset/bin/python superset/bootstrap.py bundle --output assets.zip

``init`` (alias ``bootstrap``) is idempotent and does in one process what would otherwise take four
``superset`` commands (each pays ~17 s of start-up): ``db upgrade``, create or update the
admin user, ``init`` (roles and permissions), then import ``superset/assets/`` with
overwrite, the database connection pointed at ``$UNDERSTOOD_DATA_DIR/warehouse``, and
last the roles, demo users and row-level security of ``superset/access.yml``
(``access_control.py``).
The import uses Superset's ``ImportAssetsCommand`` (the command behind
``POST /api/v1/assets/import/``), which overwrites databases, datasets, charts and
dashboards; ``superset import-dashboards`` overwrites only the dashboards and keeps
stale charts and datasets.

``serve`` starts gunicorn in the background with its pid file and log under
``$SUPERSET_HOME`` and returns once ``/health`` answers. ``bundle`` writes the assets,
with the warehouse path filled in, as a zip for ``POST /api/v1/assets/import/``.

Environment (see superset_config.py for the rest):
    SUPERSET_SECRET_KEY       required
    SUPERSET_ADMIN_PASSWORD   required by ``init``
    SUPERSET_ADMIN_USER       default ``admin``
    SUPERSET_ADMIN_EMAIL      default ``<user>@localhost``
    SUPERSET_ANALYST_USER, SUPERSET_ANALYST_PASSWORD   the demo analyst (access.yml)
    SUPERSET_PARTNER_USER, SUPERSET_PARTNER_PASSWORD   the demo partner viewer
    UNDERSTOOD_DATA_DIR       default ``data/`` in the repository
    SUPERSET_HOME             default ``$UNDERSTOOD_DATA_DIR/superset``
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml
from access_control import AccessError, AccessSpec, apply_access, load_access

SUPERSET_DIR = Path(__file__).resolve().parent
REPO_ROOT = SUPERSET_DIR.parent
ASSETS_DIR = SUPERSET_DIR / "assets"
DATA_DIR_PLACEHOLDER = "__UNDERSTOOD_DATA_DIR__"
ASSET_FOLDERS = ("databases", "datasets", "charts", "dashboards")


class BootstrapError(Exception):
    """A problem a person can fix; printed without a traceback."""


# A copy of the terminal's stdout, so progress shows while Superset's output is logged.
CONSOLE = os.fdopen(os.dup(1), "w", buffering=1)


def step(message: str) -> None:
    print(f"[superset] {message}", file=CONSOLE, flush=True)


def data_dir() -> Path:
    return Path(os.environ.get("UNDERSTOOD_DATA_DIR") or REPO_ROOT / "data").resolve()


def state_dir() -> Path:
    return Path(os.environ.get("SUPERSET_HOME") or data_dir() / "superset").resolve()


def warehouse_path() -> Path:
    return data_dir() / "warehouse" / "warehouse.duckdb"


def prepare_environment() -> None:
    """Point Superset at our configuration and state directory; check the secret key."""
    os.environ.setdefault("SUPERSET_CONFIG_PATH", str(SUPERSET_DIR / "superset_config.py"))
    os.environ.setdefault("UNDERSTOOD_DATA_DIR", str(data_dir()))
    os.environ.setdefault("SUPERSET_HOME", str(state_dir()))
    state_dir().mkdir(parents=True, exist_ok=True)
    if not os.environ.get("SUPERSET_SECRET_KEY"):
        raise BootstrapError(
            "SUPERSET_SECRET_KEY is not set; export a long random value and keep it "
            "(python -c 'import secrets; print(secrets.token_urlsafe(42))')."
        )


# --- assets -------------------------------------------------------------------------------


def asset_contents() -> dict[str, str]:
    """The YAML files of superset/assets keyed by bundle path, warehouse path filled in."""
    warehouse_dir = str(warehouse_path().parent.parent)
    if any(char in warehouse_dir for char in "?#%"):
        raise BootstrapError(
            f"UNDERSTOOD_DATA_DIR {warehouse_dir!r} contains ?, # or %, which cannot "
            "appear in a connection URI; choose another directory."
        )
    paths = [ASSETS_DIR / "metadata.yaml"]
    for folder in ASSET_FOLDERS:
        paths.extend(sorted((ASSETS_DIR / folder).rglob("*.yaml")))
    contents = {}
    for path in paths:
        text = path.read_text(encoding="utf-8")
        try:
            yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise BootstrapError(f"{path} is not valid YAML: {error}") from error
        name = path.relative_to(ASSETS_DIR).as_posix()
        contents[name] = text.replace(DATA_DIR_PLACEHOLDER, warehouse_dir)
    return contents


def asset_summary(contents: dict[str, str]) -> str:
    counts = Counter(name.split("/", 1)[0] for name in contents if "/" in name)
    return ", ".join(f"{counts[folder]} {folder}" for folder in ASSET_FOLDERS)


def write_bundle(output: Path) -> None:
    """Zip the assets the way Superset exports them: one top folder, then the layout."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, text in asset_contents().items():
            bundle.writestr(f"sefton_understood_assets/{name}", text)
    output.write_bytes(buffer.getvalue())


# --- bootstrap ----------------------------------------------------------------------------


def bootstrap() -> None:
    started = time.monotonic()
    prepare_environment()
    admin_user = os.environ.get("SUPERSET_ADMIN_USER") or "admin"
    admin_password = os.environ.get("SUPERSET_ADMIN_PASSWORD")
    if not admin_password:
        raise BootstrapError("SUPERSET_ADMIN_PASSWORD is not set.")
    admin_email = os.environ.get("SUPERSET_ADMIN_EMAIL") or f"{admin_user}@localhost"
    contents = asset_contents()
    try:
        access = load_access()
    except AccessError as error:
        raise BootstrapError(f"superset/access.yml: {error}") from error
    if not warehouse_path().exists():
        step(
            f"warning: no published warehouse at {warehouse_path()} yet; the dashboard "
            "will show errors until the pipeline publishes one."
        )

    log = state_dir() / "init.log"
    step(f"loading Superset (about 20 s; its own output goes to {log})")
    try:
        with output_to(log):
            set_up_superset(admin_user, admin_password, admin_email, contents, access)
    except BootstrapError:
        raise
    except AccessError as error:
        raise BootstrapError(f"superset/access.yml: {error}") from error
    except Exception as error:
        raise BootstrapError(
            f"{type(error).__name__}: {error}\nlast lines of {log}:\n{tail(log)}"
        ) from error

    elapsed = time.monotonic() - started
    print(
        f"Superset bootstrap done in {elapsed:.0f} s: {asset_summary(contents)} imported, "
        f"admin user {admin_user!r}, {len(access.roles)} roles and "
        f"{len(access.rules)} row-level security rules from access.yml, "
        f"warehouse {warehouse_path()}",
        flush=True,
    )


def set_up_superset(
    admin_user: str,
    admin_password: str,
    admin_email: str,
    contents: dict[str, str],
    access: AccessSpec,
) -> None:
    """``superset db upgrade``, the admin user, ``superset init``, the import and the access
    rules, in-process."""
    # Imported here: Superset reads SUPERSET_CONFIG_PATH at import time.
    from flask_migrate import upgrade
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        # Superset's models can only be imported once the app exists.
        from superset.commands.importers.v1.assets import ImportAssetsCommand
        from superset.extensions import db
        from superset.utils.core import override_user

        from superset import appbuilder, security_manager

        step(f"migrating the metadata database {db.engine.url!r}")
        upgrade()

        step("syncing roles and permissions (superset init)")
        appbuilder.add_permissions(update_perms=True)
        security_manager.sync_role_definitions()
        db.session.commit()

        admin_role = security_manager.find_role("Admin")
        user = security_manager.find_user(username=admin_user)
        if user is None:
            step(f"creating admin user {admin_user!r}")
            user = security_manager.add_user(
                admin_user, "Superset", "Admin", admin_email, admin_role, admin_password
            )
            if not user:
                raise BootstrapError(f"could not create admin user {admin_user!r}")
        else:
            step(f"updating admin user {admin_user!r} (password, role, active)")
            security_manager.reset_password(user.id, admin_password)
            user = security_manager.find_user(username=admin_user)
            if admin_role not in user.roles:
                user.roles.append(admin_role)
            user.active = True
            db.session.commit()

        step(f"importing assets ({asset_summary(contents)}) with overwrite")
        with override_user(user):
            ImportAssetsCommand(contents).run()

        # After the import: datasource permissions exist once the datasets do.
        step("roles, users and row-level security from access.yml")
        apply_access(access, step)


@contextmanager
def output_to(log: Path) -> Iterator[None]:
    """Send everything written to stdout and stderr (Superset's logging, alembic, warnings)
    to ``log``, at the file-descriptor level; ``step`` still writes to the terminal."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    try:
        with log.open("wb") as sink:
            os.dup2(sink.fileno(), 1)
            os.dup2(sink.fileno(), 2)
            try:
                yield
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
    finally:
        os.close(saved[0])
        os.close(saved[1])


# --- serve and stop ----------------------------------------------------------------------


def pid_file() -> Path:
    return state_dir() / "gunicorn.pid"


def log_file() -> Path:
    return state_dir() / "gunicorn.log"


def running_pid() -> int | None:
    try:
        pid = int(pid_file().read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    return pid


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=5) as response:  # noqa: S310
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def serve(host: str, port: int, workers: int, threads: int, timeout: float) -> None:
    prepare_environment()
    url = f"http://{host}:{port}"
    pid = running_pid()
    if pid is not None and healthy(url):
        print(f"Superset already serving {url} (pid {pid}, {pid_file()})", flush=True)
        return
    if pid is not None:
        raise BootstrapError(
            f"a Superset server is already running (pid {pid}, {pid_file()}); "
            "stop it first with `bootstrap.py stop`."
        )
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [
        str(gunicorn),
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", str(threads),
        "--timeout", "120",
        "--limit-request-line", "0",
        "--limit-request-field_size", "0",
        "--pid", str(pid_file()),
        "superset.app:create_app()",
    ]  # fmt: skip
    step(f"starting gunicorn on {url} (log {log_file()})")
    started = time.monotonic()
    with log_file().open("ab") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=state_dir(),
        )
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise BootstrapError(
                f"gunicorn exited with code {process.returncode}; see {log_file()}:\n"
                + tail(log_file())
            )
        if healthy(url):
            print(
                f"Superset serving {url} (pid {process.pid}, pid file {pid_file()}, "
                f"healthy after {time.monotonic() - started:.0f} s)",
                flush=True,
            )
            return
        time.sleep(1)
    process.terminate()
    raise BootstrapError(f"Superset not healthy after {timeout:.0f} s; see {log_file()}")


def stop(timeout: float) -> None:
    pid = running_pid()
    if pid is None:
        step(f"no Superset server running ({pid_file()})")
        return
    step(f"stopping gunicorn (pid {pid})")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running_pid() != pid:
            print(f"Superset server stopped (pid {pid})", flush=True)
            return
        time.sleep(0.5)
    os.kill(pid, signal.SIGKILL)
    pid_file().unlink(missing_ok=True)
    print(f"Superset server killed after {timeout:.0f} s (pid {pid})", flush=True)


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "init", aliases=["bootstrap"], help="migrate, admin user, roles, import assets"
    )
    serve_parser = commands.add_parser("serve", help="start gunicorn in the background")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8088)
    serve_parser.add_argument("--workers", type=int, default=2)
    serve_parser.add_argument("--threads", type=int, default=4)
    serve_parser.add_argument("--timeout", type=float, default=180, help="seconds to wait")
    stop_parser = commands.add_parser("stop", help="stop the server started by serve")
    stop_parser.add_argument("--timeout", type=float, default=60)
    bundle_parser = commands.add_parser("bundle", help="zip the assets for the import API")
    bundle_parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)

    try:
        if args.command in {"init", "bootstrap"}:
            bootstrap()
        elif args.command == "serve":
            serve(args.host, args.port, args.workers, args.threads, args.timeout)
        elif args.command == "stop":
            stop(args.timeout)
        elif args.command == "bundle":
            write_bundle(args.output)
            print(f"wrote {args.output} ({asset_summary(asset_contents())})")
    except BootstrapError as error:
        print(f"[superset] error: {error}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
