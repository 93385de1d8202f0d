"""Kernel latency benchmark: the GlobMed Java kernel against Debian's ipykernel, same machine, same run.

Run through environment/bench-kernel. Prints figures; it is a measurement, not a test, and exits
non-zero only when a kernel cannot be started or stops answering.

Figures, per kernel:
  cold start   KernelManager.start_kernel() (process launch) until the first kernel_info_reply;
               median over --runs fresh kernels
  first cell   `1 + 1` sent right after that reply until status idle on iopub; median over runs
  trivial cell `1 + 1` sent until status idle for that request on iopub, --cells times in one
               kernel, median and p95 (the shell reply is drained outside the timed span)
  fresh cell   `1 + N` with a new N each time, --cells times: a cell the kernel has never
               seen, so the Java kernel compiles it with javac (the trivial cell, unchanged, is
               run from its compiled class after the first time); median and p95
  RSS          resident memory of the kernel process after the trivial cells
"""

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import time

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

TRIVIAL = "1 + 1"
TARGET_COLD_START_S = 1.5
TARGET_TRIVIAL_MEDIAN_MS = 15.0
TIMEOUT_S = 120.0


class KernelGone(RuntimeError):
    pass


def percentile(values, p):
    """Nearest-rank percentile: the smallest value with at least p% of values at or below it."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil(n * p / 100)
    return ordered[int(rank) - 1]


def ensure_python_kernelspec():
    """Debian's python3-ipykernel ships the `python3` kernelspec; install one for the user if absent."""
    if "python3" in KernelSpecManager().find_kernel_specs():
        return
    print("bench: no python3 kernelspec; installing one with /usr/bin/python3 -m ipykernel install --user")
    subprocess.run(["/usr/bin/python3", "-m", "ipykernel", "install", "--user"], check=True,
                   stdout=subprocess.DEVNULL)


def wait_for(get, km, deadline, wanted, what):
    """The first message from get (a client's get_*_msg) that satisfies wanted."""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise KernelGone("no %s within %.0f s" % (what, TIMEOUT_S))
        try:
            msg = get(timeout=min(remaining, 1.0))
        except queue.Empty:
            if not km.is_alive():
                raise KernelGone("the kernel process ended")
            continue
        if wanted(msg):
            return msg


def wait_reply(kc, km, msg_id, deadline):
    """The shell reply whose parent is msg_id."""
    return wait_for(kc.get_shell_msg, km, deadline,
                    lambda m: m["parent_header"].get("msg_id") == msg_id, "shell reply")


def wait_idle(kc, km, msg_id, deadline):
    """Reads iopub until the idle status whose parent is msg_id."""
    return wait_for(kc.get_iopub_msg, km, deadline,
                    lambda m: (m["msg_type"] == "status" and m["content"].get("execution_state") == "idle"
                               and m["parent_header"].get("msg_id") == msg_id), "idle status on iopub")


def cold_start(kernel_name, log):
    """Starts a kernel; returns (manager, client, seconds from launch to the first kernel_info_reply)."""
    km = KernelManager(kernel_name=kernel_name)
    t0 = time.perf_counter()
    km.start_kernel(stdout=log, stderr=log)
    kc = km.client()
    kc.start_channels()
    deadline = time.monotonic() + TIMEOUT_S
    # One request, re-sent only if the kernel stays silent (a request sent before the kernel
    # binds its sockets is queued by ZeroMQ, not lost, so this is a safety net only).
    sent = {kc.kernel_info()}
    next_resend = time.monotonic() + 10.0
    while True:
        if time.monotonic() > deadline:
            raise KernelGone("no kernel_info_reply within %.0f s" % TIMEOUT_S)
        try:
            msg = kc.get_shell_msg(timeout=0.5)
        except queue.Empty:
            if not km.is_alive():
                raise KernelGone("the kernel process ended during start-up")
            if time.monotonic() > next_resend:
                sent.add(kc.kernel_info())
                next_resend = time.monotonic() + 10.0
            continue
        if msg["msg_type"] == "kernel_info_reply" and msg["parent_header"].get("msg_id") in sent:
            elapsed = time.perf_counter() - t0
            break
    ensure_iopub(kc, km)
    return km, kc, elapsed


def ensure_iopub(kc, km):
    """Makes sure iopub delivers (its subscription may lag the shell connection), untimed."""
    for _ in range(20):
        msg_id = kc.kernel_info()
        deadline = time.monotonic() + 1.0
        try:
            wait_idle(kc, km, msg_id, deadline)
            wait_reply(kc, km, msg_id, time.monotonic() + TIMEOUT_S)
            return
        except KernelGone:
            if not km.is_alive():
                raise
    raise KernelGone("iopub never delivered a status message")


def run_cell(kc, km, code):
    """Seconds from execute_request until its idle status; the reply is drained afterwards."""
    t0 = time.perf_counter()
    msg_id = kc.execute(code)
    wait_idle(kc, km, msg_id, time.monotonic() + TIMEOUT_S)
    elapsed = time.perf_counter() - t0
    reply = wait_reply(kc, km, msg_id, time.monotonic() + TIMEOUT_S)
    if reply["content"].get("status") != "ok":
        raise KernelGone("`%s` failed: %s" % (code, reply["content"]))
    return elapsed


def rss_mib(km):
    pid = getattr(getattr(km, "provisioner", None), "pid", None)
    if pid is None:
        return None
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def stop(km, kc):
    try:
        kc.stop_channels()
    finally:
        try:
            km.shutdown_kernel(now=False)
        except Exception:
            km.shutdown_kernel(now=True)


def bench(kernels, runs, cells, log):
    results = {k: {"cold": [], "first": [], "cells": [], "fresh": [], "rss": None} for k in kernels}
    # Runs alternate between kernels, so a slow spell of the machine hits both.
    for run in range(runs):
        for name in kernels:
            km, kc, cold = cold_start(name, log)
            try:
                first = run_cell(kc, km, TRIVIAL)
                results[name]["cold"].append(cold)
                results[name]["first"].append(first)
                print("bench: %-8s run %d/%d: cold start %6.0f ms, first cell %6.1f ms"
                      % (name, run + 1, runs, cold * 1e3, first * 1e3), flush=True)
                if run == runs - 1:
                    times = [run_cell(kc, km, TRIVIAL) for _ in range(cells)]
                    results[name]["cells"] = times
                    results[name]["rss"] = rss_mib(km)
                    print("bench: %-8s %d trivial cells: median %.2f ms" % (
                        name, cells, statistics.median(times) * 1e3), flush=True)
                    fresh = [run_cell(kc, km, "1 + %d" % (i + 2)) for i in range(cells)]
                    results[name]["fresh"] = fresh
                    print("bench: %-8s %d fresh cells: median %.2f ms" % (
                        name, cells, statistics.median(fresh) * 1e3), flush=True)
            finally:
                stop(km, kc)
    return results


def summary(results):
    rows = {}
    for name, r in results.items():
        rows[name] = {
            "cold_start_ms": statistics.median(r["cold"]) * 1e3,
            "first_cell_ms": statistics.median(r["first"]) * 1e3,
            "cell_median_ms": statistics.median(r["cells"]) * 1e3,
            "cell_p95_ms": percentile(r["cells"], 95) * 1e3,
            "fresh_median_ms": statistics.median(r["fresh"]) * 1e3,
            "fresh_p95_ms": percentile(r["fresh"], 95) * 1e3,
            "rss_mib": r["rss"],
        }
    return rows


def fmt(value, unit):
    if value is None:
        return "n/a"
    return ("%.0f %s" if value >= 100 else "%.1f %s" if value >= 10 else "%.2f %s") % (value, unit)


def print_table(rows, java, python, runs, cells):
    print()
    print("Kernel latency, %d cold starts per kernel (median), %d trivial cells `%s`" % (runs, cells, TRIVIAL))
    print("machine: %d cores, load average %.1f at the end (a busy machine slows both kernels), %s"
          % (os.cpu_count() or 0, os.getloadavg()[0], java_version()))
    header = "%-28s %14s %14s %10s" % ("", java, python, "ratio")
    print(header)
    print("-" * len(header))
    lines = [
        ("cold start -> kernel_info", "cold_start_ms", "ms"),
        ("first cell", "first_cell_ms", "ms"),
        ("trivial cell, median", "cell_median_ms", "ms"),
        ("trivial cell, p95", "cell_p95_ms", "ms"),
        ("fresh cell `1 + N`, median", "fresh_median_ms", "ms"),
        ("fresh cell `1 + N`, p95", "fresh_p95_ms", "ms"),
        ("RSS after cells", "rss_mib", "MiB"),
    ]
    for label, key, unit in lines:
        a, b = rows[java][key], rows[python][key]
        ratio = "%.2fx" % (a / b) if a is not None and b else "n/a"
        print("%-28s %14s %14s %10s" % (label, fmt(a, unit), fmt(b, unit), ratio))
    print()
    cold, median = rows[java]["cold_start_ms"], rows[java]["cell_median_ms"]
    print("targets for %s: cold start <= %.1f s: %.2f s (%s); trivial cell median <= %.0f ms: %.2f ms (%s)" % (
        java, TARGET_COLD_START_S, cold / 1e3, "met" if cold / 1e3 <= TARGET_COLD_START_S else "MISSED",
        TARGET_TRIVIAL_MEDIAN_MS, median, "met" if median <= TARGET_TRIVIAL_MEDIAN_MS else "MISSED"))


def java_version():
    try:
        out = subprocess.run(["java", "-version"], capture_output=True, text=True, timeout=30).stderr
        return out.splitlines()[0] if out else "java ?"
    except (OSError, subprocess.SubprocessError):
        return "java ?"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="bench-kernel", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cold starts per kernel (default 5)")
    parser.add_argument("--cells", type=int, default=200, help="trivial cells timed in one kernel (default 200)")
    parser.add_argument("--java-kernel", default="java", help="kernelspec of the Java kernel (default java)")
    parser.add_argument("--python-kernel", default="python3", help="kernelspec to compare with (default python3)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.cells < 1:
        parser.error("--runs and --cells must be at least 1")

    if args.python_kernel == "python3":
        ensure_python_kernelspec()
    specs = KernelSpecManager().find_kernel_specs()
    for name in (args.java_kernel, args.python_kernel):
        if name not in specs:
            print("bench: kernelspec '%s' not found (have: %s); run environment/setup"
                  % (name, ", ".join(sorted(specs))), file=sys.stderr)
            return 2

    kernels = [args.java_kernel, args.python_kernel]
    with tempfile.NamedTemporaryFile(prefix="globmed-bench-", suffix=".log", delete=False) as log:
        log_path = log.name
        try:
            results = bench(kernels, args.runs, args.cells, log)
        except KernelGone as e:
            log.flush()
            print("bench: failed: %s; kernel output in %s" % (e, log_path), file=sys.stderr)
            return 1
    os.unlink(log_path)

    rows = summary(results)
    print_table(rows, args.java_kernel, args.python_kernel, args.runs, args.cells)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": args.runs, "cells": args.cells, "code": TRIVIAL, "kernels": rows,
                       "raw_ms": {k: {"cold": [x * 1e3 for x in r["cold"]],
                                      "first": [x * 1e3 for x in r["first"]],
                                      "cells": [x * 1e3 for x in r["cells"]],
                                      "fresh": [x * 1e3 for x in r["fresh"]]}
                                  for k, r in results.items()}}, f, indent=1)
        print("bench: figures written to %s" % args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
