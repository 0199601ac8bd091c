"""Benchmark tooling: one JSON line with the CPU seconds (user + system) and memory (RSS, peak RSS)
of processes read from /proc. stdin: "name pid" lines; argv[1]: a label for the snapshot."""
import json
import os
import sys
import time

TICKS = os.sysconf("SC_CLK_TCK")


def read(pid):
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()
    cpu = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
    mem = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                mem[key] = int(value.split()[0])
    return {"cpu_s": cpu, "rss_kb": mem.get("VmRSS", 0), "hwm_kb": mem.get("VmHWM", 0)}


def main():
    procs = {}
    for line in sys.stdin:
        parts = line.split()
        if len(parts) != 2:
            continue
        try:
            procs[parts[0]] = read(int(parts[1]))
        except (OSError, ValueError):
            procs[parts[0]] = None  # gone
    print(json.dumps({"label": sys.argv[1], "t": time.time(), "procs": procs}))


main()
