"""Telling the right person: the failure callback and e-mail through Airflow's SMTP connection.

Nothing here is a DAG (the file is listed in ``.airflowignore``). E-mail goes out only when
both are configured, and everything is also written to the task log and to a file under
``data/reports/``, so nothing depends on e-mail alone:

- the connection ``smtp_default`` (host, port, login; extras ``from_email``, ``disable_tls``,
  ``disable_ssl``), e.g. from ``AIRFLOW_CONN_SMTP_DEFAULT`` or the Airflow UI;
- the recipients, comma-separated, in the Airflow variable ``understood_alert_email`` (or
  ``AIRFLOW_VAR_UNDERSTOOD_ALERT_EMAIL``).
"""

from __future__ import annotations

import html
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from reports import Report

log = logging.getLogger(__name__)

SMTP_CONN_ID = "smtp_default"
RECIPIENTS_VARIABLE = "understood_alert_email"
DEFAULT_FROM = "sefton-understood@localhost"
LONDON = ZoneInfo("Europe/London")


def recipients() -> list[str]:
    """The alert recipients from the Airflow variable; empty when none are configured."""
    from airflow.sdk import Variable

    value = Variable.get(RECIPIENTS_VARIABLE, default=None) or ""
    return [address.strip() for address in value.replace(";", ",").split(",") if address.strip()]


def send(subject: str, markdown: str, attachment: Path | None = None) -> str:
    """E-mail a report when SMTP and recipients are configured; returns what happened.

    A configured server that refuses the message raises: the task fails visibly (and is
    retried), rather than the morning's news being lost quietly.
    """
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    to = recipients()
    if not to:
        return f"not e-mailed: no recipients (Airflow variable {RECIPIENTS_VARIABLE})"
    try:
        BaseHook.get_connection(SMTP_CONN_ID)
    except AirflowNotFoundException:
        return f"not e-mailed: no Airflow connection {SMTP_CONN_ID}"

    from airflow.providers.smtp.hooks.smtp import SmtpHook

    body = f'<pre style="font-family: monospace">{html.escape(markdown)}</pre>'
    with SmtpHook(smtp_conn_id=SMTP_CONN_ID) as hook:
        hook.send_email_smtp(
            to=to,
            subject=subject,
            html_content=body,
            from_email=hook.from_email or DEFAULT_FROM,
            files=[str(attachment)] if attachment else None,
        )
    return f"e-mailed to {', '.join(to)}"


def publish_report(data_dir: str | os.PathLike[str] | None, report: Report) -> Path:
    """Write a report to its file and the task log, then e-mail it if configured."""
    from reports import write_report

    path = write_report(data_dir, report)
    log.info("%s\n\n%s", report.subject, report.markdown)
    log.info("report written to %s; %s", path, send(report.subject, report.markdown, path))
    return path


def notify_failure(context: Any) -> None:
    """``on_failure_callback`` of every task: say which task failed, why, and where to look.

    Runs after the task's last try has failed. Writes ``data/reports/failures/<...>.md`` and
    e-mails it when configured; a problem while alerting is logged, never raised (Airflow would
    only log it anyway, and the task has already failed).
    """
    from defaults import DATA_DIR
    from reports import Report

    ti = context["ti"]
    exception = context.get("exception")
    now = datetime.now(UTC)
    task = ti.task_id if ti.map_index in (None, -1) else f"{ti.task_id}[{ti.map_index}]"
    subject = f"Sefton Understood: {ti.dag_id} task {task} FAILED"
    markdown = "\n".join(
        [
            f"# {ti.dag_id}: task {task} failed",
            "",
            f"- Run: `{ti.run_id}`",
            f"- Try: {ti.try_number} (no retries left)",
            f"- Failed at: {now.astimezone(LONDON):%Y-%m-%d %H:%M} London time",
            f"- Error: `{type(exception).__name__ if exception else 'unknown'}`: {exception}",
            f"- Log: {ti.log_url}",
            "",
            "The published warehouse is only replaced when every step succeeds, so dashboards "
            "keep showing the last complete warehouse. The morning summary lists what loaded.",
            "",
        ]
    )
    name = f"failure-{now:%Y%m%dT%H%M%S}-{ti.dag_id}-{task}".replace("[", "-").replace("]", "")
    try:
        publish_report(
            DATA_DIR, Report(name=f"failures/{name}", subject=subject, markdown=markdown)
        )
    except Exception:
        log.exception(
            "could not deliver the failure alert for %s; it is in this log:\n%s", task, markdown
        )
