# Shared by deploy/submit-*.sh (sourced, not run): option parsing and the spark-submit settings every cluster
# manager takes. Callers set `script_usage` (their own usage text) before sourcing this file, and add their cluster
# manager's settings to `submit_args` afterwards.
# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables set here are used by the sourcing scripts

deploy_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repo_root=$(cd "$deploy_dir/.." && pwd)

common_usage() {
  cat <<'EOF_USAGE'
Options:
  --gpu            GPU executors: one GPU per executor and per task (spark.executor.resource.gpu.amount=1,
                   spark.task.resource.gpu.amount=1) found by deploy/gpu/discover-gpus.sh, and the GPU cluster jar
                   sparklora-<version>-cluster-cuda.jar (mvn -Pcuda -DskipTests package: ND4J's CUDA 11.6 backend)
  --conf K=V       an extra Spark setting (repeatable), e.g. --conf spark.executor.memoryOverhead=4g
  --set K=V        a job setting override passed to `train` (repeatable), e.g. --set train.rounds=2000
  --dry-run        print the spark-submit command instead of running it
  -h, --help       this help

Environment (all modes):
  JOB_CONFIG       job YAML, local path or any Hadoop URI (required)
  CLUSTER_JAR      the shaded jar (default spark-jobs/target/sparklora-<version>-cluster.jar, with --gpu
                   spark-jobs/target/sparklora-<version>-cluster-cuda.jar)
  OUTPUT_PATH      run directory; sets --set output.path=... (default: the job file's output.path)
  SPARK_SUBMIT     spark-submit to use (default $SPARK_HOME/bin/spark-submit, else spark-submit on PATH)
  NUM_EXECUTORS    executors (default 2); also the natural value of the job's distributed.workers
  EXECUTOR_CORES   cores per executor (default 4); spark.task.cpus is set to the same: one task per executor, and
                   ND4J's threads follow spark.task.cpus
  EXECUTOR_MEMORY  executor heap (default 8g); EXECUTOR_MEMORY_OVERHEAD off-heap room for ND4J (default 4g)
  DRIVER_MEMORY    driver heap (default 4g)
  DEPLOY_MODE      client or cluster (default: per script)
  APP_NAME         Spark application name (default sparklora)
Exit code: spark-submit's. In client mode it is SparkLoRA's own: 0 ok or already complete, 2 configuration error,
3 data error, 4 training stopped, 1 other. In cluster mode spark-submit only tells success from failure: read
<output.path>/summary.json ("status": "succeeded") for the outcome.
EOF_USAGE
}

gpu=0
dry_run=0
extra_conf=()
overrides=()
while [[ $# -gt 0 ]]; do
  case $1 in
    -h | --help)
      # shellcheck disable=SC2154 # set by the sourcing script
      echo "$script_usage"
      echo
      common_usage
      exit 0
      ;;
    --gpu) gpu=1 ;;
    --dry-run) dry_run=1 ;;
    --conf)
      [[ $# -ge 2 ]] || { echo "--conf needs K=V" >&2; exit 2; }
      extra_conf+=(--conf "$2")
      shift
      ;;
    --set)
      [[ $# -ge 2 ]] || { echo "--set needs section.key=value" >&2; exit 2; }
      overrides+=(--set "$2")
      shift
      ;;
    *)
      echo "unknown option \"$1\" (see -h)" >&2
      exit 2
      ;;
  esac
  shift
done

if [[ -z ${JOB_CONFIG:-} ]]; then
  echo "set JOB_CONFIG to the job YAML (local path or Hadoop URI); see -h" >&2
  exit 2
fi
version=$(sed -n 's:^  <version>\(.*\)</version>.*:\1:p' "$repo_root/pom.xml" 2>/dev/null | head -n 1)
jar_classifier=cluster
if [[ $gpu == 1 ]]; then
  jar_classifier=cluster-cuda # the CPU jar on GPU executors would leave the GPUs idle
fi
cluster_jar=${CLUSTER_JAR:-$repo_root/spark-jobs/target/sparklora-${version:-0.1.0-SNAPSHOT}-$jar_classifier.jar}
if [[ -n ${SPARK_SUBMIT:-} ]]; then
  spark_submit=$SPARK_SUBMIT
elif [[ -n ${SPARK_HOME:-} ]]; then
  spark_submit=$SPARK_HOME/bin/spark-submit
else
  spark_submit=spark-submit
fi
num_executors=${NUM_EXECUTORS:-2}
executor_cores=${EXECUTOR_CORES:-4}
executor_memory=${EXECUTOR_MEMORY:-8g}
executor_memory_overhead=${EXECUTOR_MEMORY_OVERHEAD:-4g}
driver_memory=${DRIVER_MEMORY:-4g}
app_name=${APP_NAME:-sparklora}
discovery_script=$deploy_dir/gpu/discover-gpus.sh

if [[ -n ${OUTPUT_PATH:-} ]]; then
  overrides+=(--set "output.path=$OUTPUT_PATH")
fi

submit_args=(
  --name "$app_name"
  --class io.sparklora.jobs.cli.SparkLoraMain
  --driver-memory "$driver_memory"
  --conf "spark.executor.cores=$executor_cores"
  --conf "spark.task.cpus=$executor_cores"
  --conf "spark.executor.memory=$executor_memory"
  --conf "spark.executor.memoryOverhead=$executor_memory_overhead"
  # LoRA rounds are short synchronous steps: no dynamic allocation, one long-lived executor per data shard.
  --conf spark.dynamicAllocation.enabled=false
  # ND4J's OpenMP threads sleep rather than spin between ops (deploy/lib/native-env.sh says why).
  --conf spark.executorEnv.OMP_WAIT_POLICY=PASSIVE
  # OpenBLAS's workers sleep about 1.4 ms after a product rather than 0.1 s (deploy/lib/native-env.sh says why).
  --conf spark.executorEnv.OPENBLAS_THREAD_TIMEOUT=22
  # The engine's fused kernels need Java's Vector API module, in the driver and the executors alike; the default
  # options leave spark.{driver,executor}.extraJavaOptions to the caller.
  --conf spark.driver.defaultJavaOptions=--add-modules=jdk.incubator.vector
  --conf spark.executor.defaultJavaOptions=--add-modules=jdk.incubator.vector
)
gpu_conf=(
  --conf spark.executor.resource.gpu.amount=1
  --conf spark.task.resource.gpu.amount=1
)

# Runs (or prints) spark-submit with the common settings, the caller's, the extra --conf ones, the jar and train.
run_submit() {
  local cmd=("$spark_submit" "${submit_args[@]}" "$@" "${extra_conf[@]}" "$cluster_jar_uri"
    train --config "$JOB_CONFIG" "${overrides[@]}")
  if [[ $dry_run == 1 ]]; then
    printf '%q ' "${cmd[@]}"
    echo
    return 0
  fi
  exec "${cmd[@]}"
}
# The jar as spark-submit sees it; submit-k8s.sh points it into the image instead.
cluster_jar_uri=$cluster_jar
