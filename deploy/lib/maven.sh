# Maven as the deploy scripts run it: quiet and in batch mode, with the colour-reset codes (ESC[0m) that Maven 3.8
# prints even then stripped, so the console starts with SparkLoRA's first line. Callers run with
# `set -o pipefail`, so Maven's exit status is the pipeline's.
# shellcheck shell=bash
mvn_quiet() {
  mvn -q -B -ntp "$@" 2>&1 | sed -u 's/\x1b\[[0-9;]*m//g'
}
