# Sourced by the launchers (deploy/sparklora, deploy/bench.sh): the allocator for ND4J's native memory.
# shellcheck shell=bash
#
# ND4J takes every array from malloc. Each training step frees its arrays (CausalLmGraph releases the session's
# intermediates), but glibc's allocator still grows the resident set by hundreds of MB per bench-small step, while
# jemalloc reuses the freed memory and stays flat (README, "Memory"). So the launchers preload Debian's libjemalloc2
# when it is installed (apt-get install libjemalloc2) and fall back to glibc, unchanged, when it is not.
# SPARKLORA_MALLOC=glibc opts out. On a cluster set the same per executor (conf/spark-defaults-*.conf).
if [[ ${SPARKLORA_MALLOC:-jemalloc} == jemalloc ]]; then
  sparklora_jemalloc=$(/sbin/ldconfig -p 2>/dev/null | awk '/libjemalloc\.so\.2 / { print $NF; exit }')
  if [[ -n $sparklora_jemalloc && ":${LD_PRELOAD:-}:" != *":$sparklora_jemalloc:"* ]]; then
    export LD_PRELOAD="$sparklora_jemalloc${LD_PRELOAD:+:$LD_PRELOAD}"
  fi
  unset sparklora_jemalloc
fi
