#!/usr/bin/env python3
"""Our step against the PyTorch peer's, taking turns: the ratio of adjacent steps, robust to a shared machine's load.

Both programs start once (ours: StepBench --serve; the peer: peer_torch.py --serve), warm up one after the other, and
then run one step each in turn, alternating which goes first, so the two never compete for the cores and each pair of
steps sees the same background load. The figure is the median over pairs of (our step / the peer's step); a slow
minute on the machine slows both sides of a pair and leaves the ratio alone. The peer still checks its loss and
gradient norm against the fixture's reference and fails on a mismatch, so both compute the same step.

    /usr/bin/python3 deploy/bench/pair.py --fixture target/bench/fixtures/bench-small --mode lora --threads 2 \\
        --pairs 6 --classpath "$CP" --out target/bench/pair-bench-small-lora.json
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fixture", required=True, help="fixture directory written by BenchFixture")
    ap.add_argument("--mode", choices=("lora", "full"), default="lora")
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--pairs", type=int, default=6)
    ap.add_argument("--classpath", required=True, help="lora-core's test classpath (StepBench)")
    ap.add_argument("--out", required=True, help="JSON file to write; the two programs' own JSON go beside it")
    args = ap.parse_args()
    if args.pairs < 1 or args.threads < 1 or args.warmup < 0:
        ap.error("--pairs and --threads must be at least 1, --warmup at least 0")
    return args


class Turns:
    """One long-lived benchmark process that runs a step each time it is asked."""

    def __init__(self, name, argv, log_path):
        self.name = name
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True)
        self._expect("ready")

    def _expect(self, prefix):
        for line in self.proc.stdout:
            if line.startswith(prefix):
                return line
            self.log.write(line)
        raise RuntimeError(f"{self.name} ended before printing '{prefix}' (exit {self.proc.wait()}; see {self.log.name})")

    def step(self):
        self.proc.stdin.write("step\n")
        self.proc.stdin.flush()
        return float(self._expect("step ").split()[1])

    def finish(self):
        self.proc.stdin.close()
        for line in self.proc.stdout:
            self.log.write(line)
        code = self.proc.wait()
        self.log.close()
        if code != 0:
            raise RuntimeError(f"{self.name} exited {code} (see {self.log.name})")


def main(args):
    base = os.path.splitext(args.out)[0]
    env_threads = {"OMP_NUM_THREADS": str(args.threads), "OPENBLAS_NUM_THREADS": str(args.threads)}
    os.environ.update(env_threads)
    ours = Turns("ours", ["java", "-Xmx4g", "--add-modules=jdk.incubator.vector", "-cp", args.classpath, "io.sparklora.core.bench.StepBench", args.fixture,
                          args.mode, str(args.warmup), "1", base + ".ours.json", "--serve"], base + ".ours.log")
    peer = Turns("peer", ["/usr/bin/python3", os.path.join(HERE, "peer_torch.py"), "--fixture", args.fixture,
                          "--threads", str(args.threads), "--warmup", str(args.warmup), "--mode", args.mode,
                          "--serve", "--out", base + ".peer.json"], base + ".peer.log")
    pairs = []
    for i in range(args.pairs):
        load = os.getloadavg()[0]
        if i % 2 == 0:
            o = ours.step()
            p = peer.step()
        else:
            p = peer.step()
            o = ours.step()
        pairs.append({"ours_s": o, "peer_s": p, "ratio": o / p, "loadavg_1m": load})
        print(f"pair {i + 1}/{args.pairs}: ours {o:.3f} s, peer {p:.3f} s, ratio {o / p:.3f} (load {load:.1f})",
              flush=True)
    ours.finish()
    peer.finish()
    with open(base + ".peer.json") as f:
        peer_report = json.load(f)
    tokens = peer_report["rows"] * peer_report["seq_len"]
    ratio = statistics.median(x["ratio"] for x in pairs)
    ours_median = statistics.median(x["ours_s"] for x in pairs)
    peer_median = statistics.median(x["peer_s"] for x in pairs)
    report = {
        "fixture": os.path.abspath(args.fixture),
        "mode": args.mode,
        "threads": args.threads,
        "warmup": args.warmup,
        "pairs": pairs,
        "median_ratio_ours_over_peer": ratio,
        "ours_median_s": ours_median,
        "peer_median_s": peer_median,
        "ours_tokens_per_s": tokens / ours_median,
        "peer_tokens_per_s": tokens / peer_median,
        "peer_check": peer_report["check"],
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
    print(f"pair {os.path.basename(args.fixture)} {args.mode}: ours / peer = {ratio:.3f} (median of {len(pairs)} "
          f"adjacent pairs; ours {ours_median:.3f} s, peer {peer_median:.3f} s; "
          f"{report['ours_tokens_per_s']:.0f} vs {report['peer_tokens_per_s']:.0f} tokens/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(parse_args()))
