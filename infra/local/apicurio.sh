#!/usr/bin/env bash
# Apicurio Registry (Confluent-compatible API at /apis/ccompat/v7), in-memory storage.
# Usage: infra/local/apicurio.sh {start|stop|status|reset|fetch}
set -euo pipefail
SERVICE=apicurio
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

APICURIO_HOME="$GAPSTREAM_CACHE/apicurio/$APICURIO_VERSION"
APICURIO_APP="$APICURIO_HOME/quarkus-app"
APICURIO_DIR="$LOCAL_DIR/apicurio"
APICURIO_READY_TIMEOUT="${APICURIO_READY_TIMEOUT:-120}"
APICURIO_URL="http://127.0.0.1:${APICURIO_PORT}"

fetch() {
  if [[ -f "$APICURIO_APP/quarkus-run.jar" ]]; then return 0; fi
  with_fetch_lock _fetch_locked
}
_fetch_locked() {
  [[ -f "$APICURIO_APP/quarkus-run.jar" ]] && return 0
  log "downloading apicurio-registry-app:${APICURIO_VERSION}:tar.gz:all into $APICURIO_HOME (first run only, ~160 MB)"
  mkdir -p "$APICURIO_HOME/dl"
  mvn_run "$MAVEN_DEPENDENCY_PLUGIN:copy" \
      -Dartifact="io.apicurio:apicurio-registry-app:${APICURIO_VERSION}:tar.gz:all" \
      -DoutputDirectory="$APICURIO_HOME/dl" \
    || die "maven could not download Apicurio Registry $APICURIO_VERSION (needs network to Maven Central on first run)"
  rm -rf "$APICURIO_APP.tmp"; mkdir -p "$APICURIO_APP.tmp"
  # the tarball holds the quarkus-app layout at its root (quarkus-run.jar, lib/, app/, quarkus/)
  tar xzf "$APICURIO_HOME/dl/apicurio-registry-app-${APICURIO_VERSION}-all.tar.gz" -C "$APICURIO_APP.tmp"
  [[ -f "$APICURIO_APP.tmp/quarkus-run.jar" ]] || die "unexpected tarball layout: no quarkus-run.jar"
  rm -rf "$APICURIO_APP"; mv "$APICURIO_APP.tmp" "$APICURIO_APP"
  rm -f "$APICURIO_HOME/dl/"*.tar.gz   # keep the cache small; the jar layout is all we run
}

APICURIO_GLOBAL_COMPATIBILITY="${APICURIO_GLOBAL_COMPATIBILITY:-BACKWARD}"

ready() { [[ "$(curl -s -o /dev/null -w '%{http_code}' "$APICURIO_URL/apis/ccompat/v7/subjects")" == "200" ]]; }

start() {
  command -v curl >/dev/null 2>&1 || die "curl not found: install curl (apt-get install curl)"
  ensure_dirs "$APICURIO_DIR"
  if already_running apicurio "$APICURIO_PORT"; then return 0; fi
  require_free_port "$APICURIO_PORT" "apicurio"
  require_free_port "$APICURIO_MANAGEMENT_PORT" "apicurio management"
  fetch
  local java_bin; java_bin="$(java21_bin)"
  # Confluent's global default compatibility is BACKWARD, Apicurio's is NONE (no global rule):
  # align it at boot (APICURIO_GLOBAL_COMPATIBILITY=NONE keeps Apicurio's default).
  local rule_opts=()
  if [[ "$APICURIO_GLOBAL_COMPATIBILITY" != "NONE" ]]; then
    rule_opts=(-Dapicurio.rules.global.compatibility="$APICURIO_GLOBAL_COMPATIBILITY")
  fi
  log "starting Apicurio Registry $APICURIO_VERSION on $APICURIO_URL (log: $(log_file apicurio))"
  # Storage: default in-memory H2 (data is lost on stop).
  # apicurio.rest.deletion.*: lets tests DELETE subjects/versions via ccompat (already the 3.3.3 default; explicit here).
  # shellcheck disable=SC2086
  record_port apicurio "$APICURIO_PORT"
  start_detached apicurio "$APICURIO_DIR" "$java_bin" $APICURIO_HEAP_OPTS -Djava.awt.headless=true \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$APICURIO_PORT" \
    -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$APICURIO_MANAGEMENT_PORT" \
    -Dapicurio.rest.deletion.group.enabled=true \
    -Dapicurio.rest.deletion.artifact.enabled=true \
    -Dapicurio.rest.deletion.artifact-version.enabled=true \
    "${rule_opts[@]}" ${APICURIO_EXTRA_OPTS:-} \
    -jar "$APICURIO_APP/quarkus-run.jar"
  wait_for apicurio "$APICURIO_READY_TIMEOUT" "GET $APICURIO_URL/apis/ccompat/v7/subjects == 200" ready
  log "ready at $APICURIO_URL/apis/ccompat/v7 (pid $(service_pid apicurio), global compatibility $APICURIO_GLOBAL_COMPATIBILITY)"
}

case "${1:-}" in
  start)  start ;;
  stop)   stop_service apicurio ;;
  status) print_status apicurio "$APICURIO_PORT" ;;
  reset)  stop_service apicurio; log "storage is in-memory; nothing to remove" ;;
  fetch)  fetch; java21_bin >/dev/null ;;
  *) echo "usage: $0 {start|stop|status|reset|fetch}" >&2; exit 2 ;;
esac
