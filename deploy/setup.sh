#!/usr/bin/env bash
# Installs what the Teksin build, tests and local infrastructure need. Safe to run every time:
# when everything is present it only checks and prints a one-line summary.
#
# Usage: deploy/setup.sh [--no-kafka]
#   --no-kafka   skip fetching the Kafka broker jars from Maven Central
#
# The Kafka jars land in $TEKSIN_STATE_DIR/kafka/libs (default <repo>/.teksin/kafka/libs).
set -euo pipefail

TEKSIN_LOG_TAG=setup
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  sed -n '2,8s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

want_kafka=1
while (($#)); do
  case "$1" in
    --no-kafka) want_kafka=0 ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done

APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librdkafka-dev libhiredis-dev nlohmann-json3-dev libcpp-httplib-dev libabsl-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev libfasttext-dev fasttext libicu-dev
  redis-server kcat prometheus openjdk-17-jre-headless maven python3 python3-venv curl openssl
  chromium
)

# ---------------------------------------------------------------------------------------------
# 1. Debian packages
# ---------------------------------------------------------------------------------------------
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "${pkg}" 2>/dev/null || true)"
  if [[ "${status}" != "install ok installed" ]]; then
    missing+=("${pkg}")
  fi
done

apt_summary="apt: ${#APT_PACKAGES[@]} packages present"
if ((${#missing[@]})); then
  info "installing missing Debian packages: ${missing[*]}"
  sudo_cmd=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null 2>&1 || die "not root and no sudo; install as root: apt-get install ${missing[*]}"
    sudo_cmd=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq || die "apt-get update failed"
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" || die "apt-get install failed for: ${missing[*]}"
  apt_summary="apt: installed ${#missing[@]} (${missing[*]}), ${#APT_PACKAGES[@]} present"
fi

# ---------------------------------------------------------------------------------------------
# 2. Java 17+
# ---------------------------------------------------------------------------------------------
JAVA="${JAVA_HOME:+${JAVA_HOME}/bin/}java"
command -v "${JAVA}" >/dev/null 2>&1 || die "java not found (expected openjdk-17-jre-headless)"
java_version="$("${JAVA}" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)"
[[ -n "${java_version}" ]] || die "could not parse the output of '${JAVA} -version'"
java_major="${java_version%%.*}"
if [[ "${java_major}" == "1" ]]; then # 1.8.0_x style
  java_major="$(cut -d. -f2 <<<"${java_version}")"
fi
if ! [[ "${java_major}" =~ ^[0-9]+$ ]] || ((java_major < 17)); then
  die "Java 17 or newer is required, '${JAVA}' is ${java_version} (set JAVA_HOME or update-alternatives --config java)"
fi

# ---------------------------------------------------------------------------------------------
# 3. Kafka broker jars from Maven Central
# ---------------------------------------------------------------------------------------------
kafka_summary="kafka jars: skipped (--no-kafka)"
if ((want_kafka)); then
  POM="${TEKSIN_ROOT}/deploy/kafka/pom.xml"
  [[ -f "${POM}" ]] || die "missing ${POM}"
  KAFKA_DIR="${TEKSIN_STATE_DIR}/kafka"
  LIBS="${KAFKA_DIR}/libs"
  kafka_version="$(sed -n 's:.*<kafka.version>\([^<]*\)</kafka.version>.*:\1:p' "${POM}" | head -n 1)"
  jar_glob="kafka_2.13-${kafka_version:-*}.jar"

  have_jars() { compgen -G "$1/${jar_glob}" >/dev/null; }

  if ! have_jars "${LIBS}"; then
    command -v mvn >/dev/null 2>&1 || die "mvn not found (expected Debian package maven)"
    mkdir -p "${KAFKA_DIR}"
    # One fetch at a time (parallel setup runs); re-check once we hold the lock.
    exec {lock_fd}>"${KAFKA_DIR}/.fetch.lock"
    flock "${lock_fd}"
  fi
  if ! have_jars "${LIBS}"; then
    tmp="$(mktemp -d "${KAFKA_DIR}/.fetch.XXXXXX")"
    # shellcheck disable=SC2064 # expand now: the path is fixed
    trap "rm -rf -- '${tmp}'" EXIT
    # Build from a copy of the pom so that Maven's target/ never appears in the source tree.
    mkdir -p "${tmp}/build"
    cp "${POM}" "${tmp}/build/pom.xml"
    info "fetching Kafka ${kafka_version:-?} broker jars from Maven Central (mvn)..."
    # Maven 3.8 prints stray ANSI codes even with -q -B: keep its output, show it only on failure.
    if ! mvn -q -B -f "${tmp}/build/pom.xml" package -Dkafka.libs.dir="${tmp}/libs" \
      >"${tmp}/mvn.log" 2>&1; then
      sed 's/\x1b\[[0-9;]*m//g' "${tmp}/mvn.log" | tail -n 40 >&2
      die "mvn failed to fetch the Kafka jars (is Maven Central reachable? output above)"
    fi
    have_jars "${tmp}/libs" || die "mvn finished but ${jar_glob} is not in its output"
    # Move into place only when complete, so a half-download never looks finished.
    rm -rf -- "${LIBS}"
    mv -- "${tmp}/libs" "${LIBS}"
    rm -rf -- "${tmp}"
    trap - EXIT
    kafka_summary="kafka jars: fetched"
  else
    kafka_summary="kafka jars: present"
  fi
  jar_count="$(find "${LIBS}" -maxdepth 1 -name '*.jar' | wc -l)"
  kafka_summary="${kafka_summary} ${kafka_version:-?} (${jar_count} jars in ${LIBS#"${TEKSIN_ROOT}"/})"
fi

# ---------------------------------------------------------------------------------------------
# 4. Python test tools (a real Open311 client from PyPI for the protocol tests), in a venv
# ---------------------------------------------------------------------------------------------
VENV="${TEKSIN_STATE_DIR}/venv"
PY_REQUIREMENTS=(georeport==0.3.1 requests)
py_summary="test venv: present"
if ! "${VENV}/bin/python" -c 'import georeport, requests' >/dev/null 2>&1; then
  info "creating the test venv in ${VENV#"${TEKSIN_ROOT}"/} (${PY_REQUIREMENTS[*]})"
  rm -rf -- "${VENV}"
  python3 -m venv "${VENV}" || die "python3 -m venv failed (is python3-venv installed?)"
  "${VENV}/bin/pip" install -q --disable-pip-version-check "${PY_REQUIREMENTS[@]}" ||
    die "pip could not install ${PY_REQUIREMENTS[*]}"
  py_summary="test venv: created"
fi

# The dashboard's browser test drives Debian's chromium with Playwright's library (never its own
# browser download: PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD keeps pip from trying).
if ! "${VENV}/bin/python" -c 'import playwright' >/dev/null 2>&1; then
  info "adding playwright to the test venv"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 "${VENV}/bin/pip" install -q --disable-pip-version-check \
    playwright==1.65.2 || die "pip could not install playwright"
  py_summary="${py_summary}, playwright added"
fi

info "ok: ${apt_summary}; java ${java_version}; ${kafka_summary}; ${py_summary}"
