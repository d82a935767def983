#!/usr/bin/env bash
# The performance benchmark suite: one table on the console and target/bench/results.json.
#   ceilings     fp32 matrix-product GFLOP/s of numpy's BLAS and of ND4J, measured in this run
#   step         LoRA and full fine-tuning step (forward + backward) on bench-small, the demo model and gpt2-small (GPT-2
#                small's shape, random weights): time, model FLOPs utilisation, peak memory, trainable parameters,
#                optimizer state
#   peer         the same step as a PyTorch program (deploy/bench/peer_torch.py) on the same files and thread count
#   pair         ours and the peer alive at once, one step each in turn (deploy/bench/pair.py): the median ratio of
#                adjacent steps, which a shared machine's changing load leaves alone; the same for our bench-small
#                LoRA step against our full fine-tuning step (the LoRA / full ratio)
#   memory       peak RSS of LoRA steps with and without activation checkpointing (MemoryBench, one JVM each) on
#                bench-small, gpt2-small and qwen2-0.5b (Qwen2-0.5B's shape, built in memory), next to MemoryModel
#   inference    base vs base + unmerged adapter vs merged model, batch 1 and 8
#   profile      a bench-small LoRA step's time by part of the model (norm, linear, attention, ...), matrix products vs the rest
#   spark        per-round bytes (LoRA vs full-model averaging), round overhead, 1 vs 2 executors (local-cluster)
# Every figure is a ratio or utilisation from this run (medians after warm-up): the machine may be shared and noisy.
# Usage: deploy/bench.sh [--quick] [--skip-peer] [--skip-spark] [--skip-memory] [--offline]
#   BENCH_THREADS=N sets the thread count (default all cores); --offline runs Maven with -o.
#   BENCH_PEER_OPENBLAS=openmp|pthread|system: the peer's OpenBLAS build (default openmp, its fastest: with the
#   pthread build, torch's OpenMP pool and OpenBLAS's own pool spin against each other, and on 2 cores the peer's
#   bench-small step took 1.76-1.86 s against 0.85 s on the OpenMP build, which shares torch's pool).
#   --quick: fewer repetitions, and no qwen2-0.5b memory run without checkpointing (the largest, slowest one).
# The peer needs Debian's python3-torch; deploy/bench/install-peer.sh installs it (root or sudo).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

quick=false skip_peer=false skip_spark=false skip_memory=false mvn_offline=
for arg in "$@"; do
  case $arg in
    --quick) quick=true ;;
    --skip-peer) skip_peer=true ;;
    --skip-spark) skip_spark=true ;;
    --skip-memory) skip_memory=true ;;
    --offline) mvn_offline=-o ;;
    *) echo "usage: deploy/bench.sh [--quick] [--skip-peer] [--skip-spark] [--skip-memory] [--offline]" >&2; exit 2 ;;
  esac
done
threads=${BENCH_THREADS:-$(nproc)}
peer_openblas=${BENCH_PEER_OPENBLAS:-openmp}
reps=5 warmup=2
# gpt2-small: one step is 20-40 s on 2 cores, so one warm-up (it allocates the engine's buffers) and few timed steps
big_reps=2 big_warmup=1
if $quick; then reps=3 warmup=1 big_reps=1; fi
suite_start=$(date +%s)
# warm-up and timed repetitions per shape
shape_reps() { if [[ $1 == gpt2-small ]]; then echo "$big_warmup $big_reps"; else echo "$warmup $reps"; fi; }
out=target/bench
mkdir -p "$out"
# Same thread count for every program: ND4J (OpenMP), OpenBLAS, numpy, PyTorch (--threads).
export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads
source deploy/lib/native-env.sh

echo "bench: building (mvn -DskipTests install)"
mvn $mvn_offline -q -B -ntp -DskipTests install
core_cp_file=lora-core/target/bench-classpath.txt
mvn $mvn_offline -q -B -ntp -pl lora-core dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$root/$core_cp_file"
core_cp="lora-core/target/test-classes:lora-core/target/classes:$(cat "$core_cp_file")"
jvm() { java -Xmx4g --add-modules=jdk.incubator.vector -cp "$core_cp" "$@" 2>&1; }

echo "bench: fixtures"
for shape in bench-small demo gpt2-small; do
  jvm io.sparklora.core.bench.BenchFixture "$out/fixtures/$shape" "$shape" deploy/demo/model | tail -1
done

echo "bench: ceilings"
shapes="2048x2048x2048 1024x512x512 1024x512x1376 1024x1376x512 1024x512x6144"
/usr/bin/python3 deploy/bench/ceiling_numpy.py --threads "$threads" --reps "$reps" --shapes "${shapes// /,}" \
  --out "$out/ceiling-numpy.json"
jvm io.sparklora.core.bench.GemmCeiling "$out/ceiling-nd4j.json" "$reps" $shapes | grep 'nd4j gemm'

echo "bench: training steps (each mode in its own JVM)"
for shape in bench-small demo gpt2-small; do
  read -r w r < <(shape_reps "$shape")
  for mode in lora full; do
    jvm io.sparklora.core.bench.StepBench "$out/fixtures/$shape" "$mode" "$w" "$r" "$out/step-$shape-$mode.json" \
      | grep 'step on'
  done
done

echo "bench: where a bench-small LoRA step spends its time, by part of the model ($out/profile-bench-small-lora.txt)"
jvm io.sparklora.core.bench.StepProfile "$out/fixtures/bench-small" lora "$reps" | sed -n '/step on/,$p' \
  >"$out/profile-bench-small-lora.txt"
head -8 "$out/profile-bench-small-lora.txt"; tail -2 "$out/profile-bench-small-lora.txt"

if ! $skip_peer; then
  echo "bench: PyTorch peer"
  if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    bash deploy/bench/install-peer.sh
  fi
  for shape in bench-small demo gpt2-small; do
    read -r w r < <(shape_reps "$shape")
    for mode in lora full; do
      /usr/bin/python3 deploy/bench/peer_torch.py --fixture "$out/fixtures/$shape" --threads "$threads" \
        --warmup "$w" --reps "$r" --mode "$mode" --openblas "$peer_openblas" --out "$out/peer-$shape-$mode.json"
    done
  done
fi

# The ratios that survive a shared machine: both programs alive at once, one step each in turn (pair.py).
pairs=6 big_pairs=3
if $quick; then pairs=4 big_pairs=2; fi
echo "bench: our LoRA and full fine-tuning steps taking turns"
/usr/bin/python3 deploy/bench/pair.py --fixture "$out/fixtures/bench-small" --mode lora --versus full \
  --threads "$threads" --warmup 1 --pairs "$pairs" --classpath "$core_cp" --out "$out/pair-bench-small-lora-full.json" \
  | tail -1
if ! $skip_peer; then
  echo "bench: ours and the peer taking turns"
  for shape in bench-small gpt2-small; do
    n=$pairs; [[ $shape == gpt2-small ]] && n=$big_pairs
    /usr/bin/python3 deploy/bench/pair.py --fixture "$out/fixtures/$shape" --mode lora --threads "$threads" \
      --warmup 1 --pairs "$n" --openblas "$peer_openblas" --classpath "$core_cp" --out "$out/pair-$shape-lora.json" \
      | tail -1
  done
fi

if ! $skip_memory; then
  echo "bench: memory with and without activation checkpointing (each setting in its own JVM)"
  # ND4J's arrays live outside the heap; JavaCPP's own cap (2 x -Xmx) is lifted, MemoryBench's watchdog stops a run
  # whose RSS passes 20 GiB (or what the machine has available) instead.
  for run in "bench-small off 2" "bench-small on 2" "gpt2-small off 1" "gpt2-small on 1" "qwen2-0.5b on 1" \
      "qwen2-0.5b off 1"; do
    read -r shape ckpt steps <<<"$run"
    if $quick && [[ $shape == qwen2-0.5b && $ckpt == off ]]; then continue; fi
    jvm -Dorg.bytedeco.javacpp.maxphysicalbytes=0 io.sparklora.core.bench.MemoryBench "$shape" "$ckpt" "$steps" \
      "$out/memory-$shape-$ckpt.json" | grep -E '^memory .*peak|^memory: RSS' || true
  done
fi

echo "bench: inference latency"
for shape in bench-small demo; do
  jvm io.sparklora.core.bench.InferenceBench "$out/fixtures/$shape" "$warmup" $((reps * 2 + 1)) "$out/inference-$shape.json" 1 8 \
    | grep '^inference'
done

if ! $skip_spark; then
  echo "bench: Spark rounds"
  jobs_cp_file=spark-jobs/target/bench-classpath.txt
  mvn $mvn_offline -q -B -ntp -pl spark-jobs dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$root/$jobs_cp_file"
  opens=$(mvn $mvn_offline -q -B -ntp help:evaluate -Dexpression=jvm.module.opens -DforceStdout | sed 's/\x1b\[[0-9;]*m//g')
  export SPARK_LOCAL_IP=127.0.0.1
  # shellcheck disable=SC2086
  java $opens --add-modules=jdk.incubator.vector -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
    -cp "$root/spark-jobs/target/test-classes:$root/spark-jobs/target/classes:$(cat "$jobs_cp_file")" \
    io.sparklora.jobs.bench.SparkRoundBench --out "$out/spark.json"
fi

/usr/bin/python3 deploy/bench/report.py "$out" --threads "$threads"
echo "bench: the suite took $(( ($(date +%s) - suite_start) / 60 )) min $(( ($(date +%s) - suite_start) % 60 )) s"
