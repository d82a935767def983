#!/usr/bin/env bash
# The GPU build checked on a GPU machine in one run: builds the CUDA cluster jar (or takes CUDA_JAR), prints the GPUs
# as that jar sees them (or the one line saying why its CUDA backend cannot start), then runs the bench-small LoRA
# step on ND4J's CPU backend and on its CUDA backend with the same fixture and compares loss and gradient (relative
# L2 difference, cosine), median step time and tokens/s. Needs JDK 17, Maven and Maven Central (the CUDA jars, about
# 650 MB, are fetched once) and, for the CUDA leg, a GPU of compute capability 3.7-8.9 with CUDA 11 libraries
# (README, "GPU executors"). On a machine without one it still builds, probes and runs the CPU leg.
# Usage: deploy/gpu/check.sh [REPS]       (default 5 timed steps after one warm-up step)
# Exit status: 0 the backends agree within 1e-3, 1 they disagree or a step failed, 2 no usable GPU (CPU leg only).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
reps=${1:-5}
out=target/gpu-check
rm -rf "$out" && mkdir -p "$out"
java_opts=(-Xmx4g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)

echo "== host"
nvidia-smi --query-gpu=index,name,compute_cap,driver_version,memory.total --format=csv,noheader 2>/dev/null \
  || echo "nvidia-smi: not available"

echo "== build"
version=$(sed -n 's:^  <version>\(.*\)</version>.*:\1:p' pom.xml | head -n 1)
jar=${CUDA_JAR:-spark-jobs/target/sparklora-$version-cluster-cuda.jar}
if [[ -z ${CUDA_JAR:-} ]]; then
  mvn -q -B -ntp -Pcuda -DskipTests package   # the GPU cluster jar, and lora-core's benchmark classes
else
  mvn -q -B -ntp -pl lora-core -DskipTests test-compile
fi
ls -l "$jar"
# Each backend's class path for the benchmark (lora-core's classes are the same in both builds).
mvn -q -B -ntp -pl lora-core dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$root/$out/cpu.cp"
mvn -q -B -ntp -pl lora-core -Pcuda dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$root/$out/cuda.cp"
classes=lora-core/target/test-classes:lora-core/target/classes

echo "== GPUs, as the CUDA cluster jar sees them"
gpu=1
java "${java_opts[@]}" -cp "$jar" io.sparklora.core.backend.CudaBuild || gpu=0

echo "== bench-small LoRA step, CPU backend"
java "${java_opts[@]}" -cp "$classes:$(cat "$out/cpu.cp")" io.sparklora.core.bench.BenchFixture "$out/fixture" \
  bench-small deploy/demo/model | tail -1
java "${java_opts[@]}" -cp "$classes:$(cat "$out/cpu.cp")" io.sparklora.core.bench.BackendCheck run "$out/fixture" \
  "$out/cpu" "$reps"
if [[ $gpu == 0 ]]; then
  echo "== CUDA leg skipped: no usable GPU (the line above says why)"
  exit 2
fi

echo "== bench-small LoRA step, CUDA backend"
java "${java_opts[@]}" -cp "$classes:$(cat "$out/cuda.cp")" io.sparklora.core.bench.BackendCheck run "$out/fixture" \
  "$out/cuda" "$reps"
echo "== CPU against CUDA"
java -cp "$classes:$(cat "$out/cpu.cp")" io.sparklora.core.bench.BackendCheck compare "$out/cpu" "$out/cuda"
