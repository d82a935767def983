#!/usr/bin/env bash
# Soak test: trains the demo job (conf/demo.yaml, Spark local mode, so driver and executor share one JVM) for many
# rounds and measures that JVM's memory at ~10% of the run and at its end (the last checkpoint, ~90%):
#   heap used after a full GC (jcmd GC.heap_info), JVM native memory committed (jcmd VM.native_memory summary,
#   with -XX:NativeMemoryTracking=summary) and the process RSS (/proc/PID/status VmRSS, which also holds ND4J's
#   off-heap buffers, allocated outside the JVM's own accounting).
# Usage: deploy/soak.sh [ROUNDS]   (default 2000). Build first (deploy/run-local.sh or mvn -DskipTests install).
# Samples are taken when each checkpoint (every ROUNDS/10 rounds) appears; all of them go to target/soak/samples.tsv.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

rounds=${1:-2000}
if ! [[ $rounds =~ ^[0-9]+$ ]] || (( rounds < 20 )); then
  echo "usage: deploy/soak.sh [ROUNDS]   (ROUNDS >= 20, default 2000)" >&2
  exit 2
fi
every=$(( rounds / 10 ))
out=target/soak/run-$rounds
log=target/soak/run-$rounds.log
samples=target/soak/samples-$rounds.tsv
rm -rf "$out"
mkdir -p target/soak

# Only the training JVM should track native memory; the launcher's Maven calls run before it.
export JAVA_TOOL_OPTIONS="${JAVA_TOOL_OPTIONS:-} -XX:NativeMemoryTracking=summary"
deploy/sparklora train --config conf/demo.yaml \
  --set train.rounds="$rounds" --set checkpoint.every_rounds="$every" --set checkpoint.keep=2 \
  --set eval.every_rounds="$every" --set output.path="$out" >"$log" 2>&1 &
pid=$!   # deploy/sparklora execs java, so this is the training JVM
trap 'kill "$pid" 2>/dev/null || true' INT TERM

kib() { awk -v v="$1" 'BEGIN { printf "%.1f MiB", v / 1024 }'; }

# One sample: "round heap_used_KiB heap_committed_KiB nmt_committed_KiB nmt_heap_committed_KiB rss_KiB"
sample() {
  local round=$1 heap nmt rss
  jcmd "$pid" GC.run >/dev/null 2>&1 || return 1
  heap=$(jcmd "$pid" GC.heap_info 2>/dev/null) || return 1
  nmt=$(jcmd "$pid" VM.native_memory summary 2>/dev/null) || return 1
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || return 1
  local used committed total jheap
  # "garbage-first heap   total 262144K, used 40960K [...]"
  used=$(grep -m1 -oE 'used [0-9]+K' <<<"$heap" | grep -oE '[0-9]+')
  committed=$(grep -m1 -oE 'total [0-9]+K' <<<"$heap" | grep -oE '[0-9]+')
  # "Total: reserved=...KB, committed=...KB" and "-  Java Heap (reserved=...KB, committed=...KB)"
  total=$(grep -m1 '^Total:' <<<"$nmt" | grep -oE 'committed=[0-9]+' | grep -oE '[0-9]+')
  jheap=$(grep -m1 'Java Heap' <<<"$nmt" | grep -oE 'committed=[0-9]+' | grep -oE '[0-9]+')
  [[ -n $used && -n $total && -n $rss ]] || return 1
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$used" "$committed" "$total" "$jheap" "$rss"
}

printf 'round\theap_used_KiB\theap_committed_KiB\tnmt_committed_KiB\tnmt_heap_committed_KiB\trss_KiB\n' >"$samples"
echo "soak: $rounds rounds, pid $pid, samples at every checkpoint ($every rounds); log $log"
start_time=$SECONDS
next=$every
while kill -0 "$pid" 2>/dev/null; do
  # The newest complete checkpoint (older ones are pruned; rounds can outpace this loop).
  cp=$(ls -d "$out"/checkpoints/round-*/_COMPLETE 2>/dev/null | sort | tail -1 || true)
  if [[ -n $cp ]]; then
    at=$(( 10#$(basename "$(dirname "$cp")" | sed 's/round-//') ))
    if (( at >= next )) && line=$(sample "$at"); then
      echo "$line" >>"$samples"
      echo "  round $at: $(awk -F'\t' '{ printf "heap used %d KiB, NMT committed %d KiB, RSS %d KiB", $2, $4, $6 }' <<<"$line")"
      next=$(( at + every ))
    fi
  fi
  sleep 0.5
done
set +e
wait "$pid"
rc=$?
set -e
elapsed=$(( SECONDS - start_time ))
if (( rc != 0 )); then
  echo "soak: the run failed (exit $rc); see $log" >&2
  tail -20 "$log" >&2
  exit "$rc"
fi

n=$(( $(wc -l <"$samples") - 1 ))
if (( n < 2 )); then
  echo "soak: fewer than two samples were taken (run too short?); see $samples" >&2
  exit 1
fi
first=$(sed -n 2p "$samples")
last=$(tail -1 "$samples")
report() { # label column
  local a b
  a=$(cut -f"$2" <<<"$first"); b=$(cut -f"$2" <<<"$last")
  printf '  %-34s %12s -> %12s   growth %+d KiB (%+.1f%%)\n' "$1" "$(kib "$a")" "$(kib "$b")" $(( b - a )) \
    "$(awk -v a="$a" -v b="$b" 'BEGIN { print (a > 0 ? 100 * (b - a) / a : 0) }')"
}
echo "soak: $rounds rounds in ${elapsed}s; round $(cut -f1 <<<"$first") -> round $(cut -f1 <<<"$last") (one JVM: driver + executor)"
report "heap used after full GC" 2
report "heap committed" 3
report "JVM native memory committed (NMT)" 4
a=$(( $(cut -f4 <<<"$first") - $(cut -f5 <<<"$first") )); b=$(( $(cut -f4 <<<"$last") - $(cut -f5 <<<"$last") ))
printf '  %-34s %12s -> %12s   growth %+d KiB\n' "off-heap (NMT minus Java heap)" "$(kib "$a")" "$(kib "$b")" $(( b - a ))
report "process RSS" 6
a=$(( $(cut -f6 <<<"$first") - $(cut -f4 <<<"$first") )); b=$(( $(cut -f6 <<<"$last") - $(cut -f4 <<<"$last") ))
printf '  %-34s %12s -> %12s   growth %+d KiB\n' "RSS outside NMT (ND4J, libc)" "$(kib "$a")" "$(kib "$b")" $(( b - a ))
echo "all samples: $samples"
