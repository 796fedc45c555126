#!/usr/bin/env bash
# Creates (or reuses) the Python venv of the identity-linkage peer benchmark and
# installs bench/identity-peer/requirements.txt into it. Idempotent: a venv whose
# installed requirements match the current file is left as it is.
#
#   GAPSTREAM_PEER_VENV  venv path, relative to the repo root unless absolute
#                        (default .local/identity-peer-venv, gitignored)
#   PYTHON               interpreter to build the venv from (default: python3.11,
#                        else python3 if it is 3.11+)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
req="$here/requirements.txt"
venv="${GAPSTREAM_PEER_VENV:-.local/identity-peer-venv}"
case "$venv" in /*) ;; *) venv="$root/$venv" ;; esac

die() { echo "identity-peer setup: $*" >&2; exit 1; }

[ -f "$req" ] || die "missing $req"

py="${PYTHON:-}"
if [ -z "$py" ]; then
  if command -v python3.11 >/dev/null 2>&1; then py=python3.11
  elif command -v python3 >/dev/null 2>&1; then py=python3
  else die "no python3.11 or python3 on PATH (set PYTHON=...)"; fi
fi
"$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null \
  || die "$py is not Python >= 3.10 (the pins are for 3.11); set PYTHON=..."

stamp="$venv/.requirements.sha256"
want="$( ( "$py" -c 'import sys; print(sys.version.split()[0])'; cat "$req" ) | sha256sum | cut -d' ' -f1)"

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
   && "$venv/bin/python" -c 'import splink, recordlinkage' >/dev/null 2>&1; then
  echo "identity-peer setup: $venv is up to date" >&2
  exit 0
fi

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  "$py" -m venv "$venv" || die "could not create a venv at $venv with $py (is the venv module installed?)"
fi

echo "identity-peer setup: installing $req into $venv" >&2
start=$(date +%s)
"$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$req" >&2 \
  || die "pip install -r $req failed (PyPI reachable? see pip's message above)"
"$venv/bin/python" -c 'import splink, recordlinkage' \
  || die "installed, but splink/recordlinkage do not import"
echo "$want" > "$stamp"
echo "identity-peer setup: done in $(( $(date +%s) - start ))s ($("$venv/bin/python" -c 'import splink, recordlinkage; print("splink", splink.__version__, "recordlinkage", recordlinkage.__version__)'))" >&2
