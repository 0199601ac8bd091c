#!/usr/bin/env bash
# The whole benchmark in one command (issue 6; docs/benchmarks.md). Separate from the tests.
#
# Starts a dedicated suite (its own Kafka, Redis and every service, under $TEKSIN_STATE_DIR/bench,
# loopback only, rate limits raised) and, in the same run:
#   1. latency and throughput of the whole suite at fixed rates (open loop, teksin_loadgen), with
#      the CPU seconds and memory of every service per 1,000 cases;
#   2. a ×10 surge;
#   3. the limits: a null Kafka pipeline (bench_null_pipeline: same hops, same client settings)
#      and a null HTTP/gRPC handler (bench_null_http) at the same rates;
#   4. replay: analytics and the Open311 projection rebuilt from >= --replay-events events, each
#      alone and then both at once (from a second seed);
#   5. the Open311 endpoint alone under wrk beside the null handler (deploy/bench-open311.sh);
#   6. the null shape at the same rates: the suite's Kafka shape (its processes, consumer groups
#      and records per case) with no work, the suite's services stopped (deploy/bench/null-shape.sh).
# Writes a Markdown report (machine, settings, figures, ratios) and the raw JSON to --out.
# REPLAY_MAX_SECONDS bounds each of the replay's three rebuilds (default: 60 s + 1 s per 2,500
# events, 460 s for the default 1,000,000; the slowest phase, both at once, took 124 s before
# ADR 0029).
#
# Usage: deploy/bench.sh [--quick] [--rates "100 1000 5000"] [--seconds N] [--drain N]
#                        [--surge-base R] [--surge-seconds N] [--replay-events N]
#                        [--skip-replay] [--skip-wrk] [--skip-null-shape] [--warmup N]
#                        [--note TEXT] [--out DIR]
#   --quick: 10 s steps, rates 100 1000, 200,000 replay events, wrk 5 s (a smoke run).
# Everything it starts is stopped on exit (trap). Every step is bounded in time.
set -euo pipefail
TEKSIN_LOG_TAG=bench
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

rates="100 250 500 1000 2000 5000"
seconds=20
drain=20
surge_base=100
surge_seconds=60
warmup_seconds=30
replay_events=1000000
skip_replay=0
skip_wrk=0
skip_null_shape=0
wrk_seconds=10
note=""
out=""
while (($#)); do
  case "$1" in
    --quick) rates="100 1000"; seconds=10; drain=10; surge_seconds=30; replay_events=200000; wrk_seconds=5; warmup_seconds=10 ;;
    --rates) rates="$2"; shift ;;
    --seconds) seconds="$2"; shift ;;
    --warmup) warmup_seconds="$2"; shift ;;
    --drain) drain="$2"; shift ;;
    --surge-base) surge_base="$2"; shift ;;
    --surge-seconds) surge_seconds="$2"; shift ;;
    --replay-events) replay_events="$2"; shift ;;
    --skip-replay) skip_replay=1 ;;
    --skip-wrk) skip_wrk=1 ;;
    --skip-null-shape) skip_null_shape=1 ;;
    --note) note="$2"; shift ;;
    --out) out="$2"; shift ;;
    *) die "unknown argument '$1' (see the header of ${BASH_SOURCE[0]})" ;;
  esac
  shift
done

[[ "${replay_events}" =~ ^[0-9]+$ ]] || die "--replay-events must be a whole number"
[[ "${warmup_seconds}" =~ ^[0-9]+$ && "${warmup_seconds}" -ge 1 ]] || die "--warmup must be a whole number of seconds, at least 1"
replay_max="${REPLAY_MAX_SECONDS:-$((60 + replay_events / 2500))}"
[[ "${replay_max}" =~ ^[0-9]+$ ]] || die "REPLAY_MAX_SECONDS must be a whole number of seconds"
BUILD="${TEKSIN_BUILD_DIR:-${TEKSIN_ROOT}/build}"
SHARED_DIR="${TEKSIN_SHARED_DIR:-$(cd "${TEKSIN_ROOT}/.." && pwd -P)/shared}"
MAIN_STATE="${TEKSIN_STATE_DIR}"
BENCH_STATE="${MAIN_STATE}/bench"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
out="${out:-${BENCH_STATE}/results/${stamp}}"
mkdir -p "${out}"
out="$(cd "${out}" && pwd -P)"
RAW="${out}/raw.jsonl"
: >"${RAW}"
: >"${out}/procstat.jsonl"
python3 "${TEKSIN_ROOT}/deploy/bench/machine.py" >"${out}/machine.json"

if [[ "${skip_wrk}" == 0 && "$(dpkg-query -W -f='${Status}' wrk 2>/dev/null || true)" != "install ok installed" ]]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi
info "building"
targets=(routing intake analytics department_worker channel_open311 channel_callcenter channel_whatsapp
  notifier teksin_admin classify teksin_loadgen bench_null_http bench_null_pipeline)
bash "${TEKSIN_ROOT}/deploy/build.sh" "${targets[@]}" >/dev/null

# The dedicated suite: its own state folder (Kafka jars shared with the main one), limits raised so
# that they do not shape the result, warnings only in the logs.
mkdir -p "${BENCH_STATE}/kafka"
[[ -e "${BENCH_STATE}/kafka/libs" ]] || ln -s "${MAIN_STATE}/kafka/libs" "${BENCH_STATE}/kafka/libs"
# The complaint classifier's model, if the main suite trained one already (else suite.sh trains it).
[[ -e "${BENCH_STATE}/classifier" || ! -d "${MAIN_STATE}/classifier" ]] ||
  ln -s "${MAIN_STATE}/classifier" "${BENCH_STATE}/classifier"
bench_env=(TEKSIN_STATE_DIR="${BENCH_STATE}" TEKSIN_BUILD_DIR="${BUILD}" TEKSIN_LOG_LEVEL=warn
  OPEN311_CLIENT_LIMIT_PER_MINUTE=1000000 OPEN311_CITIZEN_LIMIT_PER_HOUR=1000000
  CALLCENTER_RATE_LIMIT=1000000)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "${p}" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in {1..100}; do kill -0 "${p}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${p}" 2>/dev/null || true  # still there after 10 s
    wait "${p}" 2>/dev/null || true
  done
  env "${bench_env[@]}" bash "${TEKSIN_ROOT}/deploy/suite.sh" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
env "${bench_env[@]}" bash "${TEKSIN_ROOT}/deploy/suite.sh" stop >/dev/null 2>&1 || true
# Every run starts from an empty broker and Redis: an earlier run's million replay events made
# Redis load millions of keys at start (and grow its memory and AOF rewrites during the run).
rm -rf "${BENCH_STATE}/kafka/run" "${BENCH_STATE}/redis"
info "starting the benchmark suite under ${BENCH_STATE}"
env "${bench_env[@]}" bash "${TEKSIN_ROOT}/deploy/suite.sh" start >"${out}/suite-start.log"
SUITE_ENV="${BENCH_STATE}/suite/suite.env"
brokers="$(read_env_value "${SUITE_ENV}" KAFKA_BROKERS)"
redis_url="$(read_env_value "${SUITE_ENV}" REDIS_URL)"
open311="$(read_env_value "${SUITE_ENV}" OPEN311_URL)"
api_key="$(read_env_value "${SUITE_ENV}" OPEN311_API_KEY)"
callcenter="$(read_env_value "${SUITE_ENV}" CALLCENTER_GRPC)"
analytics="$(read_env_value "${SUITE_ENV}" ANALYTICS_URL)"

# The null handler (HTTP + gRPC) and the null pipeline: contacts -> hop A -> cases -> hop B ->
# tasks + decisions, like channel -> intake -> routing.
null_http="$(free_port)"
null_grpc="$(free_port)"
"${BUILD}/tools/bench_null_http" "${null_http}" "${null_grpc}" >"${out}/null-http.log" 2>&1 &
pids+=($!)
null_h=$!
np="benchnull${stamp,,}"
np="${np//[^a-z0-9]/}"
# The null pipeline's topics get the suite's partition count (deploy/suite.sh's default, 1).
null_partitions="${TEKSIN_TOPIC_PARTITIONS:-1}"
"${BUILD}/tools/bench_null_pipeline" --brokers "${brokers}" --from "${np}.contacts" --to "${np}.cases" \
  --group "${np}.a" --partitions "${null_partitions}" >"${out}/null-a.log" 2>&1 &
pids+=($!)
null_a=$!
"${BUILD}/tools/bench_null_pipeline" --brokers "${brokers}" --from "${np}.cases" \
  --to "${np}.tasks,${np}.decisions" --group "${np}.b" --partitions "${null_partitions}" \
  >"${out}/null-b.log" 2>&1 &
pids+=($!)
null_b=$!
wait_for 60 "null handler" curl -s -o /dev/null -X POST "http://127.0.0.1:${null_http}/open311/v2/requests.json" ||
  die "bench_null_http did not start"

procs() {  # "name pid" of everything the suite step measures
  local f
  for f in "${BENCH_STATE}"/suite/pids/*.pid; do echo "$(basename "${f}" .pid) $(cat "${f}")"; done
  echo "kafka $(cat "${BENCH_STATE}/kafka/run/kafka.pid")"
  echo "redis $(cat "${BENCH_STATE}/redis/run/redis.pid")"
  echo "null-pipeline-a ${null_a}"
  echo "null-pipeline-b ${null_b}"
  echo "null-handler ${null_h}"
  [[ ! -f "${out}/null-shape.pids" ]] || cat "${out}/null-shape.pids"
}
snapshot() {  # snapshot LABEL: CPU seconds and memory of every process, as one JSON line
  procs | python3 "${TEKSIN_ROOT}/deploy/bench/procstat.py" "$1" >>"${out}/procstat.jsonl"
}
loadgen() {  # loadgen LABEL ARGS...: one run, its JSON appended to raw.jsonl
  local label="$1"
  shift
  info "run ${label}"
  "${BUILD}/tools/teksin_loadgen" --label "${label}" --shared-dir "${SHARED_DIR}" \
    --config-dir "${TEKSIN_ROOT}/deploy/config" "$@" 2>>"${out}/loadgen.log" >>"${RAW}" ||
    warn "${label} failed (see ${out}/loadgen.log)"
}
suite_args=(--mode suite --open311 "${open311}" --api-key "${api_key}" --callcenter "${callcenter}"
  --brokers "${brokers}" --prefix teksin --analytics "${analytics}" --drain "${drain}")
null_handler_args=(--mode null-handler --open311 "http://127.0.0.1:${null_http}"
  --callcenter "127.0.0.1:${null_grpc}" --drain 0)
null_pipe_args=(--mode null-pipeline --brokers "${brokers}" --prefix "${np}" --null-in "${np}.contacts"
  --null-out "${np}.tasks" --drain "${drain}")

# A warm-up, not reported: topics, connections, and the broker's JIT. A freshly started broker
# spent 13 % of the machine in its C2 compiler threads during the first measured step with a 5 s
# warm-up (perf; docs/benchmarks.md), and the first steps then measured a cold JVM, not the suite.
loadgen warmup "${suite_args[@]}" --rate 100 --duration "${warmup_seconds}"
loadgen warmup-null "${null_pipe_args[@]}" --rate 100 --duration "$((warmup_seconds / 3 + 1))"

# 1 + 3. Fixed rates, the suite and its limits side by side.
for r in ${rates}; do
  snapshot "suite-${r}-start"
  loadgen "suite-${r}" "${suite_args[@]}" --rate "${r}" --duration "${seconds}"
  snapshot "suite-${r}-end"
  snapshot "null-pipeline-${r}-start"
  loadgen "null-pipeline-${r}" "${null_pipe_args[@]}" --rate "${r}" --duration "${seconds}"
  snapshot "null-pipeline-${r}-end"
  loadgen "null-handler-${r}" "${null_handler_args[@]}" --rate "${r}" --duration "${seconds}"
done

# 2. The surge: the base rate, ×10 for the middle third, with the daily curve off (the surge is
# the variable).
third=$((surge_seconds / 3))
snapshot "surge-start"
loadgen surge "${suite_args[@]}" --rate "${surge_base}" --duration "${surge_seconds}" \
  --surge "${third}:$((2 * third)):10"
snapshot "surge-end"
loadgen surge-null-pipeline "${null_pipe_args[@]}" --rate "${surge_base}" --duration "${surge_seconds}" \
  --surge "${third}:$((2 * third)):10"

# 4. Replay: seed whole case lives under a fresh prefix, then rebuild analytics and the Open311
# projection from them (fresh groups, fresh Redis keys): each alone, one after the other, then
# both at once (as after a Redis loss) from a second seed.
seed_replay() {  # PREFIX OUTFILE: seeds, prints the number of events
  "${BUILD}/tools/teksin_loadgen" --mode seed-replay --brokers "${brokers}" --prefix "$1" \
    --events "${replay_events}" --shared-dir "${SHARED_DIR}" --config-dir "${TEKSIN_ROOT}/deploy/config" \
    >"$2" 2>>"${out}/loadgen.log"
  python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["events"])' \
    "$2" 2>/dev/null || true
}
rebuild() {  # LABEL PREFIX SEEDED WHICH...: starts the rebuilders named (analytics, channel_open311)
  local label="$1" prefix="$2" seeded="$3" which specs=() started=() t0 port
  shift 3
  local common_env=(TEKSIN_KAFKA_BROKERS="${brokers}" TEKSIN_REDIS_URL="${redis_url}" TEKSIN_TOPIC_PREFIX="${prefix}"
    TEKSIN_CONFIG_DIR="${TEKSIN_ROOT}/deploy/config" TEKSIN_SHARED_DIR="${SHARED_DIR}" TEKSIN_LOG_LEVEL=warn)
  info "replay (${label}): rebuilding $* from ${seeded} events"
  t0="$(date +%s.%N)"
  for which in "$@"; do
    port="$(free_port)"
    case "${which}" in
      analytics)
        env "${common_env[@]}" ANALYTICS_HTTP_PORT="${port}" ANALYTICS_GRPC_PORT=0 \
          ANALYTICS_NAMESPACE="${prefix}:an-${label}" ANALYTICS_GROUP_SUFFIX="${label}" \
          "${BUILD}/services/analytics/analytics" >"${out}/replay-${label}-analytics.log" 2>&1 &
        specs+=("analytics=http://127.0.0.1:${port}=teksin_analytics_events_handled_total=$!=${seeded}") ;;
      channel_open311)
        env "${common_env[@]}" OPEN311_HTTP_PORT="${port}" OPEN311_API_KEYS=bench \
          TEKSIN_CITIZEN_KEY_SECRET="${TEKSIN_CITIZEN_KEY_SECRET}" \
          "${BUILD}/services/channel_open311/channel_open311" >"${out}/replay-${label}-open311.log" 2>&1 &
        specs+=("channel_open311=http://127.0.0.1:${port}=teksin_channel_open311_events_handled_total=$!") ;;
    esac
    pids+=($!)
    started+=($!)
  done
  python3 "${TEKSIN_ROOT}/deploy/bench/replay_watch.py" --t0 "${t0}" --max-seconds "${replay_max}" \
    --redis-pid "$(cat "${BENCH_STATE}/redis/run/redis.pid")" "${specs[@]}" \
    >"${out}/replay-${label}.json" || warn "replay watch failed (${label})"
  kill -TERM "${started[@]}" 2>/dev/null || true
  for which in "${started[@]}"; do wait "${which}" 2>/dev/null || true; done
}
if [[ "${skip_replay}" == 0 ]]; then
  # shellcheck disable=SC1091
  source "${BENCH_STATE}/secrets.env"
  rp="benchreplay${stamp,,}"
  rp="${rp//[^a-z0-9]/}"
  info "seeding ${replay_events} events under ${rp}a and ${rp}b"
  seeded_a="$(seed_replay "${rp}a" "${out}/replay-seed.json")"
  seeded_b="$(seed_replay "${rp}b" "${out}/replay-seed-b.json")"
  rebuild alone-analytics "${rp}a" "${seeded_a}" analytics
  rebuild alone-open311 "${rp}a" "${seeded_a}" channel_open311
  rebuild together "${rp}b" "${seeded_b}" analytics channel_open311
fi

# 5. Open311 alone under wrk beside the null handler.
if [[ "${skip_wrk}" == 0 ]]; then
  info "wrk: Open311 vs the null handler"
  env TEKSIN_STATE_DIR="${BENCH_STATE}" TEKSIN_BUILD_DIR="${BUILD}" \
    bash "${TEKSIN_ROOT}/deploy/bench-open311.sh" --seconds "${wrk_seconds}" --connections 16 \
    >"${out}/wrk.md" 2>>"${out}/loadgen.log" || warn "wrk benchmark failed"
fi

# 6. The null shape, last: the suite's Kafka shape with no work (deploy/bench/null-shape.sh: its
# processes, consumer groups, what each reads and the records a case makes). The suite's services
# are stopped first, so that these steps measure the shape alone; the broker stays.
if [[ "${skip_null_shape}" == 0 ]]; then
  info "null shape: stopping the suite's services, starting the shape"
  env "${bench_env[@]}" bash "${TEKSIN_ROOT}/deploy/suite.sh" stop-services >/dev/null
  ns="benchshape${stamp,,}"
  ns="${ns//[^a-z0-9]/}"
  mkdir -p "${out}/null-shape-logs"
  bash "${TEKSIN_ROOT}/deploy/bench/null-shape.sh" "${BUILD}" "${brokers}" "${ns}" "${null_partitions}" \
    "${out}/null-shape-logs" >"${out}/null-shape.pids"
  while read -r _ pid; do pids+=("${pid}"); done <"${out}/null-shape.pids"
  shape_args=(--mode null-pipeline --brokers "${brokers}" --prefix "${ns}" --null-in "${ns}.contacts"
    --null-out "${ns}.tasks.*" --drain "${drain}")
  sleep 5  # the groups join; the warm-up's first records also wait for their rebalances
  loadgen warmup-null-shape "${shape_args[@]}" --rate 100 --duration "$((warmup_seconds / 3 + 10))"
  for r in ${rates}; do
    snapshot "null-shape-${r}-start"
    loadgen "null-shape-${r}" "${shape_args[@]}" --rate "${r}" --duration "${seconds}"
    snapshot "null-shape-${r}-end"
  done
fi

python3 "${TEKSIN_ROOT}/deploy/bench/report.py" --dir "${out}" --note "${note}" \
  --settings "partitions per topic=${null_partitions}; warm-up=${warmup_seconds}s at 100/s; rates=${rates}; step=${seconds}s; drain<=${drain}s; surge=${surge_base}/s x10 for ${third}s of ${surge_seconds}s; replay=${replay_events} events (rebuild bounded to ${replay_max}s); wrk=${wrk_seconds}s x16 connections" \
  >"${out}/report.md"
cat "${out}/report.md"
info "report: ${out}/report.md (raw figures: ${RAW})"
