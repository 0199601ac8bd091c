#!/usr/bin/env bash
# Runs the whole suite on this machine as plain processes on loopback:
#   Kafka (KRaft, one node) and Redis, then routing, department_worker processes hosting the
#   units in the routing rules (TEKSIN_WORKER_UNITS_PER_PROCESS units each, default 11: 3
#   processes for 33 units; 1 = one process per unit), intake, analytics, the three channels and
#   the notifier.
#
# Usage: deploy/suite.sh start|stop|stop-services|status   (stop-services: Kafka and Redis stay)
# State, logs and the chosen ports live under $TEKSIN_STATE_DIR/suite (default <repo>/.teksin/suite):
#   suite.env     URLs of the running suite (OPEN311_URL, ANALYTICS_URL, ...)
#   workers.txt   "unit host:port" of every unit's gRPC staff API (units of one process share it)
#   worker-http.txt "unit port" of every unit's HTTP port (/metrics, JSON staff API)
#   logs/*.log    one log a process (JSON lines)
#   outbox/*.jsonl what would have gone to citizens: WhatsApp replies and notifications (this machine
#                 reaches no outside host, so the senders write here; numbers masked)
set -euo pipefail
TEKSIN_LOG_TAG=suite
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

BUILD_DIR="${TEKSIN_BUILD_DIR:-${TEKSIN_ROOT}/build}"
SHARED_DIR="${TEKSIN_SHARED_DIR:-$(cd "${TEKSIN_ROOT}/.." && pwd -P)/shared}"
SUITE_DIR="${TEKSIN_STATE_DIR}/suite"
LOG_DIR="${SUITE_DIR}/logs"
PID_DIR="${SUITE_DIR}/pids"
# One partition a topic: this suite runs one instance of every consumer group on one machine, so
# more partitions share no work and only make every fetch dearer for the broker, which looks up
# each partition of a consumer's fetch session whenever it answers (docs/benchmarks.md: 4.71 ->
# 2.82 broker CPU-ms per case at 300/s). A deployment that scales a group out needs as many
# partitions as instances (k8s: 12).
PARTITIONS="${TEKSIN_TOPIC_PARTITIONS:-1}"
# Units per department_worker process (ADR 0025): each unit keeps its own consumer group, queue
# and deadline watch; a process shares its producer, Redis client, HTTP and gRPC servers.
UNITS_PER_PROCESS="${TEKSIN_WORKER_UNITS_PER_PROCESS:-11}"

secrets() {
  local f="${TEKSIN_STATE_DIR}/secrets.env"
  if [[ ! -f "${f}" ]]; then
    mkdir -p "${TEKSIN_STATE_DIR}"
    umask 077
    {
      echo "TEKSIN_CITIZEN_KEY_SECRET=$(openssl rand -hex 32)"
      echo "OPEN311_API_KEYS=local-$(openssl rand -hex 8)"
      echo "WHATSAPP_VERIFY_TOKEN=local-$(openssl rand -hex 8)"
      echo "WHATSAPP_APP_SECRET=$(openssl rand -hex 16)"
      echo "TEKSIN_CONTACT_VAULT_KEY=$(openssl rand -hex 32)"
    } >"${f}"
    info "generated local secrets in ${f}"
  fi
  # shellcheck disable=SC1090
  source "${f}"
  if [[ -z "${WHATSAPP_APP_SECRET:-}" ]]; then  # secrets written by an older version
    echo "WHATSAPP_VERIFY_TOKEN=local-$(openssl rand -hex 8)" >>"${f}"
    echo "WHATSAPP_APP_SECRET=$(openssl rand -hex 16)" >>"${f}"
    # shellcheck disable=SC1090
    source "${f}"
  fi
  if [[ -z "${TEKSIN_CONTACT_VAULT_KEY:-}" ]]; then  # secrets written before the contact vault
    echo "TEKSIN_CONTACT_VAULT_KEY=$(openssl rand -hex 32)" >>"${f}"
    # shellcheck disable=SC1090
    source "${f}"
  fi
  export TEKSIN_CITIZEN_KEY_SECRET OPEN311_API_KEYS WHATSAPP_VERIFY_TOKEN WHATSAPP_APP_SECRET
  export TEKSIN_CONTACT_VAULT_KEY
}

alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# launch NAME BINARY [VAR=value...]: starts one service in the background with its own env.
launch() {
  local name="$1" bin="$2"
  shift 2
  [[ -x "${bin}" ]] || die "${bin} is missing: build first (deploy/build.sh)"
  env "$@" setsid "${bin}" >>"${LOG_DIR}/${name}.log" 2>&1 </dev/null &
  echo $! >"${PID_DIR}/${name}.pid"
}

healthy() { curl -fsS -o /dev/null "http://127.0.0.1:$1/healthz"; }

wait_healthy() {
  local name="$1" port="$2" pidfile="${PID_DIR}/$1.pid" i
  for ((i = 0; i < 600; i++)); do
    if healthy "${port}"; then return 0; fi
    if ! alive "${pidfile}"; then
      tail -n 20 "${LOG_DIR}/${name}.log" >&2 || true
      die "${name} exited during start (log: ${LOG_DIR}/${name}.log)"
    fi
    sleep 0.1
  done
  die "${name} is not healthy after 60 s (log: ${LOG_DIR}/${name}.log)"
}

do_start() {
  if [[ -f "${SUITE_DIR}/suite.env" ]] && alive "${PID_DIR}/channel_open311.pid"; then
    info "the suite is already running (deploy/suite.sh stop to stop it)"
    cat "${SUITE_DIR}/suite.env"
    return 0
  fi
  mkdir -p "${LOG_DIR}" "${PID_DIR}"
  secrets
  [[ "${UNITS_PER_PROCESS}" =~ ^[1-9][0-9]{0,3}$ ]] ||
    die "TEKSIN_WORKER_UNITS_PER_PROCESS=\"${UNITS_PER_PROCESS}\" must be a whole number from 1 to 9999"

  local kafka_port redis_port
  kafka_port="$(read_env_value "${TEKSIN_STATE_DIR}/kafka/run/ports.env" KAFKA_PORT)"
  if ! bash "${TEKSIN_ROOT}/deploy/kafka/kafka.sh" status >/dev/null 2>&1; then
    kafka_port="$(free_port)"
    bash "${TEKSIN_ROOT}/deploy/kafka/kafka.sh" start --port "${kafka_port}" --partitions "${PARTITIONS}"
  fi
  redis_port="$(read_env_value "${TEKSIN_STATE_DIR}/redis/run/ports.env" REDIS_PORT)"
  if ! bash "${TEKSIN_ROOT}/deploy/redis/redis.sh" status >/dev/null 2>&1; then
    redis_port="$(free_port)"
    bash "${TEKSIN_ROOT}/deploy/redis/redis.sh" start --port "${redis_port}"
  fi

  local common=(
    "TEKSIN_KAFKA_BROKERS=127.0.0.1:${kafka_port}"
    "TEKSIN_REDIS_URL=redis://127.0.0.1:${redis_port}"
    "TEKSIN_TOPIC_PARTITIONS=${PARTITIONS}"
    "TEKSIN_CONFIG_DIR=${TEKSIN_ROOT}/deploy/config"
    "TEKSIN_SHARED_DIR=${SHARED_DIR}"
  )
  local b="${BUILD_DIR}/services"
  local routing_port intake_port intake_grpc analytics_port analytics_grpc open311_port
  routing_port="$(free_port)"
  launch routing "${b}/routing/routing" "${common[@]}" "ROUTING_HTTP_PORT=${routing_port}"
  wait_healthy routing "${routing_port}"
  info "routing up (topics created)"

  local units unit hp gp name i g
  units="$("${BUILD_DIR}/tools/teksin_admin" units --config-dir "${TEKSIN_ROOT}/deploy/config" \
    --shared-dir "${SHARED_DIR}")"
  # shellcheck disable=SC2206
  local all=(${units}) group worker_procs=()
  : >"${SUITE_DIR}/workers.txt"
  : >"${SUITE_DIR}/worker-http.txt"
  g=0
  for ((i = 0; i < ${#all[@]}; i += UNITS_PER_PROCESS)); do
    group=("${all[@]:i:UNITS_PER_PROCESS}")
    g=$((g + 1))
    hp="$(free_port)"
    gp="$(free_port)"
    if ((${#group[@]} == 1)); then  # a process of its own, as with UNITS_PER_PROCESS=1
      name="worker-${group[0]}"
      launch "${name}" "${b}/department_worker/department_worker" "${common[@]}" \
        "DEPARTMENT_WORKER_UNIT=${group[0]}" "DEPARTMENT_WORKER_HTTP_PORT=${hp}" \
        "DEPARTMENT_WORKER_GRPC_PORT=${gp}" "TEKSIN_INSTANCE_ID=${group[0]}-1"
    else
      name="worker-group-${g}"
      launch "${name}" "${b}/department_worker/department_worker" "${common[@]}" \
        "DEPARTMENT_WORKER_UNITS=$(IFS=,; echo "${group[*]}")" "DEPARTMENT_WORKER_HTTP_PORT=${hp}" \
        "DEPARTMENT_WORKER_GRPC_PORT=${gp}" "TEKSIN_INSTANCE_ID=workers-${g}-1"
    fi
    worker_procs+=("${name} ${hp}")
    for unit in "${group[@]}"; do
      echo "${unit} 127.0.0.1:${gp}" >>"${SUITE_DIR}/workers.txt"
      echo "${unit} ${hp}" >>"${SUITE_DIR}/worker-http.txt"
    done
  done
  intake_port="$(free_port)"
  intake_grpc="$(free_port)"
  # Intake classifies cases without a category: the model is trained into
  # .teksin/classifier when missing or out of date (about 25 s of one core; docs/classifier.md).
  TEKSIN_BUILD_DIR="${BUILD_DIR}" bash "${TEKSIN_ROOT}/deploy/train-classifier.sh" --no-tune \
    --if-missing >"${LOG_DIR}/train-classifier.log" 2>&1 ||
    die "classifier training failed (log: ${LOG_DIR}/train-classifier.log)"
  launch intake "${b}/intake/intake" "${common[@]}" "INTAKE_HTTP_PORT=${intake_port}" \
    "INTAKE_GRPC_PORT=${intake_grpc}" \
    "INTAKE_CLASSIFIER_MODEL=${TEKSIN_STATE_DIR}/classifier/complaints.bin"
  analytics_port="$(free_port)"
  analytics_grpc="$(free_port)"
  launch analytics "${b}/analytics/analytics" "${common[@]}" "ANALYTICS_HTTP_PORT=${analytics_port}" \
    "ANALYTICS_GRPC_PORT=${analytics_grpc}"
  local callcenter_port callcenter_grpc whatsapp_port
  callcenter_port="$(free_port)"
  callcenter_grpc="$(free_port)"
  launch channel_callcenter "${b}/channel_callcenter/channel_callcenter" "${common[@]}" \
    "CALLCENTER_HTTP_PORT=${callcenter_port}" "CALLCENTER_GRPC_PORT=${callcenter_grpc}" \
    "TEKSIN_CITIZEN_KEY_SECRET=${TEKSIN_CITIZEN_KEY_SECRET}" \
    "TEKSIN_CONTACT_VAULT_KEY=${TEKSIN_CONTACT_VAULT_KEY}"
  # Replies to WhatsApp go to Meta's Cloud API in production; this machine reaches no outside
  # host, so the local suite writes them to an outbox file instead (numbers masked).
  mkdir -p "${SUITE_DIR}/outbox"
  whatsapp_port="$(free_port)"
  launch channel_whatsapp "${b}/channel_whatsapp/channel_whatsapp" "${common[@]}" \
    "WHATSAPP_HTTP_PORT=${whatsapp_port}" "WHATSAPP_VERIFY_TOKEN=${WHATSAPP_VERIFY_TOKEN}" \
    "WHATSAPP_APP_SECRET=${WHATSAPP_APP_SECRET}" \
    "WHATSAPP_REPLY_RECORDER_FILE=${SUITE_DIR}/outbox/whatsapp-replies.jsonl" \
    "TEKSIN_CITIZEN_KEY_SECRET=${TEKSIN_CITIZEN_KEY_SECRET}" \
    "TEKSIN_CONTACT_VAULT_KEY=${TEKSIN_CONTACT_VAULT_KEY}"
  # The notifier: every message (WhatsApp, SMS, push) to the outbox file (a dry run).
  local notifier_port
  notifier_port="$(free_port)"
  launch notifier "${b}/notifier/notifier" "${common[@]}" "NOTIFIER_HTTP_PORT=${notifier_port}" \
    "NOTIFIER_RECORDER_FILE=${SUITE_DIR}/outbox/notifications.jsonl" \
    "TEKSIN_CONTACT_VAULT_KEY=${TEKSIN_CONTACT_VAULT_KEY}"
  open311_port="$(free_port)"
  launch channel_open311 "${b}/channel_open311/channel_open311" "${common[@]}" \
    "OPEN311_HTTP_PORT=${open311_port}" "TEKSIN_CITIZEN_KEY_SECRET=${TEKSIN_CITIZEN_KEY_SECRET}" \
    "OPEN311_API_KEYS=${OPEN311_API_KEYS}" "TEKSIN_CONTACT_VAULT_KEY=${TEKSIN_CONTACT_VAULT_KEY}"

  local n=0 proc
  for proc in "${worker_procs[@]}"; do
    wait_healthy "${proc% *}" "${proc#* }"
    n=$((n + 1))
  done
  info "${#all[@]} units in ${n} department_worker processes up"
  wait_healthy intake "${intake_port}"
  wait_healthy analytics "${analytics_port}"
  wait_healthy channel_open311 "${open311_port}"
  wait_healthy channel_callcenter "${callcenter_port}"
  wait_healthy channel_whatsapp "${whatsapp_port}"
  wait_healthy notifier "${notifier_port}"

  cat >"${SUITE_DIR}/suite.env" <<ENV
KAFKA_BROKERS=127.0.0.1:${kafka_port}
REDIS_URL=redis://127.0.0.1:${redis_port}
OPEN311_URL=http://127.0.0.1:${open311_port}
OPEN311_API_KEY=${OPEN311_API_KEYS%%,*}
CALLCENTER_GRPC=127.0.0.1:${callcenter_grpc}
CALLCENTER_URL=http://127.0.0.1:${callcenter_port}
WHATSAPP_URL=http://127.0.0.1:${whatsapp_port}/webhooks/whatsapp
WHATSAPP_VERIFY_TOKEN=${WHATSAPP_VERIFY_TOKEN}
ANALYTICS_URL=http://127.0.0.1:${analytics_port}
ANALYTICS_GRPC=127.0.0.1:${analytics_grpc}
INTAKE_URL=http://127.0.0.1:${intake_port}
INTAKE_GRPC=127.0.0.1:${intake_grpc}
ROUTING_URL=http://127.0.0.1:${routing_port}
NOTIFIER_URL=http://127.0.0.1:${notifier_port}
OUTBOX_DIR=${SUITE_DIR}/outbox
WORKERS_FILE=${SUITE_DIR}/workers.txt
ENV
  info "suite running: $((n + 7)) service processes; endpoints in ${SUITE_DIR}/suite.env"
}

stop_services() {
  local f name pid i
  if [[ -d "${PID_DIR}" ]]; then
    # Channels first, then the consumers, so nothing new arrives while they drain.
    for name in channel_open311 channel_callcenter channel_whatsapp intake routing analytics notifier; do
      f="${PID_DIR}/${name}.pid"
      if alive "${f}"; then kill -TERM "$(cat "${f}")"; fi
    done
    for f in "${PID_DIR}"/worker-*.pid; do
      [[ -f "${f}" ]] && alive "${f}" && kill -TERM "$(cat "${f}")"
    done
    for f in "${PID_DIR}"/*.pid; do
      [[ -f "${f}" ]] || continue
      pid="$(cat "${f}")"
      for ((i = 0; i < 150; i++)); do kill -0 "${pid}" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "${pid}" 2>/dev/null; then
        warn "$(basename "${f}" .pid) did not stop in 15 s; killing it"
        kill -KILL "${pid}" 2>/dev/null || true
      fi
      rm -f "${f}"
    done
    info "services stopped"
  fi
}

do_stop() {
  stop_services
  rm -f "${SUITE_DIR}/suite.env"
  bash "${TEKSIN_ROOT}/deploy/kafka/kafka.sh" stop || true
  bash "${TEKSIN_ROOT}/deploy/redis/redis.sh" stop || true
}

do_status() {
  local f up=0 down=0
  for f in "${PID_DIR}"/*.pid; do
    [[ -f "${f}" ]] || continue
    if alive "${f}"; then up=$((up + 1)); else down=$((down + 1)); echo "down: $(basename "${f}" .pid)"; fi
  done
  echo "services up: ${up}, down: ${down}"
  bash "${TEKSIN_ROOT}/deploy/kafka/kafka.sh" status || true
  bash "${TEKSIN_ROOT}/deploy/redis/redis.sh" status || true
  [[ -f "${SUITE_DIR}/suite.env" ]] && cat "${SUITE_DIR}/suite.env"
  ((down == 0 && up > 0))
}

case "${1:-}" in
  start) do_start ;;
  stop) do_stop ;;
  stop-services) stop_services ;;
  status) do_status ;;
  *)
    sed -n '2,15s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
    exit 2
    ;;
esac
