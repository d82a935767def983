#!/usr/bin/env bash
# Builds SparkLoRA and runs the demo job (conf/demo.yaml: the shipped tiny model and dataset under deploy/demo)
# on Spark in local mode, bound to 127.0.0.1.
# Extra arguments go to the train command, e.g. deploy/run-local.sh --set train.rounds=20
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -q -B -ntp -DskipTests install
cp_file=spark-jobs/target/runtime-classpath.txt
# Spark is `provided` in the cluster jar; locally it comes from the Maven-resolved jars.
mvn -q -B -ntp -pl spark-jobs dependency:build-classpath -Dmdep.includeScope=provided -Dmdep.outputFile="$PWD/$cp_file"
# One source of truth for the JVM flags Spark needs on Java 17: the parent pom (ANSI colour codes stripped).
opens=$(mvn -q -B -ntp help:evaluate -Dexpression=jvm.module.opens -DforceStdout | sed 's/\x1b\[[0-9;]*m//g')
classpath="spark-jobs/target/classes:$(cat "$cp_file")"
export SPARK_LOCAL_IP=127.0.0.1

# shellcheck disable=SC2086
exec java $opens -Dlog4j2.configurationFile=conf/log4j2.properties -cp "$classpath" \
  io.sparklora.jobs.cli.SparkLoraMain train --config conf/demo.yaml "$@"
