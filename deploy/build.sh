#!/usr/bin/env bash
# Configures (once) and builds everything incrementally into <repo>/build.
# Usage: deploy/build.sh [ninja targets...]
set -euo pipefail
TEKSIN_LOG_TAG=build
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

BUILD_DIR="${TEKSIN_BUILD_DIR:-${TEKSIN_ROOT}/build}"
SHARED_DIR="${TEKSIN_SHARED_DIR:-$(cd "${TEKSIN_ROOT}/.." && pwd -P)/shared}"
[[ -d "${SHARED_DIR}/data" ]] || die "shared data not found at ${SHARED_DIR} (set TEKSIN_SHARED_DIR)"
jobs="${TEKSIN_BUILD_JOBS:-$(nproc)}"
# ccache: share hits between checkouts in different folders (paths relative to the repo).
export CCACHE_BASEDIR="${TEKSIN_ROOT}" CCACHE_NOHASHDIR=1

if [[ ! -f "${BUILD_DIR}/build.ninja" ]]; then
  info "configuring ${BUILD_DIR}"
  cmake -S "${TEKSIN_ROOT}" -B "${BUILD_DIR}" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTEKSIN_SHARED_DIR="${SHARED_DIR}" >/dev/null
fi
info "building with ${jobs} jobs"
ninja -C "${BUILD_DIR}" -j "${jobs}" "$@"
