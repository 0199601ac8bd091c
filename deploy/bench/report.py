"""Benchmark tooling: turns one run of deploy/bench.sh (raw.jsonl, procstat.jsonl, replay*.json,
wrk.md, machine.json in --dir) into the Markdown report: machine, settings, figures, ratios.

A rate "holds" when at most 0.1 % of the scheduled cases failed (errors or generator drops), at
most 0.1 % of the accepted cases that should become tasks had not reached their task topic when the
drain ended, and the p99 from the intended send to the task is under 1 s. Cases intake linked to an
open case (repeat or duplicate: CaseLinked) or rejected (CaseRejected) never become tasks: they are
reported apart ("linked / rejected") and are neither losses nor part of the 0.1 % base."""
import argparse
import json
import os
from collections import defaultdict

HOLD_P99_MS = 1000.0


def load_jsonl(path):
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    rows.append(json.loads(line))
    return rows


def load_json(path):
    if os.path.exists(path):
        with open(path) as f:
            text = f.read().strip()
        if text:
            return json.loads(text.splitlines()[-1])
    return None


def ms(h, key):
    if not h or not h.get("count"):
        return "–"
    v = h[key]
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}"


def holds(r):
    sched = max(1, r["scheduled"])
    failed = r["errors"] + r["dropped_by_generator"]
    missing = r.get("task_missing_after_drain", 0)
    to_task = r["accepted_cases"] - r.get("linked", 0) - r.get("rejected", 0)
    task = r.get("task") or {}
    return (failed <= 0.001 * sched and missing <= 0.001 * max(1, to_task)
            and task.get("count", 0) > 0 and task["p99_ms"] < HOLD_P99_MS)


def settled(r):
    """Linked / rejected cases (suite runs only; the null pipeline has no intake)."""
    if "linked" not in r:
        return "–"
    return f"{r['linked']:,} / {r.get('rejected', 0):,}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--note", default="")
    ap.add_argument("--settings", default="")
    a = ap.parse_args()
    runs = {r["label"]: r for r in load_jsonl(os.path.join(a.dir, "raw.jsonl"))
            if not r["label"].startswith("warmup")}
    snaps = {s["label"]: s for s in load_jsonl(os.path.join(a.dir, "procstat.jsonl"))}
    # Service processes and department_worker processes (pid files "worker-*": one per unit, or
    # several units each with TEKSIN_WORKER_UNITS_PER_PROCESS), counted in the first snapshot.
    first_procs = next(iter(snaps.values()))["procs"] if snaps else {}
    n_workers = sum(1 for n in first_procs if n.startswith("worker-"))
    n_services = sum(1 for n in first_procs if n not in ("kafka", "redis") and not n.startswith("null-"))
    machine = load_json(os.path.join(a.dir, "machine.json")) or {}
    out = []
    p = out.append
    p(f"# Benchmark report ({os.path.basename(a.dir)})\n")
    p("## Machine\n")
    p(f"- CPU: {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores; memory "
      f"{machine.get('memory_gib', '?')} GiB; kernel {machine.get('kernel', '?')}; {machine.get('os', '')}")
    la = machine.get("load_average_at_start")
    if la:
        p(f"- load average at the start: {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}; busiest processes: "
          + "; ".join(machine.get("busiest_processes_at_start", [])))
    if a.note:
        p(f"- note: {a.note}")
    p(f"- everything on this machine: Kafka (one KRaft broker), Redis, {n_services} service processes "
      f"({n_workers} department_worker processes hosting the units), the load generator and the "
      "null references, all on loopback\n")
    p("## Settings\n")
    p(f"{a.settings}\n")

    suite = sorted([r for l, r in runs.items() if l.startswith("suite-")], key=lambda r: r["settings"]["rate"])
    null_p = {r["settings"]["rate"]: r for l, r in runs.items() if l.startswith("null-pipeline-")}
    null_h = {r["settings"]["rate"]: r for l, r in runs.items() if l.startswith("null-handler-")}
    null_s = {r["settings"]["rate"]: r for l, r in runs.items() if l.startswith("null-shape-")}

    p("## Latency and throughput at fixed rates (open loop)\n")
    p("Milliseconds from the intended send time. *accept*: the channel's answer; *task*: the "
      "TaskAssigned on the owner's task topic; *counted*: analytics' `cases_routed` reached the "
      "case's rank; *linked / rejected*: accepted cases intake linked to an open case (repeat, "
      "duplicate) or rejected, which rightly never become tasks; *no task after drain*: the other "
      "accepted cases without a task when the drain ended (lost, or still on their way). Null "
      "pipeline: same hops and client settings, no work; null shape: the suite's processes, "
      "consumer groups and records per case with no work (the suite's services stopped); null "
      "handler: the same HTTP/gRPC requests answered with a fixed reply.\n")
    p("| target | rate/s | accepted/s | errors | gen. drops | accept p50 / p99 / p99.9 | task p50 / p99 / p99.9 | counted p50 / p99 | linked / rejected | no task after drain | holds |")
    p("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    def row(name, r):
        task = r.get("task")
        counted = r.get("counted")
        p(f"| {name} | {r['settings']['rate']:,.0f} | {r['accepted_per_s']:,.0f} | {r['errors']:,} | "
          f"{r['dropped_by_generator']:,} | {ms(r['accept'], 'p50_ms')} / {ms(r['accept'], 'p99_ms')} / "
          f"{ms(r['accept'], 'p999_ms')} | {ms(task, 'p50_ms')} / {ms(task, 'p99_ms')} / {ms(task, 'p999_ms')} | "
          f"{ms(counted, 'p50_ms')} / {ms(counted, 'p99_ms')} | {settled(r)} | "
          f"{r.get('task_missing_after_drain', '–') if task else '–'} | "
          f"{('yes' if holds(r) else 'no') if task else '–'} |")
    for r in suite:
        rate = r["settings"]["rate"]
        row("suite", r)
        if rate in null_p:
            row("null pipeline", null_p[rate])
        if rate in null_s:
            row("null shape", null_s[rate])
        if rate in null_h:
            row("null handler", null_h[rate])
    errs = {r["label"]: r["errors_by_kind"] for r in runs.values() if r.get("errors_by_kind")}
    if errs:
        p("\nErrors by kind: " + "; ".join(f"{k}: {v}" for k, v in errs.items()))

    p("\n## Sustained throughput and ratios\n")
    s_hold = [r["settings"]["rate"] for r in suite if holds(r)]
    n_hold = [rate for rate, r in null_p.items() if holds(r)]
    s_best = max(s_hold) if s_hold else 0
    n_best = max(n_hold) if n_hold else 0
    tested = sorted(r["settings"]["rate"] for r in suite)
    p(f"- rates tried: {', '.join(f'{x:,.0f}' for x in tested)} cases/s")
    p(f"- the suite held up to **{s_best:,.0f} cases/s** (highest rate tried that holds)")
    p(f"- the null pipeline held up to **{n_best:,.0f} cases/s**")
    if n_best:
        p(f"- suite / null pipeline (sustained): **{s_best / n_best:.2f}**")
    if null_s:
        sh_hold = [rate for rate, r in null_s.items() if holds(r)]
        sh_best = max(sh_hold) if sh_hold else 0
        p(f"- the null shape held up to **{sh_best:,.0f} cases/s**")
        if sh_best:
            p(f"- suite / null shape (sustained): **{s_best / sh_best:.2f}**")
    for rate in (100, 1000, 5000):
        r = next((x for x in suite if x["settings"]["rate"] == rate), None)
        n = null_p.get(rate)
        h = null_h.get(rate)
        if r and n and r.get("task", {}).get("count") and n.get("task", {}).get("count"):
            p(f"- at {rate:,} cases/s: p99 accept→task suite / null pipeline = "
              f"{r['task']['p99_ms']:.1f} / {n['task']['p99_ms']:.1f} ms = **{r['task']['p99_ms'] / max(0.001, n['task']['p99_ms']):.1f}×**")
        sh = null_s.get(rate)
        if r and sh and r.get("task", {}).get("count") and sh.get("task", {}).get("count"):
            p(f"- at {rate:,} cases/s: p99 accept→task suite / null shape = "
              f"{r['task']['p99_ms']:.1f} / {sh['task']['p99_ms']:.1f} ms")
        if r and h and h["accept"]["count"]:
            p(f"- at {rate:,} cases/s: p99 accept suite / null handler = "
              f"{r['accept']['p99_ms']:.1f} / {h['accept']['p99_ms']:.1f} ms")

    p("\n## CPU and memory per 1,000 cases (suite, per step)\n")
    p("CPU seconds (user + system) each process used during the step, per 1,000 accepted cases; "
      f"resident memory at the end of the step. The {n_workers} department_worker processes are "
      "summed.\n")
    steps = [r for r in suite] + ([runs["surge"]] if "surge" in runs else [])
    def delta(label_start, label_end, n):
        a0, a1 = snaps.get(label_start), snaps.get(label_end)
        if not a0 or not a1 or n <= 0:
            return None
        agg = defaultdict(lambda: [0.0, 0.0, 0])
        for name, v1 in a1["procs"].items():
            v0 = a0["procs"].get(name)
            if not v0 or not v1:
                continue
            key = f"department_worker (×{n_workers})" if name.startswith("worker-") else name
            agg[key][0] += v1["cpu_s"] - v0["cpu_s"]
            agg[key][1] += v1["rss_kb"] / 1024
            agg[key][2] += 1
        return {k: (v[0] * 1000 / n, v[1]) for k, v in agg.items()}
    tables = []
    for r in steps:
        lab = r["label"]
        start, end = (f"{lab}-start", f"{lab}-end") if lab != "surge" else ("surge-start", "surge-end")
        d = delta(start, end, r["accepted_cases"])
        if d:
            tables.append((lab, d))
    if tables:
        names = sorted({n for _, d in tables for n in d if not n.startswith("null-")})
        p("| process | " + " | ".join(f"{lab}: CPU s / 1k, RSS MiB" for lab, _ in tables) + " |")
        p("| --- | " + " | ".join("---:" for _ in tables) + " |")
        for name in names:
            p(f"| {name} | " + " | ".join(
                f"{d[name][0]:.2f}, {d[name][1]:,.0f}" if name in d else "–" for _, d in tables) + " |")
        p("| **total** | " + " | ".join(
            f"**{sum(v[0] for n, v in d.items() if not n.startswith('null-')):.2f}**, "
            f"{sum(v[1] for n, v in d.items() if not n.startswith('null-')):,.0f}" for _, d in tables) + " |")
    ntables = []
    for rate, r in sorted(null_p.items()):
        d = delta(f"null-pipeline-{rate:g}-start", f"null-pipeline-{rate:g}-end", r["accepted_cases"])
        if d is None:
            d = delta(f"null-pipeline-{int(rate)}-start", f"null-pipeline-{int(rate)}-end", r["accepted_cases"])
        if d:
            hop = sum(v[0] for n, v in d.items() if n.startswith("null-pipeline"))
            kafka = d.get("kafka", (0, 0))[0]
            ntables.append(f"{rate:,.0f}/s: hops {hop:.2f} + broker {kafka:.2f} CPU s per 1,000")
    if ntables:
        p("\nNull pipeline for comparison (its two hop processes, and the broker during that step): "
          + "; ".join(ntables) + ".")
    stables = []
    for rate, r in sorted(null_s.items()):
        d = delta(f"null-shape-{rate:g}-start", f"null-shape-{rate:g}-end", r["accepted_cases"])
        if d:
            procs = sum(v[0] for n, v in d.items() if n.startswith("null-shape"))
            kafka = d.get("kafka", (0, 0))[0]
            stables.append(f"{rate:,.0f}/s: processes {procs:.2f} + broker {kafka:.2f} = "
                           f"**{procs + kafka:.2f}** CPU s per 1,000")
    if stables:
        p("\nNull shape for comparison (its processes, and the broker during that step; the suite's "
          "services stopped, Redis idle): " + "; ".join(stables) + ".")

    if "surge" in runs:
        r = runs["surge"]
        s = r["settings"]["surges"][0] if r["settings"]["surges"] else {}
        p("\n## Surge (×10)\n")
        p(f"{r['settings']['rate']:,.0f} cases/s, ×{s.get('factor', 10):g} from {s.get('start_s', 0):g} s to "
          f"{s.get('end_s', 0):g} s of {r['settings']['duration_s']:g} s.\n")
        p("| target | accepted | errors | gen. drops | accept p50 / p99 / p99.9 (whole run) | task p50 / p99 / p99.9 (whole run) | task p50 / p99 / p99.9 (sent during the surge) | linked / rejected | no task after drain |")
        p("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for name, key in (("suite", "surge"), ("null pipeline", "surge-null-pipeline")):
            x = runs.get(key)
            if not x:
                continue
            p(f"| {name} | {x['accepted']:,} | {x['errors']:,} | {x['dropped_by_generator']:,} | "
              f"{ms(x['accept'], 'p50_ms')} / {ms(x['accept'], 'p99_ms')} / {ms(x['accept'], 'p999_ms')} | "
              f"{ms(x.get('task'), 'p50_ms')} / {ms(x.get('task'), 'p99_ms')} / {ms(x.get('task'), 'p999_ms')} | "
              f"{ms(x.get('task_surge'), 'p50_ms')} / {ms(x.get('task_surge'), 'p99_ms')} / {ms(x.get('task_surge'), 'p999_ms')} | "
              f"{settled(x)} | {x.get('task_missing_after_drain', '–')} |")

    seed = load_json(os.path.join(a.dir, "replay-seed.json"))
    phases = [(label, load_json(os.path.join(a.dir, f"replay-{label}.json")))
              for label in ("alone-analytics", "alone-open311", "together")]
    phases = [(label, r) for label, r in phases if r]
    if seed and phases:
        p("\n## Replay\n")
        p(f"{seed['events']:,} events ({seed['cases']:,} whole case lives) seeded under a fresh prefix; "
          "analytics and the Open311 projection rebuilt from them, each with a fresh consumer group "
          "and fresh Redis keys: each alone, then both at the same time from a second seed of the "
          "same size. Redis CPU is the server's over the phase, AOF rewrites included.\n")
        p("| phase | service | events handled | complete | seconds (from process start) | events/s | "
          "events/s after the first event | CPU s | Redis CPU s |")
        p("| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
        for label, replay in phases:
            for name, v in replay.items():
                redis_cpu = v.get("redis_cpu_s")
                p(f"| {label} | {name} | {v['events']:,} | {'yes' if v['complete'] else 'no (time limit)'} | "
                  f"{v['seconds_from_start']} | {v['events_per_s']:,.0f} | "
                  f"{(v['events_per_s_after_first'] or 0):,.0f} | {v['cpu_s'] if v['cpu_s'] is not None else '–'} | "
                  f"{redis_cpu if redis_cpu is not None else '–'} |")

    wrk = os.path.join(a.dir, "wrk.md")
    if os.path.exists(wrk) and os.path.getsize(wrk) > 0:
        p("\n## Open311 alone under wrk, beside the null handler\n")
        with open(wrk) as f:
            p(f.read().strip())
    print("\n".join(out))


main()
