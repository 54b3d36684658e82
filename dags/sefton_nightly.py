"""Nightly load of the Sefton Understood warehouse.

At 02:00 London time: ingest whatever partners dropped in ``data/landing`` (one task per
dataset contract, so one partner's bad file never stops the others), build and test the
warehouse with dbt into ``warehouse.next.duckdb``, and publish it by atomic rename only when
every model and test passed. Dashboards and analysts keep reading yesterday's complete
warehouse until then; after it, Superset drops its cached results of the tables that changed.

Whatever happened, the morning summary (``data/reports/nightly-<date>.md``, the task log, and
e-mail when configured) says what loaded, what was rejected and why, which partners are
overdue, and whether the warehouse was published; a failed task also sends its own alert.

The work itself lives in the ``ingestion`` package, the dbt project and ``reports.py``; this
file only says when it runs and in which order.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import CronTriggerTimetable, TriggerRule, dag, get_current_context, task
from cosmos import DbtTaskGroup
from defaults import (
    BUILD_WAREHOUSE,
    DATA_DIR,
    DBT_EXECUTION_CONFIG,
    DBT_OPERATOR_ARGS,
    DBT_PROFILE_CONFIG,
    DBT_PROJECT_CONFIG,
    DBT_RENDER_CONFIG,
    DEFAULT_ARGS,
    PUBLISHED_WAREHOUSE,
    WAREHOUSE_ASSET,
    report_after_build,
)


@dag(
    dag_id="sefton_nightly",
    schedule=CronTriggerTimetable("0 2 * * *", timezone="Europe/London"),
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    tags=["sefton-understood", "nightly"],
)
def sefton_nightly() -> None:
    @task
    def list_datasets() -> list[str]:
        """The dataset ids of every contract: one ingestion task each."""
        from ingestion.contracts import load_contracts

        return sorted(load_contracts())

    @task(retries=0)
    def ingest(dataset_id: str) -> dict[str, int]:
        """Ingest one dataset's landed files; a rejected file is an outcome, not a failure."""
        from ingestion.pipeline import ingest_landing, summarise

        return summarise(ingest_landing(DATA_DIR, dataset_id=dataset_id))

    @task(retries=0)
    def ingest_unrecognised() -> dict[str, int]:
        """Quarantine files dropped where no contract expects them, so none is lost."""
        from ingestion.pipeline import ingest_unrecognised as run
        from ingestion.pipeline import summarise

        return summarise(run(DATA_DIR))

    @task
    def prepare_build() -> str:
        """Start the build from a copy of the published warehouse."""
        from ingestion.publish import prepare_build as prepare

        return str(prepare(DATA_DIR))

    transform = DbtTaskGroup(
        group_id="dbt",
        project_config=DBT_PROJECT_CONFIG,
        profile_config=DBT_PROFILE_CONFIG,
        execution_config=DBT_EXECUTION_CONFIG,
        render_config=DBT_RENDER_CONFIG,
        operator_args=DBT_OPERATOR_ARGS,
        default_args={"retries": 0},
    )
    report_after_build(transform)

    @task(outlets=[WAREHOUSE_ASSET])
    def publish() -> str:
        """Swap the tested build in as the published warehouse (atomic rename).

        Run again after it succeeded, there is nothing new to swap in: the published warehouse
        stands, so publishing twice is publishing once.
        """
        from ingestion.publish import publish as swap

        if not BUILD_WAREHOUSE.exists() and PUBLISHED_WAREHOUSE.exists():
            print(f"no new build in {BUILD_WAREHOUSE}: {PUBLISHED_WAREHOUSE} is already published")
            return str(PUBLISHED_WAREHOUSE)
        return str(swap(DATA_DIR))

    @task(retries=2, retry_delay=timedelta(minutes=1))
    def refresh_dashboards() -> str:
        """Clear Superset's cached results of the datasets whose tables changed.

        Superset is reached through the Airflow connection ``superset_default`` (host, port,
        login and password of a user who owns the datasets); without it the task is skipped.
        """
        from airflow.sdk import Connection
        from airflow.sdk.exceptions import AirflowNotFoundException, AirflowSkipException

        from ingestion.dashboards import base_url, refresh_superset

        try:
            superset = Connection.get("superset_default")
        except AirflowNotFoundException:
            raise AirflowSkipException(
                "no Airflow connection superset_default: no Superset cache to clear"
            ) from None
        result = refresh_superset(
            PUBLISHED_WAREHOUSE,
            base_url(superset.host, superset.port),
            superset.login,
            superset.password,
        )
        return result.describe()

    @task(trigger_rule=TriggerRule.ALL_DONE, retries=2, retry_delay=timedelta(minutes=1))
    def summary() -> str:
        """The morning summary, written whatever happened before it, and e-mailed if configured."""
        from alerting import publish_report
        from reports import RunFacts, nightly_summary

        context = get_current_context()
        ti, dag_run = context["ti"], context["dag_run"]
        states = ti.get_task_states(dag_id=ti.dag_id, run_ids=[ti.run_id]).get(ti.run_id, {})
        states = {task_id: str(state) for task_id, state in states.items() if state is not None}
        facts = RunFacts(
            run_id=ti.run_id,
            started_at=dag_run.start_date,
            published=states.get("publish") == "success",
            task_states=states,
        )
        return str(publish_report(DATA_DIR, nightly_summary(DATA_DIR, facts)))

    @task(trigger_rule=TriggerRule.ONE_FAILED, retries=0, on_failure_callback=None)
    def check_run() -> None:
        """Fail the run when a task failed (the summary, which always runs, would hide it).

        Skipped when nothing failed. Each failed task has sent its own alert already.
        """
        raise RuntimeError("a task of this run failed: see the summary and the failed task's log")

    listed = list_datasets()
    ingested = ingest.expand(dataset_id=listed)
    unrecognised = ingest_unrecognised()
    prepared = prepare_build()
    published = publish()
    refreshed = refresh_dashboards()
    summarised = summary()
    [ingested, unrecognised] >> prepared >> transform >> published >> refreshed
    # The summary waits for every task to finish, whatever its outcome.
    everything = [listed, ingested, unrecognised, prepared, transform, published, refreshed]
    everything >> summarised
    [*everything, summarised] >> check_run()


sefton_nightly()
