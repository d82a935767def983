#!/usr/bin/env bash
# Builds SparkLoRA and runs the classification demo (conf/demo-classify.yaml: LoRA and a new head on the tiny BERT
# shipped under deploy/demo/encoder, labelled sentence pairs "tame" / "wild") on Spark in local mode, bound to
# 127.0.0.1, then checks the held-out accuracy the run wrote to summary.json: it exits non-zero when training did not
# lift it to at least MIN_ACCURACY (default 0.8; chance is 0.5). Extra arguments go to the train command,
# e.g. deploy/run-classify-demo.sh --set train.rounds=30
set -euo pipefail
cd "$(dirname "$0")/.."

min_accuracy=${MIN_ACCURACY:-0.8}
source deploy/lib/maven.sh
mvn_quiet -DskipTests install
deploy/sparklora train --config conf/demo-classify.yaml "$@"

# The run directory is output.path unless --set output.path=... moved it.
run=target/demo/classify
for arg in "$@"; do
  [[ $arg == output.path=* ]] && run=${arg#output.path=}
done
summary=$run/summary.json
# summary.json is one JSON object; eval_before and eval_after each hold an "accuracy".
figures=$(tr -d ' \n' < "$summary" \
  | sed -n 's/.*"eval_before":{[^}]*"accuracy":\([0-9.eE+-]*\).*"eval_after":{[^}]*"accuracy":\([0-9.eE+-]*\).*/\1 \2/p')
read -r before after <<< "$figures" || true
if [[ -z ${after:-} ]]; then
  echo "classification demo: no eval_before/eval_after accuracy in $summary" >&2
  exit 1
fi
if awk -v a="$after" -v m="$min_accuracy" 'BEGIN { exit !(a >= m) }'; then
  echo "classification demo: held-out accuracy $before -> $after (at least $min_accuracy required; chance 0.5)"
else
  echo "classification demo FAILED: held-out accuracy $before -> $after, below the $min_accuracy required" >&2
  exit 1
fi
