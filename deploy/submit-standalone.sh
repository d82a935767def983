#!/usr/bin/env bash
# spark-submit wrapper for a Spark standalone cluster.
set -euo pipefail
script_usage='usage: SPARK_MASTER=spark://host:7077 JOB_CONFIG=hdfs:///jobs/job.yaml deploy/submit-standalone.sh [options]

Submits SparkLoRA to a Spark standalone master. NUM_EXECUTORS x EXECUTOR_CORES cores are requested
(spark.cores.max), EXECUTOR_CORES per executor, so NUM_EXECUTORS executors run one task each.

Environment (standalone):
  SPARK_MASTER     spark://host:7077 (required)
  DEPLOY_MODE      client (default) or cluster
GPU executors on standalone: every worker announces its GPUs itself, in its spark-defaults.conf or
SPARK_WORKER_OPTS: spark.worker.resource.gpu.amount=<GPUs on the host> and
spark.worker.resource.gpu.discoveryScript=<path>/deploy/gpu/discover-gpus.sh (see conf/spark-defaults-gpu.conf);
--gpu then asks for one GPU per executor and per task.'
# shellcheck source=lib/submit-common.sh
source "$(dirname "$0")/lib/submit-common.sh"

if [[ -z ${SPARK_MASTER:-} ]]; then
  echo "set SPARK_MASTER=spark://host:7077; see -h" >&2
  exit 2
fi
args=(
  --master "$SPARK_MASTER"
  --deploy-mode "${DEPLOY_MODE:-client}"
  --conf "spark.cores.max=$((num_executors * executor_cores))"
)
if [[ $gpu == 1 ]]; then
  args+=("${gpu_conf[@]}")
fi
run_submit "${args[@]}"
