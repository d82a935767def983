#!/usr/bin/env bash
# Runs the demo job on a real Spark standalone cluster on this machine: one master and two worker JVMs started from
# the Maven-resolved Spark jars (no Spark distribution), the cluster jar submitted with SparkSubmit in client mode.
# Everything binds to 127.0.0.1; the master and workers are stopped on exit, whatever happens.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: deploy/standalone-local.sh [train options]...

Builds SparkLoRA (cluster jar included), starts a Spark standalone
master and two workers (1 core, 1g each) on 127.0.0.1, submits `train --config conf/demo.yaml` to them, checks that
summary.json says "succeeded", and stops the cluster. Extra arguments go to the train command, e.g.
  deploy/standalone-local.sh --set train.rounds=4

Environment:
  SKIP_BUILD=1        use the jars already built (spark-jobs/target/sparklora-<version>-cluster.jar)
  CLUSTER_JAR         the cluster jar to submit (default: the one the build wrote)
  JOB_CONFIG          job configuration (default conf/demo.yaml)
  DEMO_DIR            the demo model and data (default deploy/demo, the shipped ones)
  OUTPUT_PATH         the run directory (default target/demo/standalone-run)
  WORKERS             worker JVMs to start (default 2); WORKER_CORES (1), WORKER_MEMORY (1g)
  MASTER_PORT, MASTER_WEBUI_PORT   fixed ports (default: free ones)
  KEEP_WORK=1         keep the cluster's work directory (logs of the master, workers and executors)
Exit code: the train command's (0 ok, 2 configuration, 3 data, 4 training stopped, 1 other); 5 when the cluster
did not come up or summary.json does not say "succeeded".
EOF
}
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  usage
  exit 0
fi

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
version=$(sed -n 's:^  <version>\(.*\)</version>.*:\1:p' pom.xml | head -n 1)
cluster_jar=${CLUSTER_JAR:-spark-jobs/target/sparklora-$version-cluster.jar}
job_config=${JOB_CONFIG:-conf/demo.yaml}
demo_dir=${DEMO_DIR:-deploy/demo}
output_path=${OUTPUT_PATH:-target/demo/standalone-run}
workers=${WORKERS:-2}
worker_cores=${WORKER_CORES:-1}
worker_memory=${WORKER_MEMORY:-1g}
mvn_flags=(-q -B -ntp)

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  mvn "${mvn_flags[@]}" -DskipTests install
fi
[[ -f $cluster_jar ]] || { echo "no cluster jar at $cluster_jar (build with: mvn -DskipTests package)" >&2; exit 5; }

work=$(mktemp -d "${TMPDIR:-/tmp}/sparklora-standalone.XXXXXX")
pids=()
status=5
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [[ ${KEEP_WORK:-0} == 1 || $status -ne 0 ]]; then
    echo "cluster logs kept under $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Spark's own jars: spark-jobs' provided scope (Spark SQL, the Hadoop client), resolved by Maven into a directory
# laid out like a distribution's SPARK_HOME. A generated pom declares them with the versions the parent manages, so
# this works before lora-core is installed (inside `mvn verify` too). The JVM flags Spark needs on Java 17 come from
# the parent pom as well (its jvm.module.opens property). The parent is found by a path relative to the generated pom:
# Maven resolves relativePath against the pom's own directory, so an absolute one missed the parent, and the build
# then needed sparklora-parent installed in the local repository (a fresh machine's has none).
spark_home=$work/spark-home
parent_pom=$(realpath --relative-to="$work" "$root/pom.xml")
mkdir -p "$spark_home/jars" "$spark_home/conf"
cat >"$work/spark-runtime.pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>io.sparklora</groupId>
    <artifactId>sparklora-parent</artifactId>
    <version>$version</version>
    <relativePath>$parent_pom</relativePath>
  </parent>
  <artifactId>sparklora-spark-runtime</artifactId>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.spark</groupId><artifactId>spark-sql_\${scala.binary.version}</artifactId></dependency>
    <dependency><groupId>org.apache.hadoop</groupId><artifactId>hadoop-client-api</artifactId></dependency>
    <dependency><groupId>org.apache.hadoop</groupId><artifactId>hadoop-client-runtime</artifactId></dependency>
  </dependencies>
</project>
EOF
mvn "${mvn_flags[@]}" -f "$work/spark-runtime.pom.xml" dependency:build-classpath -Dmdep.outputFile="$work/classpath.txt"
IFS=: read -r -a spark_jars <"$work/classpath.txt" || true  # no final newline
for jar in "${spark_jars[@]}"; do
  [[ -e $spark_home/jars/${jar##*/} ]] || ln -s "$jar" "$spark_home/jars/"
done
cp conf/log4j2.properties "$spark_home/conf/"
read -r -a opens <<<"$(sed -n 's:.*<jvm.module.opens>\(.*\)</jvm.module.opens>.*:\1:p' pom.xml)"
[[ ${#opens[@]} -gt 0 ]] || { echo "no jvm.module.opens in pom.xml" >&2; exit 5; }
classpath="$spark_home/conf:$spark_home/jars/*"
# The master and workers log at INFO into their own files (the script waits on their messages); the driver and the
# executors use the project's console configuration, found in SPARK_CONF_DIR on their classpath.
cat >"$work/daemon-log4j2.properties" <<'EOF'
rootLogger.level = info
rootLogger.appenderRef.stdout.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %-5p %c{1}: %m%n
EOF
daemon_opts=("${opens[@]}" -Xmx512m -Dlog4j2.configurationFile="$work/daemon-log4j2.properties")

# Executors get exactly Spark's jars and the submitted cluster jar: nothing inherited from a test or dev environment.
unset SPARK_DIST_CLASSPATH SPARK_TESTING SPARK_PREPEND_CLASSES SPARK_CLASSPATH
export SPARK_HOME=$spark_home SPARK_CONF_DIR=$spark_home/conf SPARK_SCALA_VERSION=2.13
export SPARK_LOCAL_IP=127.0.0.1 SPARK_LOCAL_HOSTNAME=127.0.0.1
# Executors run one task each on WORKER_CORES cores: keep ND4J's OpenMP threads to the same number.
export OMP_NUM_THREADS=$worker_cores

free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  echo "no free port found" >&2
  return 1
}
# Waits until a log file contains a line, failing early when the process died.
wait_for() {
  local log=$1 pattern=$2 pid=$3
  for _ in $(seq 120); do
    grep -q "$pattern" "$log" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  echo "timed out waiting for \"$pattern\" in $log:" >&2
  tail -n 30 "$log" >&2 || true
  return 1
}

master_port=${MASTER_PORT:-$(free_port)}
master_webui_port=${MASTER_WEBUI_PORT:-$(free_port)}
master_url=spark://127.0.0.1:$master_port
java "${daemon_opts[@]}" -cp "$classpath" org.apache.spark.deploy.master.Master \
  --host 127.0.0.1 --port "$master_port" --webui-port "$master_webui_port" >"$work/master.log" 2>&1 &
pids+=($!)
wait_for "$work/master.log" "I have been elected leader" "${pids[0]}" || exit 5
echo "master $master_url (web UI http://127.0.0.1:$master_webui_port)"

for i in $(seq "$workers"); do
  mkdir -p "$work/worker-$i"
  java "${daemon_opts[@]}" -cp "$classpath" org.apache.spark.deploy.worker.Worker \
    --host 127.0.0.1 --cores "$worker_cores" --memory "$worker_memory" --webui-port "$(free_port)" \
    --work-dir "$work/worker-$i" "$master_url" >"$work/worker-$i.log" 2>&1 &
  pids+=($!)
done
for i in $(seq "$workers"); do
  wait_for "$work/worker-$i.log" "Successfully registered with master" "${pids[$i]}" || exit 5
done
echo "$workers workers registered ($worker_cores core(s), $worker_memory each)"

# Relative paths in the job file would resolve against each executor's working directory: pass absolute ones.
abs() { case $1 in /* | *://*) echo "$1" ;; *) echo "$root/$1" ;; esac; }
train_args=(train --config "$job_config")
if [[ $job_config == conf/demo.yaml ]]; then
  train_args+=(--set "model.path=$(abs "$demo_dir/model")" --set "data.path=$(abs "$demo_dir/data/train.jsonl")")
fi
train_args+=(--set "output.path=$(abs "$output_path")" "$@")
rc=0
# The driver with the Vector API module (the engine's fused kernels); the job then starts the executors with it too.
java "${opens[@]}" --add-modules=jdk.incubator.vector -Xmx2g -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
  -cp "$classpath" org.apache.spark.deploy.SparkSubmit --master "$master_url" --deploy-mode client \
  --conf spark.driver.host=127.0.0.1 --conf spark.driver.bindAddress=127.0.0.1 --conf spark.ui.enabled=false \
  --conf spark.executor.cores="$worker_cores" --conf spark.task.cpus="$worker_cores" \
  --conf spark.executor.memory="$worker_memory" --conf spark.cores.max="$((workers * worker_cores))" \
  --class io.sparklora.jobs.cli.SparkLoraMain "$cluster_jar" "${train_args[@]}" || rc=$?

if [[ $rc -ne 0 ]]; then
  echo "train exited with $rc; executor logs:" >&2
  find "$work" -path '*/app-*/*' -name stderr -exec tail -n 20 {} + >&2 || true
  status=$rc
  exit "$rc"
fi
summary=$(abs "$output_path")/summary.json
if grep -Eq '"status"[[:space:]]*:[[:space:]]*"succeeded"' "$summary" 2>/dev/null; then
  echo "summary.json: succeeded ($summary)"
  status=0
else
  echo "summary.json does not say succeeded: $summary" >&2
  exit 5
fi
