#!/usr/bin/env bash
# Starts the null shape: bench_null_pipeline processes that mirror the suite's processes, consumer
# groups and what each group reads, and the records each case makes, with no work in them
# (docs/benchmarks.md, "The references"). The load generator publishes contacts to <p>.contacts
# (teksin_loadgen --mode null-pipeline --null-in <p>.contacts --null-out '<p>.tasks.*').
#
# Usage: deploy/bench/null-shape.sh BUILD_DIR BROKERS PREFIX PARTITIONS LOG_DIR
# Prints "name pid" of every process it started, one a line. The units' count and the units per
# worker process follow deploy/suite.sh (33 units, TEKSIN_WORKER_UNITS_PER_PROCESS, default 11).
set -euo pipefail
build="$1" brokers="$2" p="$3" partitions="$4" logs="$5"
units="${NULL_SHAPE_UNITS:-33}"
per_process="${TEKSIN_WORKER_UNITS_PER_PROCESS:-11}"
bin="${build}/tools/bench_null_pipeline"
start() {  # NAME ARGS...
  local name="$1"
  shift
  "${bin}" --brokers "${brokers}" --partitions "${partitions}" "$@" >"${logs}/${name}.log" 2>&1 &
  echo "${name} $!"
}
# What each service reads and writes per case (services/*/app.cc): intake reads the contacts and
# writes the case, and reads routing's decisions for its links; routing reads cases (and the
# department updates and the feedback) and writes a task on the owner's topic and a decision; the
# notifier reads cases, decisions and updates and writes a notification per case; analytics, the
# call centre's index, the Open311 projection and WhatsApp only read; every unit's group reads its
# task topic and the department updates. Groups the services run as followers (ADR 0030) are
# --follower here too.
start null-shape-intake --consumer "${p}.intake=${p}.contacts" \
  --follower "${p}.intake.links=${p}.decisions" --route "${p}.contacts=${p}.cases"
start null-shape-routing --consumer "${p}.routing=${p}.cases,${p}.updates,${p}.feedback" \
  --route "${p}.cases=${p}.tasks.%${units},${p}.decisions"
start null-shape-notifier --follower "${p}.notifier=${p}.cases,${p}.decisions,${p}.updates" \
  --route "${p}.cases=${p}.notifications"
start null-shape-analytics \
  --follower "${p}.analytics=${p}.contacts,${p}.cases,${p}.decisions,${p}.updates,${p}.emergencies,${p}.feedback"
start null-shape-callcenter --follower "${p}.callcenter=${p}.contacts,${p}.cases,${p}.decisions,${p}.updates"
start null-shape-open311 --follower "${p}.open311=${p}.contacts,${p}.cases,${p}.decisions,${p}.updates"
start null-shape-whatsapp --follower "${p}.whatsapp=${p}.decisions"
args=()
w=0
for ((u = 0; u < units; u++)); do
  args+=(--consumer "${p}.unit.${u}=${p}.tasks.${u},${p}.updates")
  if (((u + 1) % per_process == 0 || u + 1 == units)); then
    w=$((w + 1))
    start "null-shape-workers-${w}" "${args[@]}"
    args=()
  fi
done
