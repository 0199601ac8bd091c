#!/usr/bin/env bash
# ctest fixture setup: starts a throw-away Kafka broker and Redis on free loopback ports.
#
# Usage: tests/support/infra_up.sh DIR
#   Wipes DIR (stopping anything a previous run left running there), starts Kafka in DIR/kafka
#   (4 partitions per auto-created topic) and Redis in DIR/redis, then writes DIR/infra.env:
#     TEKSIN_KAFKA_BROKERS=127.0.0.1:<port>
#     TEKSIN_REDIS_URL=redis://127.0.0.1:<port>
#   Stop with tests/support/infra_down.sh DIR.
set -euo pipefail

TEKSIN_LOG_TAG=infra_up
# shellcheck source-path=SCRIPTDIR source=../../deploy/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../deploy/lib/common.sh"

(($# == 1)) || die "usage: $0 DIR"
[[ -n "$1" && "$1" != "/" ]] || die "refusing to use '$1' as the infra directory"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
KAFKA_SH="${TEKSIN_ROOT}/deploy/kafka/kafka.sh"
REDIS_SH="${TEKSIN_ROOT}/deploy/redis/redis.sh"
MARKER=".teksin-infra"

dir="$1"
if [[ -e "${dir}" ]]; then
  dir="$(cd -- "${dir}" && pwd -P)"
  # Only wipe folders this script created (or empty ones), never an arbitrary path.
  if [[ -n "$(ls -A -- "${dir}")" && ! -f "${dir}/${MARKER}" ]]; then
    die "${dir} exists, is not empty and was not made by infra_up.sh; refusing to wipe it"
  fi
  info "cleaning up the previous run in ${dir}"
  bash "${HERE}/infra_down.sh" "${dir}" || die "could not stop the previous run in ${dir}"
  rm -rf -- "${dir}"
fi
dir="$(abs_dir "${dir}")"
touch "${dir}/${MARKER}"

started=0
cleanup_on_failure() {
  local rc=$?
  if ((rc != 0 && started)); then
    warn "infra_up failed; stopping what was started (logs stay in ${dir})"
    bash "${HERE}/infra_down.sh" "${dir}" >&2 || true
  fi
  return "${rc}"
}
trap cleanup_on_failure EXIT

# Three distinct free ports.
ports=()
while ((${#ports[@]} < 3)); do
  p="$(free_port)" || die "could not get a free port from the kernel (python3 missing?)"
  [[ " ${ports[*]-} " == *" ${p} "* ]] || ports+=("${p}")
done
kafka_port="${ports[0]}"
controller_port="${ports[1]}"
redis_port="${ports[2]}"

started=1
bash "${REDIS_SH}" start --dir "${dir}/redis" --port "${redis_port}" ||
  die "Redis failed to start (logs in ${dir}/redis)"
bash "${KAFKA_SH}" start --dir "${dir}/kafka" --port "${kafka_port}" \
  --controller-port "${controller_port}" --partitions 4 ||
  die "Kafka failed to start (logs in ${dir}/kafka; run deploy/setup.sh if the jars are missing)"

printf 'TEKSIN_KAFKA_BROKERS=127.0.0.1:%s\nTEKSIN_REDIS_URL=redis://127.0.0.1:%s\n' \
  "${kafka_port}" "${redis_port}" >"${dir}/infra.env.tmp"
mv -f -- "${dir}/infra.env.tmp" "${dir}/infra.env"
info "ready: Kafka 127.0.0.1:${kafka_port}, Redis 127.0.0.1:${redis_port} (${dir}/infra.env)"
