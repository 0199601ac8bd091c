#!/usr/bin/env bash
# Quick start 1: installs what is missing, builds, starts Kafka, Redis and every service, sends
# realistic Mersin cases through the Open311 channel, has the units resolve a share of them,
# and prints the figures analytics counted. The suite stays running.
# Usage: deploy/run-demo.sh [--cases N]   (default 1000)
set -euo pipefail
TEKSIN_LOG_TAG=demo
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

cases=1000
while (($#)); do
  case "$1" in
    --cases) cases="$2"; shift ;;
    *) die "unknown argument '$1' (usage: deploy/run-demo.sh [--cases N])" ;;
  esac
  shift
done

bash "${TEKSIN_ROOT}/deploy/setup.sh"
bash "${TEKSIN_ROOT}/deploy/build.sh" channel_open311 channel_callcenter channel_whatsapp intake routing \
  department_worker analytics notifier teksin_admin teksin_demo classify
bash "${TEKSIN_ROOT}/deploy/suite.sh" start

SUITE_ENV="${TEKSIN_STATE_DIR}/suite/suite.env"
OPEN311_URL="$(read_env_value "${SUITE_ENV}" OPEN311_URL)"
ANALYTICS_URL="$(read_env_value "${SUITE_ENV}" ANALYTICS_URL)"
SHARED_DIR="${TEKSIN_SHARED_DIR:-$(cd "${TEKSIN_ROOT}/.." && pwd -P)/shared}"

rc=0
"${TEKSIN_BUILD_DIR:-${TEKSIN_ROOT}/build}/tools/teksin_demo" \
  --open311 "${OPEN311_URL}" --analytics "${ANALYTICS_URL}" \
  --workers "$(read_env_value "${SUITE_ENV}" WORKERS_FILE)" \
  --callcenter "$(read_env_value "${SUITE_ENV}" CALLCENTER_GRPC)" \
  --api-key "$(read_env_value "${SUITE_ENV}" OPEN311_API_KEY)" \
  --cases "${cases}" --shared-dir "${SHARED_DIR}" --config-dir "${TEKSIN_ROOT}/deploy/config" || rc=$?

cat <<MSG

The suite is still running:
  Open311 (app and web)   ${OPEN311_URL}/open311/v2/services.json
  call centre (gRPC)      $(read_env_value "${SUITE_ENV}" CALLCENTER_GRPC)  (teksin.v1.CallCenterService)
  WhatsApp webhook        $(read_env_value "${SUITE_ENV}" WHATSAPP_URL)
  analytics figures       ${ANALYTICS_URL}/v1/summary  and  ${ANALYTICS_URL}/v1/figures
  monthly bulletin        ${ANALYTICS_URL}/v1/bulletin  (HTML, print to PDF)
  metrics and health      <service URL>/metrics and /healthz (all in ${SUITE_ENV})
  logs                    ${TEKSIN_STATE_DIR}/suite/logs/
Stop it with:             deploy/suite.sh stop

The dashboard (the demo's cases on the Mersin map, live; Türkçe / English):
  ${ANALYTICS_URL}/dashboard/
MSG
exit "${rc}"
