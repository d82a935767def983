#!/usr/bin/env bash
# Builds SparkLoRA and runs the demo job (conf/demo.yaml: the shipped tiny model and dataset under deploy/demo)
# on Spark in local mode, bound to 127.0.0.1. Extra arguments go to the train command,
# e.g. deploy/run-local.sh --set train.rounds=20
set -euo pipefail
cd "$(dirname "$0")/.."

source deploy/lib/maven.sh
mvn_quiet -DskipTests install
exec deploy/sparklora train --config conf/demo.yaml "$@"
