#!/usr/bin/env bash
# ctest fixture cleanup: stops the Kafka broker and Redis started by infra_up.sh DIR.
# No error when they are already stopped or DIR does not exist; the folder is left for the logs.
#
# Usage: tests/support/infra_down.sh DIR
set -euo pipefail

TEKSIN_LOG_TAG=infra_down
# shellcheck source-path=SCRIPTDIR source=../../deploy/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../deploy/lib/common.sh"

(($# == 1)) || die "usage: $0 DIR"
dir="$1"
if [[ ! -d "${dir}" ]]; then
  info "nothing to stop (${dir} does not exist)"
  exit 0
fi

rc=0
if [[ -d "${dir}/kafka" ]]; then
  bash "${TEKSIN_ROOT}/deploy/kafka/kafka.sh" stop --dir "${dir}/kafka" || rc=1
fi
if [[ -d "${dir}/redis" ]]; then
  bash "${TEKSIN_ROOT}/deploy/redis/redis.sh" stop --dir "${dir}/redis" || rc=1
fi
rm -f -- "${dir}/infra.env"
((rc == 0)) || die "could not stop everything in ${dir}"
info "stopped (${dir})"
