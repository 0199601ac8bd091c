#!/usr/bin/env bash
# Fuzzes the parsers with libFuzzer (clang): the Open311 POST body (form and JSON) through the
# channel, and the WhatsApp webhook notification. Bounded: each target runs for --seconds.
#
# Usage: deploy/fuzz.sh [--seconds N] [target...]    (default 60 s; targets: open311_request whatsapp_webhook)
# Crashes land in .teksin/fuzz/crashes/<target>/. Fix the bug, then copy the input into
# tests/fuzz/corpus/<target>/ so that the default test run replays it for ever (ctest -L unit).
set -euo pipefail
TEKSIN_LOG_TAG=fuzz
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

seconds=60
targets=()
while (($#)); do
  case "$1" in
    --seconds) seconds="$2"; shift ;;
    -h | --help) sed -n '2,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) targets+=("$1") ;;
  esac
  shift
done
((${#targets[@]})) || targets=(open311_request whatsapp_webhook)

bash "${TEKSIN_ROOT}/deploy/setup.sh" --no-kafka
for pkg in clang libclang-rt-14-dev; do
  if [[ "$(dpkg-query -W -f='${Status}' "${pkg}" 2>/dev/null || true)" != "install ok installed" ]]; then
    info "installing ${pkg}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkg}" >/dev/null
  fi
done

BUILD="${TEKSIN_ROOT}/build-fuzz"
SHARED_DIR="${TEKSIN_SHARED_DIR:-$(cd "${TEKSIN_ROOT}/.." && pwd -P)/shared}"
if [[ ! -f "${BUILD}/build.ninja" ]]; then
  CC=clang CXX=clang++ cmake -S "${TEKSIN_ROOT}" -B "${BUILD}" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTEKSIN_FUZZ=ON -DTEKSIN_WERROR=OFF -DTEKSIN_SHARED_DIR="${SHARED_DIR}" >/dev/null
fi
export CCACHE_BASEDIR="${TEKSIN_ROOT}" CCACHE_NOHASHDIR=1
rc=0
for t in "${targets[@]}"; do
  ninja -C "${BUILD}" "fuzz_${t}"
  work="${TEKSIN_STATE_DIR}/fuzz/corpus/${t}"
  crashes="${TEKSIN_STATE_DIR}/fuzz/crashes/${t}"
  mkdir -p "${work}" "${crashes}"
  info "fuzzing ${t} for ${seconds} s (seeds: tests/fuzz/corpus/${t})"
  if ! "${BUILD}/tests/fuzz/fuzz_${t}" -max_total_time="${seconds}" -max_len=65536 -timeout=10 \
    -artifact_prefix="${crashes}/" "${work}" "${TEKSIN_ROOT}/tests/fuzz/corpus/${t}"; then
    warn "${t}: crash found; the input is in ${crashes}/"
    rc=1
  fi
done
exit "${rc}"
