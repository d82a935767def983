#!/usr/bin/env bash
# The engine on a GPU: the bench-small LoRA step on ND4J's CUDA backend against the CPU backend on the same fixture:
# loss, gradient (relative L2 difference and cosine) and median step time of each. Run it on a machine with an NVIDIA
# GPU that ND4J 1.0.0-M2.1's CUDA 11.6 binaries support (compute capability <= 8.6) and Maven Central reachable (the
# CUDA backend's jars, about 600 MB, are fetched once). Exit status 0 when the backends agree within 1e-3.
# Usage: deploy/gpu/engine-check.sh [REPS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
reps=${1:-5}
out=target/gpu-check
mkdir -p "$out"
nvidia-smi --query-gpu=name,compute_cap,driver_version,memory.total --format=csv,noheader || true

mvn -q -B -ntp -DskipTests install -pl lora-core -am
mvn -q -B -ntp -pl lora-core dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$root/$out/cpu.cp"
# The CUDA backend has no CPU-only classifier: -Dnd4j.classifier names its x86-64 build.
mvn -q -B -ntp -pl lora-core -Pcuda -Dnd4j.classifier=linux-x86_64 dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$root/$out/cuda.cp"
classes=lora-core/target/test-classes:lora-core/target/classes

java -Xmx4g -cp "$classes:$(cat "$out/cpu.cp")" io.sparklora.core.bench.BenchFixture "$out/fixture" bench-small \
  deploy/demo/model | tail -1
java -Xmx4g -cp "$classes:$(cat "$out/cpu.cp")" io.sparklora.core.bench.BackendCheck run "$out/fixture" "$out/cpu" "$reps"
java -Xmx4g -cp "$classes:$(cat "$out/cuda.cp")" io.sparklora.core.bench.BackendCheck run "$out/fixture" "$out/cuda" "$reps"
java -cp "$classes:$(cat "$out/cpu.cp")" io.sparklora.core.bench.BackendCheck compare "$out/cpu" "$out/cuda"
