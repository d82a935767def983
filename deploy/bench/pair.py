#!/usr/bin/env python3
"""Two steps taking turns: the ratio of adjacent steps, robust to a shared machine's load.

By default our step against the PyTorch peer's; with --versus full, our LoRA step against our own full fine-tuning
step (the LoRA / full ratio). Both programs start once (ours: StepBench --serve; the peer: peer_torch.py --serve),
warm up one after the other, and then run one step each in turn, alternating which goes first, so the two never
compete for the cores and each pair of steps sees the same background load. A pause (--gap, 0.3 s) separates the
steps: OpenBLAS's idle worker spins after a product (about 0.1 s at OpenBLAS's default, 1.4 ms with the
OPENBLAS_THREAD_TIMEOUT=22 that deploy/lib/native-env.sh sets), and without the pause that spin ran into the other
program's step. The figure is the median over pairs of (the first program's step / the second's); a slow
minute on the machine slows both sides of a pair and leaves the ratio alone. The peer still checks its loss and
gradient norm against the fixture's reference and fails on a mismatch, so both compute the same step.

    /usr/bin/python3 deploy/bench/pair.py --fixture target/bench/fixtures/bench-small --mode lora --threads 2 \\
        --pairs 6 --classpath "$CP" --out target/bench/pair-bench-small-lora.json
    /usr/bin/python3 deploy/bench/pair.py --fixture target/bench/fixtures/bench-small --mode lora --versus full \\
        --threads 2 --pairs 6 --classpath "$CP" --out target/bench/pair-bench-small-lora-full.json
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
    ap.add_argument("--versus", choices=("peer", "full"), default="peer",
                    help="the second program: the PyTorch peer in the same mode, or our full fine-tuning step")
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--openblas", choices=("system", "pthread", "openmp"), default="system",
                    help="the peer's OpenBLAS build (peer_torch.py --openblas)")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--pairs", type=int, default=6)
    ap.add_argument("--gap", type=float, default=0.3,
                    help="seconds between one program's step and the next one's: OpenBLAS's idle worker spins after a "
                         "product (2^28 cycles, about 0.1 s, unless OPENBLAS_THREAD_TIMEOUT says less), and without a "
                         "gap that spin runs into the other program's step")
    ap.add_argument("--classpath", required=True, help="lora-core's test classpath (StepBench)")
    ap.add_argument("--out", required=True, help="JSON file to write; the two programs' own JSON go beside it")
    args = ap.parse_args()
    if args.pairs < 1 or args.threads < 1 or args.warmup < 0:
        ap.error("--pairs and --threads must be at least 1, --warmup at least 0")
    if args.versus == "full" and args.mode != "lora":
        ap.error("--versus full compares our LoRA step with our full step: use it with --mode lora")
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


def ours_argv(args, mode, json_path):
    return ["java", "-Xmx4g", "--add-modules=jdk.incubator.vector", "-cp", args.classpath,
            "io.sparklora.core.bench.StepBench", args.fixture, mode, str(args.warmup), "1", json_path, "--serve"]


def main(args):
    base = os.path.splitext(args.out)[0]
    env_threads = {"OMP_NUM_THREADS": str(args.threads), "OPENBLAS_NUM_THREADS": str(args.threads)}
    os.environ.update(env_threads)
    # a names the first program, b the second: the JSON's keys (ours/peer, or lora/full) follow them
    if args.versus == "peer":
        a, b = "ours", "peer"
        first = Turns(a, ours_argv(args, args.mode, base + ".ours.json"), base + ".ours.log")
        second = Turns(b, ["/usr/bin/python3", os.path.join(HERE, "peer_torch.py"), "--fixture", args.fixture,
                           "--threads", str(args.threads), "--warmup", str(args.warmup), "--mode", args.mode,
                           "--openblas", args.openblas, "--serve", "--out", base + ".peer.json"], base + ".peer.log")
    else:
        a, b = "lora", "full"
        first = Turns(a, ours_argv(args, "lora", base + ".lora.json"), base + ".lora.log")
        second = Turns(b, ours_argv(args, "full", base + ".full.json"), base + ".full.log")
    pairs = []
    for i in range(args.pairs):
        load = os.getloadavg()[0]
        if i % 2 == 0:
            x = first.step()
            time.sleep(args.gap)
            y = second.step()
        else:
            y = second.step()
            time.sleep(args.gap)
            x = first.step()
        time.sleep(args.gap)
        pairs.append({f"{a}_s": x, f"{b}_s": y, "ratio": x / y, "loadavg_1m": load})
        print(f"pair {i + 1}/{args.pairs}: {a} {x:.3f} s, {b} {y:.3f} s, ratio {x / y:.3f} (load {load:.1f})",
              flush=True)
    first.finish()
    second.finish()
    ratio = statistics.median(p["ratio"] for p in pairs)
    median_a = statistics.median(p[f"{a}_s"] for p in pairs)
    median_b = statistics.median(p[f"{b}_s"] for p in pairs)
    with open(f"{base}.{b}.json") as f:
        second_report = json.load(f)
    tokens = second_report["rows"] * second_report["seq_len"]
    report = {
        "fixture": os.path.abspath(args.fixture),
        "mode": args.mode,
        "versus": args.versus,
        "threads": args.threads,
        "gap_s": args.gap,
        "peer_openblas": args.openblas if args.versus == "peer" else None,
        "warmup": args.warmup,
        "pairs": pairs,
        f"median_ratio_{a}_over_{b}": ratio,
        f"{a}_median_s": median_a,
        f"{b}_median_s": median_b,
        f"{a}_tokens_per_s": tokens / median_a,
        f"{b}_tokens_per_s": tokens / median_b,
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if args.versus == "peer":
        report["peer_check"] = second_report["check"]
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
    print(f"pair {os.path.basename(args.fixture)} {args.mode}: {a} / {b} = {ratio:.3f} (median of {len(pairs)} "
          f"adjacent pairs; {a} {median_a:.3f} s, {b} {median_b:.3f} s; "
          f"{report[f'{a}_tokens_per_s']:.0f} vs {report[f'{b}_tokens_per_s']:.0f} tokens/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(parse_args()))
