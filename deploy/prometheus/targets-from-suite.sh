#!/usr/bin/env bash
# Writes the Prometheus file_sd targets of the running local suite (deploy/suite.sh start):
# one group per service with its "job" label, one per department_worker process (with its
# "unit" label when it hosts one unit).
# Format: targets.example.json. Run it again after every suite start (the ports change).
#
# Usage: deploy/prometheus/targets-from-suite.sh [--out FILE]
#   --out FILE   where to write (default deploy/prometheus/targets.json, read by prometheus.yml)
set -euo pipefail
TEKSIN_LOG_TAG=prometheus
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

out="${TEKSIN_ROOT}/deploy/prometheus/targets.json"
while (($#)); do
  case "$1" in
    --out)
      (($# >= 2)) || die "--out needs a file"
      out="$2"
      shift
      ;;
    -h | --help)
      sed -n '2,7s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
      exit 0
      ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done

SUITE_DIR="${TEKSIN_STATE_DIR}/suite"
[[ -f "${SUITE_DIR}/suite.env" ]] || die "no ${SUITE_DIR}/suite.env: start the suite first (deploy/suite.sh start)"
[[ -f "${SUITE_DIR}/worker-http.txt" ]] || die "no ${SUITE_DIR}/worker-http.txt: start the suite first"

# Write beside the destination, then rename: Prometheus never sees a half-written file.
tmp="$(mktemp "${out}.XXXXXX")"
trap 'rm -f -- "${tmp}"' EXIT
python3 - "${SUITE_DIR}/suite.env" "${SUITE_DIR}/worker-http.txt" >"${tmp}" <<'PY'
import json
import sys
from urllib.parse import urlsplit

env = {}
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        if "=" in line and not line.lstrip().startswith("#"):
            k, v = line.rstrip("\n").split("=", 1)
            env[k] = v
groups = []
for job, var in (("channel_open311", "OPEN311_URL"), ("intake", "INTAKE_URL"),
                 ("routing", "ROUTING_URL"), ("analytics", "ANALYTICS_URL")):
    if env.get(var):
        groups.append({"targets": [urlsplit(env[var]).netloc], "labels": {"job": job}})
    else:
        print(f"targets-from-suite.sh: {var} missing from suite.env, {job} skipped", file=sys.stderr)
# Units hosted by one process share its port (TEKSIN_WORKER_UNITS_PER_PROCESS): one target per
# port; the "unit" label only for a process of one unit (the metrics carry "unit" themselves).
ports = {}
with open(sys.argv[2], encoding="utf-8") as f:
    for line in f:
        parts = line.split()
        if len(parts) == 2:
            unit, port = parts
            ports.setdefault(port, []).append(unit)
for port, units in ports.items():
    labels = {"job": "department_worker"}
    if len(units) == 1:
        labels["unit"] = units[0]
    groups.append({"targets": [f"127.0.0.1:{port}"], "labels": labels})
json.dump(groups, sys.stdout, indent=2)
sys.stdout.write("\n")
PY
chmod 0644 "${tmp}"
mv -f -- "${tmp}" "${out}"
trap - EXIT
info "wrote $(grep -c '"targets"' "${out}") target groups to ${out}"
