#!/usr/bin/env bash
# ClickHouse server from the Debian package, run with a private config (not the system service).
# Usage: infra/local/clickhouse.sh {start|stop|status|reset}
set -euo pipefail
SERVICE=clickhouse
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

CH_BIN="${CLICKHOUSE_SERVER_BIN:-$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)}"
CH_DIR="$LOCAL_DIR/clickhouse"
CH_DATA="$CH_DIR/data"
CH_CONF_DIR="$CH_DIR/config"
CH_TEMPLATES="$LIB_DIR/clickhouse"
CH_READY_TIMEOUT="${CLICKHOUSE_READY_TIMEOUT:-60}"
CH_URL="http://127.0.0.1:${CLICKHOUSE_HTTP_PORT}"

write_config() {
  mkdir -p "$CH_DATA"/{tmp,user_files,format_schemas,logs} "$CH_CONF_DIR"
  local CH_PASSWORD_XML  # used by render_template via ${!var}
  # shellcheck disable=SC2034
  if [[ -n "${CLICKHOUSE_PASSWORD:-}" ]]; then
    CH_PASSWORD_XML="<password_sha256_hex>$(printf '%s' "$CLICKHOUSE_PASSWORD" | sha256sum | cut -d' ' -f1)</password_sha256_hex>"
  else
    CH_PASSWORD_XML="<password></password>"
  fi
  render_template "$CH_TEMPLATES/config.xml.template" "$CH_CONF_DIR/config.xml" \
    CH_DATA CLICKHOUSE_HTTP_PORT CLICKHOUSE_TCP_PORT
  render_template "$CH_TEMPLATES/users.xml.template" "$CH_CONF_DIR/users.xml" CH_PASSWORD_XML
  chmod 600 "$CH_CONF_DIR/users.xml"
}

ping_ok() { [[ "$(curl -s "$CH_URL/ping")" == "Ok." ]]; }

start() {
  [[ -x "$CH_BIN" ]] || die "clickhouse-server not found: install the Debian package (apt-get install clickhouse-server) or run infra/local/install-prereqs.sh"
  command -v curl >/dev/null 2>&1 || die "curl not found: install curl (apt-get install curl)"
  ensure_dirs "$CH_DIR"
  if already_running clickhouse "$CLICKHOUSE_HTTP_PORT"; then return 0; fi
  require_free_port "$CLICKHOUSE_HTTP_PORT" "clickhouse http"
  require_free_port "$CLICKHOUSE_TCP_PORT" "clickhouse tcp"
  write_config
  log "starting ClickHouse ($CH_BIN) on $CH_URL, tcp 127.0.0.1:$CLICKHOUSE_TCP_PORT (log: $(log_file clickhouse), server log: $CH_DATA/logs/)"
  record_port clickhouse "$CLICKHOUSE_HTTP_PORT"
  start_detached clickhouse "$CH_DIR" "$CH_BIN" --config-file="$CH_CONF_DIR/config.xml"
  wait_for clickhouse "$CH_READY_TIMEOUT" "GET $CH_URL/ping == Ok." ping_ok
  log "ready at $CH_URL (pid $(service_pid clickhouse))"
}

case "${1:-}" in
  start)  start ;;
  stop)   stop_service clickhouse ;;
  status) print_status clickhouse "$CLICKHOUSE_HTTP_PORT" ;;
  reset)  stop_service clickhouse; rm -rf "$CH_DATA"; log "data removed ($CH_DATA)" ;;
  fetch)  : ;;
  *) echo "usage: $0 {start|stop|status|reset}" >&2; exit 2 ;;
esac
