"""Benchmark tooling: the machine the benchmark ran on, as JSON (CPU model, cores, memory, kernel,
load average and the busiest other processes at the start)."""
import json
import os
import platform
import subprocess


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def mem_total_gib():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    return 0


def busy_processes():
    out = subprocess.run(["ps", "-eo", "pcpu,comm", "--sort=-pcpu", "--no-headers"],
                         capture_output=True, text=True, check=False).stdout.splitlines()
    return [line.strip() for line in out[:5]]


print(json.dumps({
    "cpu": cpu_model(),
    "cores": os.cpu_count(),
    "memory_gib": mem_total_gib(),
    "kernel": platform.release(),
    "os": platform.freedesktop_os_release().get("PRETTY_NAME", "") if hasattr(platform, "freedesktop_os_release") else "",
    "load_average_at_start": os.getloadavg(),
    "busiest_processes_at_start": busy_processes(),
}))
