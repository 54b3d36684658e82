"""Weekly housekeeping of the Sefton Understood data.

Mondays at 06:00 London time, three independent tasks:

- retention: delete the archived, raw and quarantined files past their contract's retention
  period, recording what was deleted (``ingestion.retention``);
- overdue submissions: which partners' files are past the due date their contract sets
  (``data/reports/overdue-<date>.md``);
- partnership reviews: the annual reviews of significant partnerships falling due in the next
  four weeks, from the partnership register (seed 002, Agenda Item 8, section 2.4;
  ``data/reports/reviews-<date>.md``).

Reports go to the task log and their file, and by e-mail when configured (``alerting.py``).
"""

from __future__ import annotations

from datetime import date

import pendulum
from airflow.sdk import CronTriggerTimetable, dag, get_current_context, task
from defaults import DATA_DIR, DEFAULT_ARGS


def _run_day() -> date:
    """The London calendar day the run is for (a re-run reports as of the same day)."""
    from reports import london_day

    return london_day(get_current_context()["dag_run"].run_after)


@dag(
    dag_id="sefton_housekeeping",
    schedule=CronTriggerTimetable("0 6 * * 1", timezone="Europe/London"),
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    tags=["sefton-understood", "housekeeping"],
)
def sefton_housekeeping() -> None:
    @task
    def retention() -> str:
        """Delete what each contract's retention says may no longer be kept, and record it."""
        from airflow.sdk.exceptions import AirflowSkipException

        try:
            from ingestion.retention import apply_retention
        except ImportError as exc:
            raise AirflowSkipException(
                f"retention is not available in this version of the ingestion package ({exc}): "
                "nothing was deleted"
            ) from exc
        report = apply_retention(DATA_DIR)
        print(report.summary())
        if report.failed:
            raise RuntimeError(f"{len(report.failed)} file(s) could not be deleted: see above")
        return report.summary()

    @task
    def overdue_submissions() -> str:
        """Report the partners whose files are past their contract's due date."""
        from alerting import publish_report
        from reports import overdue_report

        return str(publish_report(DATA_DIR, overdue_report(DATA_DIR, _run_day())))

    @task
    def partnership_reviews() -> str:
        """Remind of the annual reviews of significant partnerships falling due."""
        from alerting import publish_report
        from reports import review_reminders

        report, summary = review_reminders(DATA_DIR, _run_day())
        if report is None:
            print(f"nothing to do: {summary}")
            return summary
        publish_report(DATA_DIR, report)
        return summary

    retention()
    overdue_submissions()
    partnership_reviews()


sefton_housekeeping()
