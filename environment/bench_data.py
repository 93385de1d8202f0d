"""Loading benchmark: a 600k-entry GlobMed corpus into a Tablesaw table (globmed stats) against
pandas 1.5 reading the same files (pd.read_json per split file, then concat), same machine, same run.

Run through environment/bench-data. Prints figures; it is a measurement, not a test, and exits
non-zero only when a tool fails or the two disagree on the number of entries.

The corpus is written once by `globmed generate` (the ten sources in their own field formats, 12
languages) and kept. Each tool runs in its own process, --runs times, alternating; wall time is
the whole process (JVM or interpreter start included) and peak RSS comes from wait4. Both print
per-language counts of what they loaded, so both do the same work: read, build one table, summarise.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GLOBMED = os.path.join(HERE, "globmed")
# What loading a corpus into memory wants from the JVM (each measured on the 2-core machine):
# - nearly everything read survives, so a throughput collector (ParallelGC; G1 and Serial were
#   slower here) that promotes what survives its first young collection at once
#   (MaxTenuringThreshold=0) instead of copying it between survivor spaces;
# - a fixed heap (-Xms = -Xmx) with a small young generation: the old generation then never has to
#   grow, and growing it cost three or four full collections (about 1 s each) per load;
# - promotion buffers of 128 KB (OldPLABSize, in words; default 8 KB): texts of a few KB left
#   about 100 MB of unused buffer ends in the old generation, which counted in peak RSS;
# - smaller C2 inlining (InlineSmallCode, FreqInlineSize): on 2 cores, JIT compilation of the
#   reading code took as much CPU as the reading; compiling smaller units cut it from about 7 s
#   to 4.5 s of CPU and the load's wall time by about 10%;
# - transparent huge pages for the heap (where the kernel offers them, as Debian's "madvise" mode
#   does; elsewhere the option does nothing): a 2 MB page per fault instead of 4 KB took about
#   0.4 s of system time and 8% of the wall time off a load, for about 45 MB more peak RSS.
DEFAULT_JVM_OPTS = ("-XX:+UseParallelGC -XX:MaxTenuringThreshold=0 -Xms1380m -Xmx1380m -Xmn120m"
                    " -XX:OldPLABSize=16384 -XX:InlineSmallCode=1000 -XX:FreqInlineSize=100"
                    " -XX:+UseTransparentHugePages")
TARGET_TIME_RATIO = 0.5

PANDAS = r"""
import glob, os, sys
import pandas as pd
frames = []
for path in sorted(glob.glob(os.path.join(sys.argv[1], "GlobMed_*", "*", "*.json"))):
    df = pd.read_json(path)
    df["source"] = os.path.basename(os.path.dirname(os.path.dirname(path)))[len("GlobMed_"):]
    df["language"] = os.path.basename(os.path.dirname(path))
    df["split"] = os.path.splitext(os.path.basename(path))[0]
    frames.append(df)
table = pd.concat(frames, ignore_index=True)
print(table.groupby(["language", "source", "split"]).size().unstack(["source", "split"]).fillna(0).astype(int))
print(f"{len(table):,} records")
"""


def run(argv, env=None):
    """Runs a command to completion; returns (wall s, peak RSS MiB of that process, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)  # reaped here, so its own rusage, not the children's total
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"bench-data: {' '.join(argv[:3])} failed:\n{out[-3000:]}")
    return wall, usage.ru_maxrss / 1024, out


def records(out, pattern):
    match = re.search(pattern, out)
    if not match:
        sys.exit(f"bench-data: no record count in output:\n{out[-2000:]}")
    return int(match.group(1).replace(",", ""))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--entries", type=int, default=600_000)
    parser.add_argument("--corpus", default=None)
    parser.add_argument("--jvm-opts", default=DEFAULT_JVM_OPTS)
    args = parser.parse_args()
    corpus = args.corpus or os.path.join(HERE, ".cache", f"globmed-{args.entries}")
    stamp = os.path.join(corpus, ".complete")
    if not os.path.exists(stamp):
        print(f"generating {args.entries:,} entries into {corpus} (once) ...", flush=True)
        wall, _, out = run([GLOBMED, "generate", corpus, "--entries", str(args.entries), "--seed", "1"])
        print(out.strip(), flush=True)
        open(stamp, "w").close()
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(corpus) for f in fs)
    print(f"corpus: {corpus}, {size / 1e6:,.0f} MB of JSON")

    import pandas
    env = {**os.environ, "GLOBMED_JVM_OPTS": args.jvm_opts}
    java, peer = [], []
    for i in range(args.runs):
        wall, rss, out = run([GLOBMED, "stats", corpus], env)
        n_java = records(out, r"([\d,]+) records in \d+ files")
        load = float(re.search(r"loaded, \d+ skipped in ([\d.]+) s", out).group(1))
        java.append((wall, rss, load))
        wall, rss, out = run(["/usr/bin/python3", "-c", PANDAS, corpus])
        n_pandas = records(out, r"([\d,]+) records")
        peer.append((wall, rss))
        if n_java != n_pandas:
            sys.exit(f"bench-data: java loaded {n_java:,} entries, pandas {n_pandas:,}")
        print(f"run {i + 1}: java {java[-1][0]:.2f} s (load {load:.2f} s), {java[-1][1]:,.0f} MiB;"
              f" pandas {wall:.2f} s, {rss:,.0f} MiB", flush=True)

    jw = statistics.median(r[0] for r in java)
    jl = statistics.median(r[2] for r in java)
    jm = statistics.median(r[1] for r in java)
    pw = statistics.median(r[0] for r in peer)
    pm = statistics.median(r[1] for r in peer)
    print()
    print(f"{n_java:,} entries; medians of {args.runs} runs; java opts: {args.jvm_opts}")
    print(f"{'':24}{'java (Tablesaw)':>18}{'pandas ' + pandas.__version__:>16}{'ratio':>9}")
    print(f"{'wall time (process)':24}{jw:>16.2f} s{pw:>14.2f} s{jw / pw:>9.2f}")
    print(f"{'  of which loading':24}{jl:>16.2f} s")
    print(f"{'peak RSS':24}{jm:>13,.0f} MiB{pm:>11,.0f} MiB{jm / pm:>9.2f}")
    print(f"target: time ratio <= {TARGET_TIME_RATIO}, memory ratio <= 1.0 -> "
          f"{'met' if jw / pw <= TARGET_TIME_RATIO and jm <= pm else 'NOT met'}")


if __name__ == "__main__":
    main()
