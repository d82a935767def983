#!/usr/bin/env bash
# spark-submit wrapper for YARN.
set -euo pipefail
script_usage='usage: JOB_CONFIG=hdfs:///jobs/job.yaml deploy/submit-yarn.sh [options]

Submits SparkLoRA to YARN (HADOOP_CONF_DIR or YARN_CONF_DIR must point at the cluster configuration) with
NUM_EXECUTORS executors of EXECUTOR_CORES cores, one task each.

Environment (YARN):
  QUEUE            YARN queue (default: the scheduler default)
  DEPLOY_MODE      cluster (default) or client
  SPARK_YARN_ARCHIVE  optional spark.yarn.archive (a Spark jars archive on HDFS: faster submits)
GPU executors on YARN (3.1+ with GPU scheduling on the NodeManagers): --gpu asks for one yarn.io/gpu per executor
and ships deploy/gpu/discover-gpus.sh with the job (--files) as the executor discovery script.'
# shellcheck source=lib/submit-common.sh
source "$(dirname "$0")/lib/submit-common.sh"

args=(
  --master yarn
  --deploy-mode "${DEPLOY_MODE:-cluster}"
  --num-executors "$num_executors"
)
if [[ -n ${QUEUE:-} ]]; then
  args+=(--queue "$QUEUE")
fi
if [[ -n ${SPARK_YARN_ARCHIVE:-} ]]; then
  args+=(--conf "spark.yarn.archive=$SPARK_YARN_ARCHIVE")
fi
if [[ $gpu == 1 ]]; then
  # YARN maps Spark's "gpu" to yarn.io/gpu; the script runs from each executor's working directory.
  args+=("${gpu_conf[@]}" --files "$discovery_script"
    --conf spark.executor.resource.gpu.discoveryScript=./discover-gpus.sh)
fi
run_submit "${args[@]}"
