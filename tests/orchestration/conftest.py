"""The orchestration tests import the DAGs' own modules (reports, alerting), as the
dag-processor does: with the dags folder on ``sys.path``."""

from __future__ import annotations

import sys

from harness import REPO_ROOT

DAGS = str(REPO_ROOT / "dags")
if DAGS not in sys.path:
    sys.path.insert(0, DAGS)
