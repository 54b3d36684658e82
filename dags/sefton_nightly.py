"""Nightly load of the Sefton Understood warehouse.

At 02:00 London time: ingest whatever partners dropped in ``data/landing`` (one task per
dataset contract, so one partner's bad file never stops the others), build and test the
warehouse with dbt into ``warehouse.next.duckdb``, and publish it by atomic rename only when
every model and test passed. Dashboards and analysts keep reading yesterday's complete
warehouse until then.

The work itself lives in the ``ingestion`` package and the dbt project; this file only says
when it runs and in which order.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import CronTriggerTimetable, dag, task
from cosmos import DbtTaskGroup
from defaults import (
    DATA_DIR,
    DBT_EXECUTION_CONFIG,
    DBT_PROFILE_CONFIG,
    DBT_PROJECT_CONFIG,
    DBT_RENDER_CONFIG,
    DEFAULT_ARGS,
    WAREHOUSE_ASSET,
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
        operator_args={"append_env": True},
        default_args={"retries": 0},
    )

    @task(outlets=[WAREHOUSE_ASSET])
    def publish() -> str:
        """Swap the tested build in as the published warehouse (atomic rename)."""
        from ingestion.publish import publish as swap

        return str(swap(DATA_DIR))

    ingested = ingest.expand(dataset_id=list_datasets())
    [ingested, ingest_unrecognised()] >> prepare_build() >> transform >> publish()


sefton_nightly()
