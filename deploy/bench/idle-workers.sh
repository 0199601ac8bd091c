#!/usr/bin/env bash
# Idle cost of the department_worker processes of a running local suite (ADR 0025): CPU time
# (utime + stime from /proc/<pid>/stat) over a window in which nothing is sent, and resident
# memory at its end; the broker and Redis beside them. Start the suite first (deploy/suite.sh
# start, with the TEKSIN_WORKER_UNITS_PER_PROCESS to measure) and let it settle.
#
# Usage: deploy/bench/idle-workers.sh [SECONDS]   (default 30; state under $TEKSIN_STATE_DIR)
# Prints one line per group: processes, CPU % of one core over the window, RSS MiB summed.
set -euo pipefail
TEKSIN_LOG_TAG=idle-workers
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

seconds="${1:-30}"
[[ "${seconds}" =~ ^[1-9][0-9]{0,3}$ ]] || die "SECONDS must be a whole number from 1 to 9999"
PID_DIR="${TEKSIN_STATE_DIR}/suite/pids"
compgen -G "${PID_DIR}/worker-*.pid" >/dev/null || die "no worker pid files in ${PID_DIR}: start the suite"

# "group pid" lines: every worker process, the broker and Redis.
procs() {
  local f
  for f in "${PID_DIR}"/worker-*.pid; do echo "workers $(cat "${f}")"; done
  [[ -f "${TEKSIN_STATE_DIR}/kafka/run/kafka.pid" ]] && echo "kafka $(cat "${TEKSIN_STATE_DIR}/kafka/run/kafka.pid")"
  [[ -f "${TEKSIN_STATE_DIR}/redis/run/redis.pid" ]] && echo "redis $(cat "${TEKSIN_STATE_DIR}/redis/run/redis.pid")"
}

# "group pid ticks rss_kb" for each process.
sample() {
  local group pid stat rest
  while read -r group pid; do
    stat="$(cat "/proc/${pid}/stat" 2>/dev/null)" || continue
    rest="${stat##*) }"  # fields from the state on: utime and stime are the 12th and 13th
    # shellcheck disable=SC2086
    set -- ${rest}
    echo "${group} ${pid} $((${12} + ${13})) $(awk '/^VmRSS:/ {print $2}' "/proc/${pid}/status")"
  done < <(procs)
}

before="$(sample)"
sleep "${seconds}"
after="$(sample)"
ticks="$(getconf CLK_TCK)"
info "idle ${seconds} s, $(getconf _NPROCESSORS_ONLN) cores, TEKSIN_STATE_DIR=${TEKSIN_STATE_DIR}"
awk -v secs="${seconds}" -v hz="${ticks}" '
  NR == FNR { t0[$2] = $3; next }
  ($2 in t0) { n[$1]++; cpu[$1] += ($3 - t0[$2]) / hz; rss[$1] += $4 / 1024 }
  END {
    printf "%-8s %9s %14s %9s\n", "group", "processes", "CPU % of core", "RSS MiB"
    for (g in n) printf "%-8s %9d %14.2f %9.0f\n", g, n[g], 100 * cpu[g] / secs, rss[g]
  }' <(echo "${before}") <(echo "${after}")
