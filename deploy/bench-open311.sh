#!/usr/bin/env bash
# Benchmark: the Open311 POST endpoint under wrk, side by side with a null handler of the same
# HTTP library in the same run. The Open311 instance is real: every 201 means the contact was
# acknowledged by Kafka (acks=all) — it uses the running suite's Kafka and Redis, with rate limits
# raised so that they do not shape the result. Loopback only; bounded by --seconds.
# Usage: deploy/bench-open311.sh [--seconds N] [--connections N]   (default 20 s, 16 connections)
# Prints a Markdown table to paste into docs/benchmarks.md.
set -euo pipefail
TEKSIN_LOG_TAG=bench
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

seconds=20
connections=16
while (($#)); do
  case "$1" in
    --seconds) seconds="$2"; shift ;;
    --connections) connections="$2"; shift ;;
    *) die "unknown argument '$1'" ;;
  esac
  shift
done
if [[ "$(dpkg-query -W -f='${Status}' wrk 2>/dev/null || true)" != "install ok installed" ]]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi
bash "${TEKSIN_ROOT}/deploy/build.sh" channel_open311 bench_null_http >/dev/null
SUITE_ENV="${TEKSIN_STATE_DIR}/suite/suite.env"
[[ -f "${SUITE_ENV}" ]] || bash "${TEKSIN_ROOT}/deploy/suite.sh" start
BUILD="${TEKSIN_BUILD_DIR:-${TEKSIN_ROOT}/build}"
# shellcheck disable=SC1091
source "${TEKSIN_STATE_DIR}/secrets.env"
out="$(mktemp -d)"
null_port="$(free_port)"
o311_port="$(free_port)"
"${BUILD}/tools/bench_null_http" "${null_port}" >"${out}/null.log" 2>&1 &
null_pid=$!
env TEKSIN_KAFKA_BROKERS="$(read_env_value "${SUITE_ENV}" KAFKA_BROKERS)" \
  TEKSIN_REDIS_URL="$(read_env_value "${SUITE_ENV}" REDIS_URL)" \
  TEKSIN_CONFIG_DIR="${TEKSIN_ROOT}/deploy/config" TEKSIN_CITIZEN_KEY_SECRET="${TEKSIN_CITIZEN_KEY_SECRET}" \
  OPEN311_HTTP_PORT="${o311_port}" OPEN311_API_KEYS=bench TEKSIN_LOG_LEVEL=warn \
  OPEN311_CLIENT_LIMIT_PER_MINUTE=1000000 OPEN311_CITIZEN_LIMIT_PER_HOUR=100000 \
  "${BUILD}/services/channel_open311/channel_open311" >"${out}/open311.log" 2>&1 &
o311_pid=$!
trap 'kill ${null_pid} ${o311_pid} 2>/dev/null || true; rm -rf "${out}"' EXIT
if ! wait_for 60 "bench instances" bash -c "curl -fsS http://127.0.0.1:${o311_port}/healthz >/dev/null && \
  curl -s -o /dev/null http://127.0.0.1:${null_port}/"; then
  tail -n 20 "${out}/open311.log" "${out}/null.log" >&2
  die "the benchmark instances did not start"
fi

run() {  # run NAME PORT
  BENCH_API_KEY=bench wrk -t2 -c"${connections}" -d"${seconds}s" --latency \
    -s "${TEKSIN_ROOT}/deploy/bench/open311-post.lua" "http://127.0.0.1:$2" >"${out}/$1.txt"
  local rps p50 p99 non2xx
  rps="$(awk '/Requests\/sec/ {print $2}' "${out}/$1.txt")"
  p50="$(awk '$1=="50%" {print $2}' "${out}/$1.txt")"
  p99="$(awk '$1=="99%" {print $2}' "${out}/$1.txt")"
  non2xx="$(awk '/Non-2xx/ {print $NF}' "${out}/$1.txt")"
  printf '| %s | %s | %s | %s | %s |\n' "$1" "${rps}" "${p50}" "${p99}" "${non2xx:-0}"
  echo "${rps}" >"${out}/$1.rps"
}
info "wrk: ${connections} connections, 2 threads, ${seconds} s each, POST requests.json (form)"
echo
echo "| target | requests/s | p50 | p99 | non-2xx |"
echo "| --- | ---: | ---: | ---: | ---: |"
run null-handler "${null_port}"
run open311 "${o311_port}"
echo
awk -v a="$(cat "${out}/open311.rps")" -v b="$(cat "${out}/null-handler.rps")" \
  'BEGIN { printf "open311 / null handler = %.3f\n", a / b }'
