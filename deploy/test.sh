#!/usr/bin/env bash
# Quick start 2: installs and builds what is missing, then runs every test (unit, integration
# against a real Kafka broker and Redis, end to end with every service as a process).
# Usage: deploy/test.sh [extra ctest arguments, e.g. -L unit]
set -euo pipefail
TEKSIN_LOG_TAG=test
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

bash "${TEKSIN_ROOT}/deploy/setup.sh"
bash "${TEKSIN_ROOT}/deploy/build.sh"
cd "${TEKSIN_BUILD_DIR:-${TEKSIN_ROOT}/build}"
ctest --output-on-failure -j "${TEKSIN_TEST_JOBS:-2}" "$@"
