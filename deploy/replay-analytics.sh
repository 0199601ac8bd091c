#!/usr/bin/env bash
# Rebuilds the analytics figures from Kafka alone: starts a second analytics process of the
# running suite with a fresh Redis namespace and a fresh consumer group, which reads every topic
# from the beginning; waits until it has counted as many events as the live analytics; then
# compares the two summaries and prints the result. The replay process keeps running (its URL is
# printed) so that it can take over; stop it with: kill "$(cat .teksin/suite/pids/analytics-replay.pid)".
# Usage: deploy/replay-analytics.sh [--timeout SECONDS]   (default 600)
set -euo pipefail
TEKSIN_LOG_TAG=replay
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

timeout_s=600
[[ "${1:-}" == "--timeout" ]] && timeout_s="$2"
SUITE="${TEKSIN_STATE_DIR}/suite"
[[ -f "${SUITE}/suite.env" ]] || die "the suite is not running (deploy/suite.sh start)"
live_url="$(read_env_value "${SUITE}/suite.env" ANALYTICS_URL)"
brokers="$(read_env_value "${SUITE}/suite.env" KAFKA_BROKERS)"
redis_url="$(read_env_value "${SUITE}/suite.env" REDIS_URL)"
stamp="$(date +%Y%m%d%H%M%S)"
prefix="${TEKSIN_TOPIC_PREFIX:-teksin}"
port="$(free_port)"
grpc_port="$(free_port)"
SHARED_DIR="${TEKSIN_SHARED_DIR:-$(cd "${TEKSIN_ROOT}/.." && pwd -P)/shared}"

info "replaying every topic into namespace ${prefix}:an-${stamp} (group ${prefix}.analytics.replay-${stamp})"
env TEKSIN_KAFKA_BROKERS="${brokers}" TEKSIN_REDIS_URL="${redis_url}" \
  TEKSIN_CONFIG_DIR="${TEKSIN_ROOT}/deploy/config" TEKSIN_SHARED_DIR="${SHARED_DIR}" \
  TEKSIN_TOPIC_PREFIX="${prefix}" ANALYTICS_NAMESPACE="${prefix}:an-${stamp}" ANALYTICS_GROUP_SUFFIX="replay-${stamp}" \
  ANALYTICS_HTTP_PORT="${port}" ANALYTICS_GRPC_PORT="${grpc_port}" \
  setsid "${TEKSIN_BUILD_DIR:-${TEKSIN_ROOT}/build}/services/analytics/analytics" \
  >>"${SUITE}/logs/analytics-replay.log" 2>&1 </dev/null &
echo $! >"${SUITE}/pids/analytics-replay.pid"

count() { curl -fsS "$1/v1/summary" | python3 -c 'import json,sys; print(int(json.load(sys.stdin).get("events_counted",0)))'; }
start=$(date +%s)
target="$(count "${live_url}")"
while :; do
  got="$(count "http://127.0.0.1:${port}" 2>/dev/null || echo 0)"
  info "replayed ${got} of ${target} events"
  ((got >= target)) && break
  (($(date +%s) - start > timeout_s)) && die "replay did not catch up in ${timeout_s} s"
  sleep 2
done
secs=$(($(date +%s) - start))
# JSON with sorted keys (protobuf maps have no fixed order); CSV and HTML as they are.
fetch() {
  case "$1" in
    */v1/summary* | */v1/figures\?* | */v1/figures) curl -fsS "$1" | python3 -m json.tool --sort-keys ;;
    *) curl -fsS "$1" ;;
  esac
}
# The summary, the figures API (whole range, weekly, by owner) and the bulletin must be identical.
same=1
for path in /v1/summary "/v1/figures" "/v1/figures?granularity=week" "/v1/figures.csv?table=owner" "/v1/bulletin"; do
  if ! cmp -s <(fetch "${live_url}${path}") <(fetch "http://127.0.0.1:${port}${path}"); then
    warn "${path} differs"
    same=0
  fi
done
if ((same)); then
  info "rebuilt in ${secs} s: the figures match the live analytics exactly"
else
  warn "rebuilt in ${secs} s, but the figures differ (new events may have arrived meanwhile: run again on a quiet suite)"
fi
info "replayed analytics: http://127.0.0.1:${port}/v1/summary"
