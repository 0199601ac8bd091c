"""Benchmark tooling: watches services rebuilding their read models from Kafka and prints, as JSON,
how many events each handled and how fast. A service is done when its handled-events counter has
not moved for 3 s and either its consumer lag is 0 or it handled the EXPECTED number of events
(when given: the consumer's lag gauge can stay above 0 for a partition it was assigned after it
had read it to the end, which left a finished rebuild marked incomplete).
With --redis-pid, every service's entry also gets the Redis server's CPU seconds over the watch
(its AOF rewrites included: the children it reaped).
Usage: replay_watch.py --t0 EPOCH --max-seconds N [--redis-pid PID] NAME=URL=COUNTER_METRIC=PID[=EXPECTED] ..."""
import argparse
import json
import os
import time
import urllib.request

TICKS = os.sysconf("SC_CLK_TCK")


def scrape(url, metric):
    lag_metric = metric.replace("events_handled_total", "consumer_lag")
    try:
        with urllib.request.urlopen(url + "/metrics", timeout=2) as r:
            text = r.read().decode()
    except OSError:
        return None, None
    handled = lag = 0.0
    for line in text.splitlines():
        if line.startswith(metric + "{") or line.startswith(metric + " "):
            handled += float(line.rsplit(" ", 1)[1])
        elif line.startswith(lag_metric + "{"):
            lag += float(line.rsplit(" ", 1)[1])
    return handled, lag


def cpu(pid, children=False):
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        fields = stat[stat.rindex(")") + 2:].split()
        ticks = int(fields[11]) + int(fields[12])
        if children:
            ticks += int(fields[13]) + int(fields[14])
        return ticks / TICKS
    except OSError:
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--t0", type=float, required=True)
    ap.add_argument("--max-seconds", type=float, default=300)
    ap.add_argument("--redis-pid")
    ap.add_argument("services", nargs="+")
    a = ap.parse_args()
    redis0 = cpu(a.redis_pid, children=True) if a.redis_pid else None
    state = {}
    for spec in a.services:
        parts = spec.split("=")
        name, url, metric, pid = parts[:4]
        expected = float(parts[4]) if len(parts) > 4 and parts[4] else None
        state[name] = {"url": url, "metric": metric, "pid": pid, "handled": 0.0, "first": None,
                       "last_change": None, "done": False, "lag": None, "expected": expected}
    while time.time() - a.t0 < a.max_seconds and not all(s["done"] for s in state.values()):
        now = time.time()
        for s in state.values():
            if s["done"]:
                continue
            handled, lag = scrape(s["url"], s["metric"])
            if handled is None:
                continue
            s["lag"] = lag
            if handled > s["handled"]:
                if s["first"] is None:
                    s["first"] = now
                s["handled"] = handled
                s["last_change"] = now
                s["cpu_s"] = cpu(s["pid"])
            elif handled > 0 and now - s["last_change"] >= 3 and (
                    lag == 0 or (s["expected"] is not None and handled >= s["expected"])):
                s["done"] = True
        time.sleep(0.5)
    redis1 = cpu(a.redis_pid, children=True) if a.redis_pid else None
    redis_cpu = round(redis1 - redis0, 2) if redis0 is not None and redis1 is not None else None
    out = {}
    for name, s in state.items():
        end = s["last_change"] or time.time()
        total = end - a.t0
        out[name] = {
            "events": int(s["handled"]),
            "expected": int(s["expected"]) if s["expected"] is not None else None,
            "complete": s["done"],
            "lag_at_end": s["lag"],
            "seconds_from_start": round(total, 2),
            "seconds_from_first_event": round(end - s["first"], 2) if s["first"] else None,
            "events_per_s": round(s["handled"] / total, 1) if total > 0 else 0,
            "events_per_s_after_first": round(s["handled"] / (end - s["first"]), 1)
            if s["first"] and end > s["first"] else None,
            "cpu_s": s.get("cpu_s"),
            "redis_cpu_s": redis_cpu,
        }
    print(json.dumps(out))


main()
