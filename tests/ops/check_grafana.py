"""Checks deploy/grafana/*.json: each file parses as a Grafana dashboard, panels have unique ids and
Prometheus targets, and every metric a query names is one the code exposes or one the alert rules
use. The code's metric names are read from the sources: full "teksin_..." literals, and the shared
per-service ones (teksin_<service>_<suffix> built by libs/runtime, kafka, redis and metrics) for
every service folder.

Usage: check_grafana.py REPO_ROOT
Prints "N passed, 0 failed" (one check per dashboard file) and exits 0, or lists the problems.
"""
import json
import pathlib
import re
import sys

BUILTIN = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}
PROMQL_WORDS = {
    "sum", "by", "rate", "increase", "delta", "histogram_quantile", "max", "min", "avg", "count",
    "le", "without", "on", "and", "or", "unless", "label_replace", "offset", "irate", "topk",
}


def code_metric_names(root):
    names = set()
    suffixes = set()
    shared = [root / "libs" / d for d in ("runtime", "kafka", "redis", "metrics")]
    for path in list((root / "libs").rglob("*.cc")) + list((root / "services").rglob("*.cc")) + \
            list((root / "libs").rglob("*.h")) + list((root / "services").rglob("*.h")):
        text = path.read_text(encoding="utf-8", errors="replace")
        names.update(re.findall(r'"(teksin_[a-z0-9_]*[a-z0-9])"', text))
        if any(str(path).startswith(str(s)) for s in shared):
            for lit in re.findall(r'"(_?[a-z][a-z0-9_]*)"', text):
                if re.search(r"(_total|_seconds|_lag|^_?up)$", lit):
                    suffixes.add(lit.lstrip("_"))
    services = [p.name for p in (root / "services").iterdir() if p.is_dir()]
    for s in services:
        for suf in suffixes:
            names.add(f"teksin_{s}_{suf}")
    return names


def rule_metric_names(root):
    text = (root / "deploy" / "prometheus" / "alerts.yml").read_text(encoding="utf-8")
    return set(re.findall(r"\b(teksin_[a-z0-9_]*[a-z0-9])\b", text))


def metrics_in(expr):
    # Strip label matchers and strings, then take the identifiers that look like metric names.
    bare = re.sub(r'"[^"]*"', '""', expr)
    bare = re.sub(r"\{[^}]*\}", "", bare)
    bare = re.sub(r"\[[^\]]*\]", "", bare)
    bare = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", bare)
    found = set()
    for ident in re.findall(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b", bare):
        if ident in PROMQL_WORDS or re.fullmatch(r"\d.*", ident):
            continue
        found.add(re.sub(r"_(bucket|sum|count)$", "", ident) if ident.startswith("teksin_") else ident)
    return found


def check(path, known):
    problems = []
    try:
        dash = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        return [f"{path.name}: not JSON: {e}"]
    for key in ("title", "uid", "panels", "schemaVersion"):
        if key not in dash:
            problems.append(f"{path.name}: no {key}")
    ids = [p.get("id") for p in dash.get("panels", [])]
    if len(ids) != len(set(ids)):
        problems.append(f"{path.name}: panel ids repeat")
    queries = 0
    for panel in dash.get("panels", []):
        if panel.get("type") == "row":
            continue
        targets = panel.get("targets", [])
        if not targets:
            problems.append(f"{path.name}: panel '{panel.get('title')}' has no query")
        if panel.get("datasource", {}).get("type") != "prometheus":
            problems.append(f"{path.name}: panel '{panel.get('title')}' is not on Prometheus")
        for t in targets:
            queries += 1
            for m in sorted(metrics_in(t.get("expr", ""))):
                if m not in known:
                    problems.append(f"{path.name}: panel '{panel.get('title')}' uses {m}, which no service exposes")
    if queries == 0:
        problems.append(f"{path.name}: no queries")
    return problems


def main():
    root = pathlib.Path(sys.argv[1]).resolve()
    known = code_metric_names(root) | rule_metric_names(root) | BUILTIN
    files = sorted((root / "deploy" / "grafana").glob("*.json"))
    if not files:
        print("no dashboards in deploy/grafana")
        return 1
    failed = 0
    for f in files:
        problems = check(f, known)
        for p in problems:
            print(p)
        failed += bool(problems)
    print(f"{len(files) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
