#!/usr/bin/env bash
# The LoRA paper's rank questions on the demo (README "### sweep", notebooks/04-rank-sweep.ipynb):
# - a rank sweep r = 1, 2, 8, 64 over q_proj and o_proj in one Spark application (the demo model's hidden size is 64
#   and its k/v projections have 32 outputs, so r = 64 fits q_proj and o_proj only);
# - the subspace similarity of r = 8 against r = 64;
# - the amplification table at r = 2 and r = 8 (at r = 64 the update's directions span the whole 64-dimensional
#   space, so every ||U'WV|| equals ||W|| and the factor says nothing).
# Build first (deploy/run-local.sh does). Usage: deploy/demo-sweep.sh [OUT] (default target/demo/sweep).
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-target/demo/sweep}
deploy/sparklora sweep --config conf/demo.yaml --grid lora.r=1,2,8,64 \
  --set 'lora.target_modules=[q_proj,o_proj]' --set "output.path=$out"
deploy/sparklora analyze subspace --adapter "$out/r-8/adapter" --other "$out/r-64/adapter" --output "$out/analysis"
for r in 2 8; do
  deploy/sparklora analyze amplification --model deploy/demo/model --adapter "$out/r-$r/adapter" \
    --output "$out/analysis/amplification-r$r"
done
