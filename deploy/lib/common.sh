# shellcheck shell=bash
# Shared helpers for the Teksin deploy and test scripts. Source it, don't run it:
#   source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
#
# Provides:
#   teksin_root            print the repository root (derived from this file's location)
#   TEKSIN_STATE_DIR       ignored folder for data, logs and downloaded jars (default <repo>/.teksin)
#   info / warn / die      messages prefixed with [$TEKSIN_LOG_TAG]; die exits 1
#   free_port              print a free TCP port on 127.0.0.1 (asks the kernel)
#   port_in_use P          true if TCP port P on 127.0.0.1 cannot be bound
#   wait_for T MSG CMD...  run CMD until it succeeds, at most T seconds; a CMD exit status of 99
#                          means "give up now" (e.g. the process being waited for died)
#   abs_dir DIR            create DIR if needed and print its absolute path
#   pid_matches PID PAT    true if process PID is alive and its command line contains PAT
#   read_env_value F K     print the value of K=... from file F (empty if absent)

if [[ -n "${TEKSIN_COMMON_SH_LOADED:-}" ]]; then
  return 0
fi
TEKSIN_COMMON_SH_LOADED=1

teksin_root() {
  local here
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
  (cd "${here}/../.." && pwd -P)
}

TEKSIN_ROOT="$(teksin_root)"
: "${TEKSIN_STATE_DIR:=${TEKSIN_ROOT}/.teksin}"
export TEKSIN_STATE_DIR
: "${TEKSIN_LOG_TAG:=teksin}"

info() {
  printf '[%s] %s\n' "${TEKSIN_LOG_TAG}" "$*"
}

warn() {
  printf '[%s] WARNING: %s\n' "${TEKSIN_LOG_TAG}" "$*" >&2
}

die() {
  printf '[%s] ERROR: %s\n' "${TEKSIN_LOG_TAG}" "$*" >&2
  exit 1
}

free_port() {
  python3 - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

port_in_use() {
  ! python3 - "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

wait_for() {
  local timeout="$1" what="$2"
  shift 2
  local deadline rc
  deadline=$(($(date +%s) + timeout))
  while true; do
    rc=0
    "$@" >/dev/null 2>&1 || rc=$?
    if ((rc == 0)); then
      return 0
    fi
    if ((rc == 99)); then
      warn "gave up waiting for ${what}"
      return 1
    fi
    if (($(date +%s) >= deadline)); then
      warn "timed out after ${timeout}s waiting for ${what}"
      return 1
    fi
    sleep 0.5
  done
}

abs_dir() {
  mkdir -p -- "$1"
  (cd -- "$1" && pwd -P)
}

pid_matches() {
  local pid="$1" pattern="$2"
  [[ "${pid}" =~ ^[0-9]+$ ]] || return 1
  kill -0 "${pid}" 2>/dev/null || return 1
  [[ -r "/proc/${pid}/cmdline" ]] || return 0
  tr '\0' ' ' <"/proc/${pid}/cmdline" | grep -qF -- "${pattern}"
}

read_env_value() {
  local file="$1" key="$2"
  [[ -f "${file}" ]] || return 0
  sed -n "s/^${key}=//p" "${file}" | tail -n 1
}
