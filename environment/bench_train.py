"""Fine-tuning benchmark: full fine-tuning against LoRA on the 29.4M-parameter benchmark model, as
fractions of the dense matmul peak of the same engine, with each mode's peak memory.

Run through environment/bench-train. Prints figures; it is a measurement, not a test, and exits
non-zero only when a process fails.

Every mode runs in its own process (`globmed finetune bench peak|full|lora`), --runs times, the
order rotating from run to run so that a slow spell of the shared machine does not always hit the
same mode. Peak RSS comes from wait4 on that process alone, so full fine-tuning and LoRA never
share a heap or an allocator's high-water mark. The table shows medians over the runs.

Memory. The target compares the memory each mode's training takes: the peak resident size minus
the runtime's, read before the model exists (the JVM, the sample, libtorch loaded and warmed). That
counts the weights, their gradients, AdamW's moments, the activations and the allocator's spare
memory: "peak memory, optimizer state included". The process's own peak is printed too, but at
this model size it cannot show the saving: the runtime alone is about 700 MiB, more than twice
what LoRA can save (gradients and moments, 12 bytes x 29.4M = 336 MiB), so even without any
activations LoRA's process peak would be above 0.6x of full's. The bench processes run with a
fixed, pre-touched heap (JVM_OPTS below) so that the JVM's share is resident before training and
does not grow during it.

Why batch 2 x 256 tokens by default: activation memory grows with the tokens of a micro-batch, the
weights' gradients and AdamW's moments do not. At 512 tokens this model's activations (about 300
MiB) are the size of its optimizer state, as in fine-tuning the paper's 1.7B-8B models, where the
gradients and moments of the weights (16 bytes a parameter with the weights) are tens of GB. At
1,024 tokens (--batch 4) the activations are about twice the optimizer state and LoRA, which keeps
every activation full fine-tuning keeps, saves a smaller share: measured, 0.76x. 512 rows still
keep MKL's products efficient (MFU over 40%). 256 byte-level tokens is shorter than the median
prompt of the bundled sample (about 360), so most of its train items fill a row with real text and
no batch holds padding. --batch, --seq and --accumulate show other settings.

Threads: libtorch runs each operation on one OpenMP thread per core and waits for all of them at
its end. When another process keeps one of the 2 cores busy, every one of the few thousand
operations of a step waits for a descheduled thread: measured here, a full step took 19 s with 2
threads against 3.5 s with 1. On a shared machine, --threads 1 gives figures that mean something
(MFU is then against the one-thread matmul peak of the same run). So does --passive with the
default threads: libgomp's threads then sleep at once when they wait instead of spinning first,
and give the core back to the thread they wait for (a 2-thread step: 3.5-4 s instead of 12 s
under the same load). The load average and each process's CPU time per wall second are printed
to show how shared the machine was.
"""

import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GLOBMED = os.path.join(HERE, "globmed")
TARGET_MFU = 0.20
TARGET_SPEED = 1.3
TARGET_MEMORY = 0.6
# A fixed heap, touched at start-up: see "Memory" above. The sample and the run need about 150 MB.
JVM_OPTS = "-Xms512m -Xmx512m -XX:+AlwaysPreTouch"


def run(argv, env):
    """Runs one mode to completion; returns its name=value figures with wall time, peak RSS and load."""
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, text=True, env=env)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)  # reaped here: this process's own rusage
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        if code != 0:
            log.seek(0)
            sys.exit(f"bench-train: {' '.join(argv[1:])} failed ({code}):\n{log.read()[-3000:]}{out[-2000:]}")
    figures = {}
    for line in out.splitlines():
        name, sep, value = line.partition("=")
        if sep:
            try:
                figures[name] = float(value)
            except ValueError:
                figures[name] = value
    figures["wall_s"] = wall
    figures["rss_process_mib"] = usage.ru_maxrss / 1024
    figures["load"] = max(load_before, os.getloadavg()[0])
    figures["cpu_per_wall"] = (usage.ru_utime + usage.ru_stime) / wall
    return figures


def median(runs, key):
    return statistics.median(r[key] for r in runs)


def phases(trace):
    """Seconds per step in forward, backward and after backward (gradient norm, AdamW, zeroing), and the top ops of each."""
    events = [e for e in json.load(open(trace)) if e.get("ph") == "X"]
    main = collections.Counter(e["tid"] for e in events).most_common(1)[0][0]
    events = sorted((e for e in events if e["tid"] == main), key=lambda e: (e["ts"], -e["dur"]))
    top, end = [], -1.0
    for e in events:  # outermost calls only: their durations include what they call
        if e["ts"] >= end:
            top.append(e)
            end = e["ts"] + e["dur"]
    steps, current = [], None
    for e in top:
        if e["name"] == "aten::embedding":  # the first op of every forward pass
            current = []
            steps.append(current)
        if current is not None:
            current.append(e)
    totals = collections.defaultdict(collections.Counter)
    for s in steps:
        backward = [i for i, e in enumerate(s) if e["name"].startswith("autograd::engine")]
        if not backward:
            continue
        parts = {"forward": s[:backward[0]], "backward": s[backward[0]:backward[-1] + 1],
                 "after backward (norm, AdamW, zero)": s[backward[-1] + 1:]}
        for part, ops in parts.items():
            for e in ops:
                name = e["name"].replace("autograd::engine::evaluate_function: ", "")
                totals[part][name] += e["dur"] / 1e6 / len(steps)
    return totals


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--seq", type=int, default=256)
    parser.add_argument("--accumulate", type=int, default=1, help="micro-batches per optimizer step")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--threads", type=int, default=0,
                        help="libtorch intra-op threads (default: the engine's, one per core); see the note above")
    parser.add_argument("--passive", action="store_true",
                        help="OMP_WAIT_POLICY=PASSIVE for every process: OpenMP threads sleep instead of spinning")
    parser.add_argument("--checkpointing", action="store_true",
                        help="gradient checkpointing in both modes (TrainingConfig.gradientCheckpointing)")
    parser.add_argument("--profile", action="store_true",
                        help="after the runs, one profiled process per mode: time per phase and op (profiling slows it)")
    args = parser.parse_args()
    env = dict(os.environ)
    env["GLOBMED_JVM_OPTS"] = (JVM_OPTS + " " + env.get("GLOBMED_JVM_OPTS", "")).strip()
    if args.passive:
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    if args.threads:
        env["GLOBMED_JVM_OPTS"] = (env.get("GLOBMED_JVM_OPTS", "") + f" -Dai.djl.pytorch.num_threads={args.threads}").strip()
    train = ["--batch", str(args.batch), "--seq", str(args.seq), "--accumulate", str(args.accumulate),
             "--warmup", str(args.warmup), "--steps", str(args.steps), *(["--checkpointing"] if args.checkpointing else [])]
    modes = {
        "peak": [GLOBMED, "finetune", "bench", "peak"],
        "full": [GLOBMED, "finetune", "bench", "full", *train],
        "lora": [GLOBMED, "finetune", "bench", "lora", *train, "--rank", str(args.rank)],
    }
    results = {m: [] for m in modes}
    order = list(modes)
    for i in range(args.runs):
        for mode in order[i % 3:] + order[:i % 3]:
            results[mode].append(run(modes[mode], env))
        p, f, lo = results["peak"][-1], results["full"][-1], results["lora"][-1]
        print(f"run {i + 1}: peak {p['peak_gflops']:.0f} GFLOP/s; full {f['tokens_per_second']:.0f} tokens/s"
              f" ({f['step_seconds_median']:.2f} s/step, {f['rss_process_mib']:,.0f} MiB, {f['cpu_per_wall']:.2f} CPU/s);"
              f" LoRA {lo['tokens_per_second']:.0f} tokens/s ({lo['step_seconds_median']:.2f} s/step,"
              f" {lo['rss_process_mib']:,.0f} MiB, {lo['cpu_per_wall']:.2f} CPU/s); load average up to"
              f" {max(p['load'], f['load'], lo['load']):.1f}", flush=True)

    peak = median(results["peak"], "peak_gflops") * 1e9
    full, lora = results["full"], results["lora"]
    f0, l0 = full[0], lora[0]
    print()
    print(f"model: Qwen3-shaped, {int(f0['parameters']):,} parameters (untied head, vocab 4,096); LoRA r={args.rank}"
          f" on every projection, {int(l0['trained_parameters']):,} trained; micro-batch {args.batch} x {args.seq} tokens,"
          f" {args.accumulate} per step"
          f" ({int(f0['tokens_per_step']):,} per step), loss at every position; warm-up steps: {args.warmup}, then"
          f" {args.steps} timed; gradient checkpointing: {'on' if args.checkpointing else 'off'}; allocator: {f0['allocator']};"
          f" threads: {int(f0['threads'])}{', OMP_WAIT_POLICY=' + env['OMP_WAIT_POLICY'] if 'OMP_WAIT_POLICY' in env else ''};"
          f" medians of {args.runs} runs")
    print(f"{'':34}{'full':>14}{'LoRA':>14}{'LoRA/full':>12}")
    print(f"{'matmul peak (2048², float32)':34}{peak / 1e9:>9.1f} GFLOP/s")

    def row(label, key, fmt, ratio=True):
        a, b = median(full, key), median(lora, key)
        print(f"{label:34}{fmt.format(a):>14}{fmt.format(b):>14}" + (f"{b / a:>11.2f}x" if ratio else ""))
        return a, b

    tf, tl = row("tokens/s", "tokens_per_second", "{:,.0f}")
    # Each round runs the modes back to back: its ratio is the least touched by the machine's slow spells.
    pairs = [lo["tokens_per_second"] / f["tokens_per_second"] for f, lo in zip(full, lora)]
    print(f"{'  LoRA/full within each round':34}" + ", ".join(f"{p:.2f}x" for p in pairs)
          + f"; median {statistics.median(pairs):.2f}x")
    row("step time (median, s)", "step_seconds_median", "{:.2f}")
    mf = median(full, "achieved_gflops") * 1e9 / peak
    ml = median(lora, "achieved_gflops") * 1e9 / peak
    # MFU as the issue defines it is full fine-tuning's; LoRA does 4P + 6P_lora FLOPs per token, not 6P.
    print(f"{'MFU (6·P·tokens/s / peak)':34}{100 * 6 * f0['parameters'] * tf / peak:>13.1f}%{'-':>14}")
    print(f"{'own FLOPs/s / peak (LoRA: 4P+6Pl)':34}{100 * mf:>13.1f}%{100 * ml:>13.1f}%")
    rf, rl = row("peak RSS, process (MiB)", "rss_process_mib", "{:,.0f}")
    row("peak RSS, training steps (MiB)", "rss_training_mib", "{:,.0f}")
    row("RSS of the runtime (MiB)", "rss_runtime_mib", "{:,.0f}")
    row("RSS with the model, before (MiB)", "rss_base_mib", "{:,.0f}")
    for r in full + lora:
        r["training_mib"] = r["rss_training_mib"] - r["rss_runtime_mib"]
    tmf, tml = row("training memory (peak - runtime)", "training_mib", "{:,.0f}")
    row("estimate (MemoryEstimate, MiB)", "estimate_mib", "{:,.0f}")
    row("CPU seconds per wall second", "cpu_per_wall", "{:.2f}", ratio=False)
    print(f"{'load average during the runs':34}{max(r['load'] for r in full):>14.1f}{max(r['load'] for r in lora):>14.1f}"
          f"   (2 cores: above 2, other work shared the CPUs)")
    mfu = 6 * f0["parameters"] * tf / peak

    def verdict(ok):
        return "met" if ok else "NOT met"

    print()
    print(f"target: full fine-tuning MFU >= {TARGET_MFU:.0%}: {100 * mfu:.1f}% -> {verdict(mfu >= TARGET_MFU)}")
    print(f"target: LoRA step >= {TARGET_SPEED}x full's speed: {tl / tf:.2f}x -> {verdict(tl / tf >= TARGET_SPEED)}")
    print(f"target: LoRA peak memory <= {TARGET_MEMORY}x full's (training memory, optimizer state included):"
          f" {tml / tmf:.2f}x -> {verdict(tml / tmf <= TARGET_MEMORY)}"
          f"   (process peak RSS: {rl / rf:.2f}x, the runtime included; see the note at the top)")

    if args.profile:
        for mode in ("full", "lora"):
            trace = os.path.join(HERE, ".cache", f"train-profile-{mode}.json")
            os.makedirs(os.path.dirname(trace), exist_ok=True)
            figures = run(modes[mode] + ["--profile", trace], env)
            print()
            print(f"profile of {mode} ({figures['step_seconds_median']:.2f} s/step while profiled), seconds per step:")
            for part, ops in phases(trace).items():
                print(f"  {part:38}{sum(ops.values()):7.2f} s   "
                      + ", ".join(f"{n} {s:.2f}" for n, s in ops.most_common(6)))


if __name__ == "__main__":
    main()
