#!/usr/bin/env bash
# Executes every notebook in notebooks/ headless against one run directory and fails if any cell errors.
# Usage: .ci/run-notebooks.sh RUN_DIR [OUT_DIR]
#   RUN_DIR  a finished run (output.path), e.g. target/demo/run after deploy/run-local.sh
#   OUT_DIR  where the executed notebooks, their logs and the figures (PNG) go; default: a new temp dir
# Needs the Debian Python stack from .ci/install-python.sh (PYTHON overrides the interpreter).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

run_dir=${1:?usage: $0 RUN_DIR [OUT_DIR]}
[[ -d $run_dir ]] || { echo "run-notebooks: $run_dir is not a directory" >&2; exit 2; }
run_dir=$(cd "$run_dir" && pwd)   # nbconvert runs each notebook from notebooks/, so pass absolute paths
out_dir=${2:-$(mktemp -d -t sparklora-notebooks.XXXXXX)}
mkdir -p "$out_dir" && out_dir=$(cd "$out_dir" && pwd)

python=${PYTHON:-/usr/bin/python3}   # Debian's python3, which has the apt-installed packages
[[ -x $python ]] || python=python3

export SPARKLORA_RUN=$run_dir SPARKLORA_FIGURES=$out_dir/figures MPLBACKEND=Agg PYDEVD_DISABLE_FILE_VALIDATION=1

failed=0
for nb in "$root"/notebooks/*.ipynb; do
  name=$(basename "$nb" .ipynb)
  log=$out_dir/$name.log
  start=$SECONDS
  if "$python" -m nbconvert --to notebook --execute --ExecutePreprocessor.timeout=300 \
      --output-dir "$out_dir" "$nb" >"$log" 2>&1; then
    printf 'ok    %-24s %4ds  %s\n' "$name" $((SECONDS - start)) "$out_dir/$name.ipynb"
  else
    failed=$((failed + 1))
    printf 'FAIL  %-24s %4ds  %s\n' "$name" $((SECONDS - start)) "$log"
    tail -n 25 "$log" | sed 's/\x1b\[[0-9;]*m//g; s/^/      /' >&2
  fi
done

if ((failed > 0)); then
  echo "run-notebooks: $failed notebook(s) failed against $run_dir" >&2
  exit 1
fi
