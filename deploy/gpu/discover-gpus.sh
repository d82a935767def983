#!/usr/bin/env bash
# Spark GPU discovery script (spark.worker.resource.gpu.discoveryScript / spark.executor.resource.gpu.discoveryScript):
# prints the GPUs this worker or executor may use as Spark's resource JSON, e.g.
#   {"name": "gpu", "addresses": ["0", "1"]}
# Addresses are nvidia-smi indices; when CUDA_VISIBLE_DEVICES restricts the devices (YARN, Kubernetes, some
# schedulers set it), the visible ones are numbered from 0 as CUDA numbers them. No GPU prints an empty list.
set -euo pipefail

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi

addresses=()
if [[ -n ${CUDA_VISIBLE_DEVICES:-} && ${CUDA_VISIBLE_DEVICES} != NoDevFiles ]]; then
  IFS=, read -r -a visible <<<"$CUDA_VISIBLE_DEVICES"
  for i in "${!visible[@]}"; do
    addresses+=("$i")
  done
elif command -v nvidia-smi >/dev/null 2>&1; then
  while IFS= read -r index; do
    index=${index//[[:space:]]/}
    [[ -n $index ]] && addresses+=("$index")
  done < <(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null || true)
fi

json=""
for a in "${addresses[@]}"; do
  json+="${json:+, }\"$a\""
done
echo "{\"name\": \"gpu\", \"addresses\": [$json]}"
