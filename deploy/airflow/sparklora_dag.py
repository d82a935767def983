"""Airflow DAG: a daily SparkLoRA fine-tuning run, checked through its summary.json.

train_lora     SparkSubmitOperator running the cluster jar's `train` command. SparkLoRA's exit code decides the
               task state (0 success or already complete, 2 configuration error, 3 data error, 4 training stopped,
               1 other); a retry of a crashed run resumes from its newest complete checkpoint, and a retry of a
               finished run is a no-op that exits 0, so Airflow retries are safe.
check_summary  reads <output.path>/summary.json and fails unless "status" is "succeeded" -- the record SparkLoRA
               writes last, after the adapter is in place. In YARN/Kubernetes cluster mode spark-submit only reports
               success or failure, so this check is what tells a finished adapter from anything else.

Set the Airflow Variables sparklora_jar, sparklora_job_config and sparklora_output_root (or edit the defaults
below) and the Spark connection `spark_default` (master yarn, spark://... or k8s://..., deploy mode in its extra).
Requires apache-airflow-providers-apache-spark. Summaries on hdfs:// or s3a:// are read with `hdfs dfs -cat` (a
Hadoop client on the Airflow worker); local or mounted paths are read directly.
"""
from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

from airflow import DAG
from airflow.exceptions import AirflowException
from airflow.models import Variable
from airflow.operators.python import PythonOperator
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

JAR = Variable.get("sparklora_jar", default_var="hdfs:///apps/sparklora/sparklora-0.1.0-SNAPSHOT-cluster.jar")
JOB_CONFIG = Variable.get("sparklora_job_config", default_var="hdfs:///jobs/llama-lora.yaml")
OUTPUT_ROOT = Variable.get("sparklora_output_root", default_var="hdfs:///runs/llama-lora")
# One run directory per logical date: rerunning a date resumes it, or finds it complete.
OUTPUT_PATH = OUTPUT_ROOT.rstrip("/") + "/{{ ds_nodash }}"

NUM_EXECUTORS = 8
EXECUTOR_CORES = 4


def read_summary(output_path: str) -> dict:
    """summary.json of a run directory: a local path or file: URI directly, any other Hadoop URI via `hdfs dfs`."""
    summary = output_path.rstrip("/") + "/summary.json"
    if summary.startswith("file:"):
        summary = "/" + summary[len("file:"):].lstrip("/")
    if "://" not in summary:
        text = Path(summary).read_text(encoding="utf-8")
    else:
        done = subprocess.run(["hdfs", "dfs", "-cat", summary], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise AirflowException(f"cannot read {summary}: {done.stderr.strip()}")
        text = done.stdout
    return json.loads(text)


def check_summary(output_path: str) -> None:
    summary = read_summary(output_path)
    status = summary.get("status")
    if status != "succeeded":
        raise AirflowException(f"SparkLoRA run {output_path} has status {status!r}, not 'succeeded'")
    print(f"adapter {summary.get('adapter_path')}: {summary.get('rounds')} rounds, "
          f"final train loss {summary.get('final_train_loss')}, evaluation after {summary.get('eval_after')}")


with DAG(
    dag_id="sparklora_finetune",
    description="LoRA fine-tuning on Spark with SparkLoRA",
    start_date=datetime(2025, 1, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["sparklora", "lora", "spark"],
) as dag:
    train = SparkSubmitOperator(
        task_id="train_lora",
        conn_id="spark_default",
        application=JAR,
        java_class="io.sparklora.jobs.cli.SparkLoraMain",
        name="sparklora-{{ ds_nodash }}",
        application_args=["train", "--config", JOB_CONFIG, "--set", f"output.path={OUTPUT_PATH}"],
        num_executors=NUM_EXECUTORS,
        executor_cores=EXECUTOR_CORES,
        executor_memory="8g",
        driver_memory="4g",
        conf={
            # One task per executor; ND4J's threads follow spark.task.cpus.
            "spark.task.cpus": str(EXECUTOR_CORES),
            "spark.executor.memoryOverhead": "4g",
            "spark.dynamicAllocation.enabled": "false",
            # GPU executors (cluster jar built with -Pcuda), e.g. on YARN together with files= below:
            # "spark.executor.resource.gpu.amount": "1",
            # "spark.task.resource.gpu.amount": "1",
            # "spark.executor.resource.gpu.discoveryScript": "./discover-gpus.sh",
        },
        # files="/path/to/sparklora/deploy/gpu/discover-gpus.sh",
    )

    check = PythonOperator(
        task_id="check_summary",
        python_callable=check_summary,
        op_kwargs={"output_path": OUTPUT_PATH},
    )

    train >> check
