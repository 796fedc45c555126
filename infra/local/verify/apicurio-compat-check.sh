#!/usr/bin/env bash
# Checks that the local Apicurio ccompat API enforces BACKWARD compatibility for Avro:
# subject-level config set before the first version, incompatible v2 -> 409, compatible v2 -> 200.
# Usage: infra/local/verify/apicurio-compat-check.sh   (stack running; honours APICURIO_PORT)
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/versions.env"
R="http://127.0.0.1:${APICURIO_PORT}/apis/ccompat/v7"
S="gapstream-compat-check-$$-value"
H='Content-Type: application/vnd.schemaregistry.v1+json'
v1='{"schema":"{\"type\":\"record\",\"name\":\"User\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"}]}"}'
bad='{"schema":"{\"type\":\"record\",\"name\":\"User\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"age\",\"type\":\"int\"}]}"}'
good='{"schema":"{\"type\":\"record\",\"name\":\"User\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"age\",\"type\":\"int\",\"default\":0}]}"}'
code() { curl -s -o /tmp/apicurio-check.$$ -w '%{http_code}' -H "$H" "$@"; }
fail=0
expect() { local want="$1" what="$2"; shift 2; local got; got="$(code "$@")"
  if [[ "$got" == "$want" ]]; then echo "ok   $what -> $got"; else echo "FAIL $what -> $got (want $want): $(cat /tmp/apicurio-check.$$)"; fail=1; fi; }
expect 200 "PUT config/$S BACKWARD"          -X PUT  "$R/config/$S" -d '{"compatibility":"BACKWARD"}'
expect 200 "register v1"                      -X POST "$R/subjects/$S/versions" -d "$v1"
expect 409 "register incompatible v2"         -X POST "$R/subjects/$S/versions" -d "$bad"
expect 200 "register compatible v2 (default)" -X POST "$R/subjects/$S/versions" -d "$good"
expect 200 "delete subject"                   -X DELETE "$R/subjects/$S"
rm -f /tmp/apicurio-check.$$
if ((fail)); then echo "RESULT FAIL"; exit 1; fi
echo "RESULT PASS"
