#!/usr/bin/python3
"""BLAS ceiling: fp32 matrix-product throughput (GFLOP/s) of the BLAS numpy calls, for the benchmark report.

Run with Debian's interpreter, /usr/bin/python3 (install-peer.sh installs numpy and OpenBLAS), e.g.
    /usr/bin/python3 deploy/bench/ceiling_numpy.py --threads 2 --reps 7 --shapes 2048x2048x2048,1024x512x512 --out c.json

Each shape is M x K x N: an [M, K] by [K, N] product, 2·M·K·N flops. A step of our engine cannot beat the best figure
here on this machine, so it bounds how far the engine is from the hardware. The thread count is set through
OPENBLAS_NUM_THREADS/OMP_NUM_THREADS before numpy loads (the script re-executes itself with them), and the output
names the BLAS library really mapped into the process, not the one numpy was built against.
"""
import argparse
import json
import os
import statistics
import sys
import time

import blas_probe


def parse_shapes(text):
    shapes = []
    for item in text.split(","):
        parts = item.strip().lower().split("x")
        if len(parts) != 3 or not all(p.isdigit() and int(p) > 0 for p in parts):
            raise argparse.ArgumentTypeError(f"shape {item!r} is not MxKxN with positive integers")
        shapes.append(tuple(int(p) for p in parts))
    return shapes


def measure(np, m, k, n, reps):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k), dtype=np.float32)  # [M, K]
    b = rng.standard_normal((k, n), dtype=np.float32)  # [K, N]
    c = np.empty((m, n), dtype=np.float32)  # [M, N], reused so allocation is not timed
    np.matmul(a, b, out=c)  # warm-up: thread pool start, page faults on c
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    return {"m": m, "k": k, "n": n, "seconds": times, "median_s": median, "gflops": 2.0 * m * k * n / median / 1e9}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--shapes", type=parse_shapes, default=parse_shapes("2048x2048x2048,1024x512x512"))
    ap.add_argument("--openblas", choices=tuple(blas_probe.OPENBLAS_BUILDS), default="system",
                    help="Debian OpenBLAS build to load (default: the system's libblas.so.3)")
    ap.add_argument("--out", help="JSON file to write")
    args = ap.parse_args()
    if args.threads < 1 or args.reps < 1:
        ap.error("--threads and --reps must be at least 1")
    blas_probe.pin_threads(args.threads, args.openblas)

    try:  # after pin_threads: OpenBLAS reads its thread count when it loads
        import numpy as np
    except ImportError as e:
        sys.exit(f"{e}: run with Debian's /usr/bin/python3 after deploy/bench/install-peer.sh")

    load_before = os.getloadavg()[0]  # other processes' load is the main source of noise on a shared machine
    results = [measure(np, m, k, n, args.reps) for m, k, n in args.shapes]
    for r in results:
        print(f"{r['m']}x{r['k']}x{r['n']}: {r['median_s'] * 1e3:.2f} ms median, {r['gflops']:.1f} GFLOP/s")
    report = {
        "blas": blas_probe.describe(),
        "numpy_version": np.__version__,
        "threads": args.threads,
        "env": blas_probe.thread_env(),
        "reps": args.reps,
        "loadavg_1m": [load_before, os.getloadavg()[0]],  # before and after the measurements
        "results": results,
        "best_gflops": max(r["gflops"] for r in results),
    }
    print(f"BLAS: {report['blas']}")
    print(f"best: {report['best_gflops']:.1f} GFLOP/s with {args.threads} threads")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(report, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
