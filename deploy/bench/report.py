#!/usr/bin/python3
"""Reads the JSON files deploy/bench.sh wrote into DIR, prints the performance table and writes DIR/results.json.

Every figure is a ratio or a utilisation of two measurements from the same run (medians after warm-up), with the
issue's target beside it, so a run on a noisy or different machine still says something.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess


def load(directory, name):
    path = os.path.join(directory, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


class Table:
    def __init__(self):
        self.rows = []

    def add(self, group, metric, value, target="", met=None):
        self.rows.append({"group": group, "metric": metric, "value": value, "target": target,
                          "met": met})

    def print(self):
        widths = [12, 58, 22, 14]
        print(f"{'':{widths[0]}} {'metric':{widths[1]}} {'value':>{widths[2]}} {'target':>{widths[3]}}")
        for r in self.rows:
            mark = "" if r["met"] is None else ("  met" if r["met"] else "  MISSED")
            print(f"{r['group']:{widths[0]}} {r['metric']:{widths[1]}} {r['value']:>{widths[2]}} "
                  f"{r['target']:>{widths[3]}}{mark}")


def mib(n):
    return f"{n / 2**20:.0f} MiB" if n >= 10 * 2**20 else f"{n / 2**10:.0f} KiB"


def add_tokens_and_rss(t, results, shape, mode, ours, peer):
    """Rows for a shape whose step both programs ran: tokens/s and peak RSS side by side."""
    tokens = ours["rows"] * ours["seq_len"]
    ours_tps = tokens / ours["median_s"]
    t.add(shape, f"{mode} step tokens/s ours / PyTorch", f"{ours_tps:.0f} / {peer['tokens_per_s']:.0f}")
    if peer.get("peak_rss_bytes", -1) > 0:
        t.add(shape, f"{mode} step peak RSS ours / PyTorch",
              f"{mib(ours['peak_rss_bytes'])} / {mib(peer['peak_rss_bytes'])}")
    results[f"{shape}_{mode.lower()}_tokens_per_s"] = {"ours": ours_tps, "torch": peer["tokens_per_s"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("directory")
    ap.add_argument("--threads", type=int, required=True)
    args = ap.parse_args()
    d = args.directory
    t = Table()
    results = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
               "commit": git_commit(), "cpu": cpu_model(), "cores": os.cpu_count(), "threads": args.threads,
               "load_average_end": os.getloadavg()}

    numpy_ceiling = load(d, "ceiling-numpy.json")
    nd4j_ceiling = load(d, "ceiling-nd4j.json")
    best = max(x["best_gflops"] for x in (numpy_ceiling, nd4j_ceiling) if x)
    if numpy_ceiling:
        t.add("ceiling", f"numpy fp32 matmul, best shape ({numpy_ceiling.get('blas', '?')[:20]})",
              f"{numpy_ceiling['best_gflops']:.1f} GFLOP/s")
    if nd4j_ceiling:
        t.add("ceiling", "ND4J fp32 gemm, best shape", f"{nd4j_ceiling['best_gflops']:.1f} GFLOP/s")
        for r in nd4j_ceiling["results"]:
            t.add("ceiling", f"  ND4J {r['m']}x{r['k']}x{r['n']}", f"{r['gflops']:.1f} GFLOP/s")
    results["ceiling_gflops"] = best

    for shape in ("bench-small", "demo", "gpt2-small"):
        lora = load(d, f"step-{shape}-lora.json")
        full = load(d, f"step-{shape}-full.json")
        if not lora:
            continue
        mfu = lora["model_gflops_per_s"] / best
        t.add(shape, "LoRA step (fwd+bwd) median", f"{lora['median_s']:.3f} s")
        t.add(shape, "LoRA step MFU (model FLOPs/s over best ceiling)", f"{100 * mfu:.1f}%",
              ">= 50%" if shape == "bench-small" else "", mfu >= 0.5 if shape == "bench-small" else None)
        results[f"{shape}_lora_mfu"] = mfu
        if full:
            ratio = lora["median_s"] / full["median_s"]
            mem = lora["peak_rss_bytes"] / full["peak_rss_bytes"]
            t.add(shape, "full fine-tuning step median", f"{full['median_s']:.3f} s")
            t.add(shape, "LoRA / full step time", f"{ratio:.2f}", "<= 0.70", ratio <= 0.70)
            t.add(shape, "peak RSS LoRA / full (heap + off-heap)",
                  f"{mib(lora['peak_rss_bytes'])} / {mib(full['peak_rss_bytes'])} = {mem:.2f}",
                  "<= 0.6" if shape == "bench-small" else "", mem <= 0.6 if shape == "bench-small" else None)
            t.add(shape, "trainable parameters LoRA / full",
                  f"{lora['trainable_params']:,} / {full['trainable_params']:,}")
            t.add(shape, "AdamW state bytes LoRA / full",
                  f"{mib(lora['optimizer_state_bytes'])} / {mib(full['optimizer_state_bytes'])}")
            results[f"{shape}_lora_over_full_time"] = ratio
            results[f"{shape}_lora_over_full_peak_rss"] = mem
        turns = load(d, f"pair-{shape}-lora-full.json")
        if turns:
            ratio = turns["median_ratio_lora_over_full"]
            t.add(shape, f"LoRA / full step time, taking turns ({len(turns['pairs'])} pairs)",
                  f"{turns['lora_median_s']:.3f} / {turns['full_median_s']:.3f}: {ratio:.2f}", "<= 0.70", ratio <= 0.70)
            results[f"{shape}_lora_over_full_time_taking_turns"] = ratio
        # the targets: bench-small's LoRA step <= 0.8 x the peer's; gpt2-small's tokens/s >= the peer's
        peer_target = 0.8 if shape == "bench-small" else 1.0
        peer = load(d, f"peer-{shape}-lora.json")
        if peer:
            ratio = lora["median_s"] / peer["median_s"]
            t.add(shape, f"ours / PyTorch {peer.get('torch_version', '')} LoRA step (separate runs)",
                  f"{lora['median_s']:.3f} / {peer['median_s']:.3f} = {ratio:.2f}", f"<= {peer_target}",
                  ratio <= peer_target)
            results[f"{shape}_ours_over_torch_lora"] = ratio
        pair = load(d, f"pair-{shape}-lora.json")
        if pair:
            ratio = pair["median_ratio_ours_over_peer"]
            t.add(shape, f"ours / PyTorch LoRA step, taking turns ({len(pair['pairs'])} pairs)",
                  f"{pair['ours_median_s']:.3f} / {pair['peer_median_s']:.3f}: {ratio:.2f}", f"<= {peer_target}",
                  ratio <= peer_target)
            results[f"{shape}_ours_over_torch_lora_taking_turns"] = ratio
        if peer and shape == "gpt2-small":
            add_tokens_and_rss(t, results, shape, "LoRA", lora, peer)
        peer_full = load(d, f"peer-{shape}-full.json")
        if peer_full and full:
            t.add(shape, "ours / PyTorch full fine-tuning step",
                  f"{full['median_s'] / peer_full['median_s']:.2f}")
            if shape == "gpt2-small":
                add_tokens_and_rss(t, results, shape, "full", full, peer_full)
        inference = load(d, f"inference-{shape}.json")
        if inference:
            for key, row in inference.items():
                if not key.startswith("rows_"):
                    continue
                rows = key.split("_")[1]
                t.add(shape, f"inference batch {rows}: unmerged / base latency", f"{row['unmerged_over_base']:.3f}")
                merged = row["merged_over_base"]
                t.add(shape, f"inference batch {rows}: merged / base latency", f"{merged:.3f}", "<= 1.02",
                      merged <= 1.02)
                results[f"{shape}_inference_b{rows}_merged_over_base"] = merged

    for shape in ("bench-small", "gpt2-small", "qwen2-0.5b"):
        runs = {ckpt: load(d, f"memory-{shape}-{ckpt}.json") for ckpt in ("off", "on")}
        for ckpt, m in runs.items():
            if not m:
                continue
            label = f"ckpt {ckpt}"
            if m.get("aborted"):
                t.add("memory", f"{shape} {label}: stopped, RSS passed", mib(m["rss_limit_bytes"]))
                continue
            p = m["predicted"]
            t.add("memory", f"{shape} {label}: peak RSS measured / predicted",
                  f"{mib(m['peak_rss_bytes'])} / {mib(p['total_bytes'])}")
            t.add("memory", f"{shape} {label}: working set measured / predicted",
                  f"{mib(m['working_set_bytes'])} / {mib(p['working_set_bytes'])}")
            t.add("memory", f"{shape} {label}: weights; LoRA step (tokens/s)",
                  f"{mib(m['weights_bytes'])}, {m['median_s']:.1f} s ({m['tokens_per_s']:.0f})")
            results[f"memory_{shape}_{ckpt}"] = {k: m[k] for k in ("peak_rss_bytes", "working_set_bytes", "weights_bytes",
                                                                  "baseline_rss_bytes", "median_s", "tokens_per_s")}
            results[f"memory_{shape}_{ckpt}"]["predicted"] = p
        if all(runs.values()) and not any(m.get("aborted") for m in runs.values()):
            t.add("memory", f"{shape} peak RSS ckpt on / off",
                  f"{runs['on']['peak_rss_bytes'] / runs['off']['peak_rss_bytes']:.2f}")

    spark = load(d, "spark.json")
    if spark:
        results["spark"] = {k: spark[k] for k in ("bytes_per_round", "round_overhead", "scaling", "model")}
        lora, full = spark["bytes_per_round"]["lora"], spark["bytes_per_round"]["full_model"]
        t.add("spark", "largest single transfer / adapter size (θ out or one result back)",
              f"{lora['max_transfer_over_own_size']:.3f}", "<= 1.1", lora["max_transfer_over_own_size"] <= 1.1)
        t.add("spark", f"round bytes / adapter size ({spark['model']['workers']} workers: θ to each, result from each)",
              f"{lora['round_over_own_size']:.2f}")
        t.add("spark", "round bytes full-model averaging / LoRA",
              f"{spark['bytes_per_round']['full_round_bytes_over_lora_round_bytes']:.1f}x")
        for key, label in (("lora_default", "default round"), ("lora_large", "4x larger round")):
            o = spark["round_overhead"][key]
            t.add("spark", f"round overhead, {label} ({o['job_wall_ms']:.0f} ms wall)", f"{100 * o['overhead_fraction']:.1f}%",
                  "<= 5%" if key == "lora_default" else "", o["overhead_fraction"] <= 0.05 if key == "lora_default" else None)
        sc = spark["scaling"]
        t.add("spark", "tokens/s 2 executors x 1 core / 1 executor x 1 core", f"{sc['two_over_one']:.2f}")

    print(f"\nSparkLoRA benchmarks, {results['date']}, commit {results['commit']}, {results['cpu']}, "
          f"{results['cores']} cores, {args.threads} threads, load average at end {results['load_average_end'][0]:.1f}")
    t.print()
    results["table"] = t.rows
    with open(os.path.join(d, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(f"\nwritten {os.path.join(d, 'results.json')}")


if __name__ == "__main__":
    main()
