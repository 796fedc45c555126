#!/usr/bin/env bash
# The test command (`npm test`): unit AND integration tests against the real local stack.
# Starts Kafka, Apicurio, ClickHouse and the SFTP test server (infra/local) when they are not
# running, and stops what it started. A missing prerequisite fails with one sentence saying what
# to install; nothing is ever skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

bash infra/local/install-prereqs.sh

started=()
for service in kafka apicurio clickhouse sftp; do
  if ! bash "infra/local/${service}.sh" status >/dev/null 2>&1; then started+=("$service"); fi
done
cleanup() {
  local code=$?
  for service in "${started[@]}"; do bash "infra/local/${service}.sh" stop >/dev/null 2>&1 || true; done
  exit "$code"
}
trap cleanup EXIT
# Idempotent: starts what is not running and (re)writes .local/stack.env.
bash infra/local/stack.sh start

set -a
# shellcheck source=/dev/null
. .local/stack.env
set +a

npx vitest run --project unit --project integration "$@"
