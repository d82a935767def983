# Sourced by the launchers (deploy/sparklora, deploy/bench.sh): how ND4J's native code runs in this process.
# shellcheck shell=bash
#
# Threads: libnd4j's OpenMP threads spin-wait for work between ops by default. On a machine that other processes also
# load (a shared executor host, a CI runner) a spinning thread holds a core a sleeping peer needs, and every one of the
# ~1,000 ops of a step waits for it: the demo's step went from 0.1 s to 2.7 s at load 6 on 2 cores. PASSIVE makes idle
# threads sleep; measured: 0.10-0.14 s under the same load (README, "Performance"). Set OMP_WAIT_POLICY to override.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
# OpenBLAS's own worker threads (the products' pool) spin for 2^28 cycles, about 0.1 s, after each product before
# they sleep. On 2 cores that spin shares a core with the engine's threads through the attention, norms and
# activations that follow each product, and on a shared host it holds a core another process needs. 2^22 cycles
# (about 1.4 ms) keeps a worker awake between a layer's back-to-back products and lets it sleep through the rest:
# bench-small's LoRA step 0.96 of the default's (median of paired runs; README, "What stays"). Read at start-up.
export OPENBLAS_THREAD_TIMEOUT=${OPENBLAS_THREAD_TIMEOUT:-22}

# Memory: ND4J takes every array from malloc. The training engine allocates its buffers once and reuses them, but
# evaluation, generation and data handling still allocate and free arrays; with the graph-based step this project
# used before the engine, glibc's allocator grew the resident set by hundreds of MB per bench-small step while
# jemalloc reused the freed memory and stayed flat (README, "Memory"). So the launchers preload Debian's
# libjemalloc2 when it is installed (apt-get install libjemalloc2) and keep glibc when it is not.
# SPARKLORA_MALLOC=glibc opts out. On a cluster set both per executor (conf/spark-defaults-*.conf).
if [[ ${SPARKLORA_MALLOC:-jemalloc} == jemalloc ]]; then
  sparklora_jemalloc=$(/sbin/ldconfig -p 2>/dev/null | awk '/libjemalloc\.so\.2 / { print $NF; exit }')
  if [[ -n $sparklora_jemalloc && ":${LD_PRELOAD:-}:" != *":$sparklora_jemalloc:"* ]]; then
    export LD_PRELOAD="$sparklora_jemalloc${LD_PRELOAD:+:$LD_PRELOAD}"
  fi
  unset sparklora_jemalloc
fi
