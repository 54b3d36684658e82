"""Alerting: the morning summary and the failure callback reach a (local) mail server through
Airflow's SMTP connection, and are written to a file and the log whether or not e-mail is set up.
"""

from __future__ import annotations

import alerting
import pytest
from airflow_testbed import SmtpSink, airflow, body_text, copy_data_dir, latest_run_id
from harness import REPO_ROOT

RECIPIENTS = "performance.team@sefton.example, partnerships@sefton.example"


@pytest.fixture
def sink(monkeypatch: pytest.MonkeyPatch):
    with SmtpSink() as sink:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", sink.connection)
        monkeypatch.setenv("AIRFLOW_VAR_UNDERSTOOD_ALERT_EMAIL", RECIPIENTS)
        yield sink


def mail_env(sink: SmtpSink) -> dict[str, str]:
    return {
        "AIRFLOW_CONN_SMTP_DEFAULT": sink.connection,
        "AIRFLOW_VAR_UNDERSTOOD_ALERT_EMAIL": RECIPIENTS,
    }


def test_a_report_is_emailed_through_the_smtp_connection(sink, tmp_path) -> None:
    attachment = tmp_path / "nightly-2026-11-23.md"
    attachment.write_text("# Summary\n\n- q3 <draft> & co\n")
    outcome = alerting.send("Nightly summary", attachment.read_text(), attachment)
    assert outcome == f"e-mailed to {RECIPIENTS}"
    [message] = sink.wait_for(1)
    assert message["Subject"] == "Nightly summary"
    assert message["To"] == RECIPIENTS
    assert message["From"] == alerting.DEFAULT_FROM
    text = body_text(message)
    assert "q3 &lt;draft&gt; &amp; co" in text  # the HTML body, escaped
    assert "- q3 <draft> & co" in text  # the Markdown file, attached as sent
    assert [part.get_filename() for part in message.iter_attachments()] == [attachment.name]


def test_without_recipients_or_connection_nothing_is_sent(sink, monkeypatch) -> None:
    monkeypatch.delenv("AIRFLOW_VAR_UNDERSTOOD_ALERT_EMAIL")
    assert alerting.send("s", "body").startswith("not e-mailed: no recipients")
    monkeypatch.setenv("AIRFLOW_VAR_UNDERSTOOD_ALERT_EMAIL", RECIPIENTS)
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_DEFAULT")
    assert alerting.send("s", "body") == "not e-mailed: no Airflow connection smtp_default"
    assert sink.messages == []


PROBE_DAG = '''
"""A DAG whose only task fails, with the shared default arguments (and failure callback)."""
import pendulum
from airflow.sdk import dag, task
from defaults import DEFAULT_ARGS


@dag(dag_id="alert_probe", schedule=None, start_date=pendulum.datetime(2026, 1, 1),
     default_args={**DEFAULT_ARGS, "retries": 0})
def alert_probe():
    @task
    def boom():
        raise ValueError("the probe failed on purpose")

    boom()


alert_probe()
'''


@pytest.mark.slow
def test_a_failed_task_sends_an_alert_in_a_real_run(tmp_path) -> None:
    """`airflow dags test` of a failing task: the shared callback e-mails and files the alert."""
    dags = tmp_path / "dags"
    dags.mkdir()
    for module in ("defaults.py", "alerting.py", "reports.py", ".airflowignore"):
        (dags / module).symlink_to(REPO_ROOT / "dags" / module)
    (dags / "alert_probe.py").write_text(PROBE_DAG)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    assert airflow(data_dir, "db", "migrate").returncode == 0
    with SmtpSink() as sink:
        result = airflow(
            data_dir,
            "dags",
            "test",
            "alert_probe",
            AIRFLOW__CORE__DAGS_FOLDER=str(dags),
            **mail_env(sink),
        )
        assert result.returncode != 0, "the probe's run should fail"
        [message] = sink.wait_for(1)
    assert message["Subject"] == "Sefton Understood: alert_probe task boom FAILED"
    text = body_text(message)
    assert "ValueError" in text and "the probe failed on purpose" in text
    [filed] = (data_dir / "reports" / "failures").glob("failure-*-alert_probe-boom.md")
    assert "the probe failed on purpose" in filed.read_text()
    assert "alert_probe task boom FAILED" in result.stdout + result.stderr  # the task log


@pytest.mark.slow
def test_the_morning_summary_is_emailed_and_filed(nightly_run, tmp_path) -> None:
    """The summary task of the pipeline's real nightly run, run again with SMTP configured."""
    data_dir = copy_data_dir(nightly_run[0], tmp_path / "data")
    [filed] = (data_dir / "reports").glob("nightly-*.md")  # written by the nightly run itself
    first = filed.read_text()
    assert "**Warehouse published**" in first
    with SmtpSink() as sink:
        result = airflow(
            data_dir, "tasks", "test", "sefton_nightly", "summary", latest_run_id(data_dir),
            **mail_env(sink),
        )  # fmt: skip
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        [message] = sink.wait_for(1)
    subject = message["Subject"]
    assert subject.startswith("Sefton Understood nightly ")
    assert "warehouse published" in subject and "rejected" in subject
    text = body_text(message)
    assert "ni_scorecards_2009-10_q4.csv" in text  # loaded
    assert "ni_scorecards_2009-10_q3_draft.csv" in text and "quartile" in text  # rejected, why
    assert "## Overdue submissions" in text
    assert [p.get_filename() for p in message.iter_attachments()] == [filed.name]
    # the same run summarised again gives the same report, but for the time it was written
    again = filed.read_text()
    strip = [line for line in first.splitlines() if not line.startswith("Run `")]
    assert [line for line in again.splitlines() if not line.startswith("Run `")] == strip
    assert "Sefton Understood nightly" in result.stdout + result.stderr  # and the task log
