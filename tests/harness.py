"""Helpers the tests share: where things are, and running Makefile targets as a user would.

(A module of its own rather than conftest.py: several test folders have a conftest.py, and
``from conftest import ...`` would pick whichever came first on ``sys.path``.)
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
VENV = REPO_ROOT / ".venv"
SAMPLES_DIR = REPO_ROOT / "data" / "samples"


def make(*targets: str, data_dir: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    """Run Makefile targets as a user would, optionally against another data directory."""
    run_env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "UNDERSTOOD"))}
    if data_dir is not None:
        run_env["UNDERSTOOD_DATA_DIR"] = str(data_dir)
    run_env.update(env)
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(REPO_ROOT), *targets],
        env=run_env,
        capture_output=True,
        text=True,
        check=False,
    )
