"""The weekly housekeeping DAG run by Airflow on a copy of the pipeline's nightly data:
retention applied and recorded, the overdue report and the review reminders filed and e-mailed.
"""

from __future__ import annotations

import pytest
from airflow_testbed import SmtpSink, airflow, copy_data_dir

pytestmark = pytest.mark.slow


def test_housekeeping_runs_every_task(nightly_run, tmp_path) -> None:
    data_dir = copy_data_dir(nightly_run[0], tmp_path / "data")
    with SmtpSink() as sink:
        result = airflow(
            data_dir,
            "dags",
            "test",
            "sefton_housekeeping",
            AIRFLOW_CONN_SMTP_DEFAULT=sink.connection,
            AIRFLOW_VAR_UNDERSTOOD_ALERT_EMAIL="performance.team@sefton.example",
        )
        log = result.stdout + result.stderr
        assert result.returncode == 0, log[-5000:]
        subjects = [m["Subject"] for m in sink.messages]

    # retention ran for real (nothing in the samples is past its retention yet) and said so
    assert list((data_dir / "manifests" / "retention").glob("retention-*.json"))
    assert "retention: deleted 0 file(s)" in log

    [overdue] = (data_dir / "reports").glob("overdue-*.md")
    assert "## Overdue" not in overdue.read_text()  # the report's own title instead
    assert overdue.read_text().startswith("# Sefton Understood overdue submissions, ")
    assert any(s.startswith("Sefton Understood overdue submissions ") for s in subjects)

    reviews = list((data_dir / "reports").glob("reviews-*.md"))
    if (data_dir / "raw" / "partnership_register").is_dir():
        assert len(reviews) == 1
        assert "significant partnerships" in reviews[0].read_text()
        assert any(s.startswith("Sefton Understood partnership reviews") for s in subjects)
    else:
        assert reviews == []
        assert "nothing to do: no partnership register has been received" in log
