#!/usr/bin/env bash
# Installs the servers of the Kinesis tests: kinesis-local (the Kinesis API, from the npm registry) and moto
# (DynamoDB and CloudWatch for the Kinesis Client Library, from PyPI, in its own virtual environment).
# Installs once per machine into a cache outside the repository, keyed by a fingerprint of the pinned versions;
# later runs only check what is there. With PROPERTIES_FILE, writes the paths the test fixture KinesisServers
# starts the servers from. See docs/kinesis.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${WEIR_KINESIS_CACHE:-$HOME/.cache/weir/kinesis}
usage="usage: install-servers.sh [PROPERTIES_FILE]"

say() { echo "install-servers: $*"; }
die() { echo "install-servers: error: $*" >&2; exit 1; }

case $# in
  0) properties= ;;
  1) [[ $1 == -h || $1 == --help ]] && { echo "$usage"; exit 0; }
     [[ $1 == -* ]] && { echo "install-servers: unknown option $1" >&2; echo "$usage" >&2; exit 2; }
     properties=$1 ;;
  *) echo "$usage" >&2; exit 2 ;;
esac

command -v node >/dev/null || die "Node.js is required to run kinesis-local (no node on PATH; Debian: apt-get install nodejs npm)"
command -v npm >/dev/null || die "npm is required to install kinesis-local (no npm on PATH; Debian: apt-get install npm)"
command -v python3 >/dev/null || die "Python 3.9 or later is required to run moto (no python3 on PATH)"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 9))' \
  || die "moto needs Python 3.9 or later; python3 on PATH is $(python3 --version 2>&1)"
python3 -c 'import venv, ensurepip' 2>/dev/null \
  || die "python3 cannot make virtual environments (Debian: apt-get install python3-venv)"

fingerprint() { # <text> → SHA-256 hex of it
  sha256sum <<<"$1" | cut -d' ' -f1
}

# ensure_installed <result var> <dir prefix> <inputs> <check command…>
# Runs install_<kind> into <prefix>-<fingerprint prefix>.partial and moves it into place, unless the directory
# already holds an install of the same inputs that passes the check (run with the directory as $1).
ensure_installed() {
  local -n result=$1
  local kind=$2 prefix=$3 inputs=$4
  shift 4
  local fp dir partial started=$SECONDS
  fp=$(fingerprint "$inputs")
  dir=$prefix-${fp:0:12}
  result=$dir
  if [[ -f $dir/.inputs && $(<"$dir/.inputs") == "$fp" ]] && "$@" "$dir" 2>/dev/null; then
    say "cached: $dir"
    return
  fi
  partial=$dir.partial
  rm -rf "$partial"
  mkdir -p "$partial"
  say "installing ${kind//_/-} into $dir"
  "install_$kind" "$partial"
  echo "$fp" >"$partial/.inputs"
  rm -rf "$dir"
  mv "$partial" "$dir"
  "$@" "$dir" || die "${kind//_/-} in $dir does not run after installing it"
  say "installed ${kind//_/-} in $((SECONDS - started))s"
}

install_kinesis_local() { # <dir>
  cp "$here/package.json" "$here/package-lock.json" "$1/"
  # npm ci installs exactly the lock file, and checks each package against its integrity hash.
  (cd "$1" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci of kinesis-local failed (npm's output is above)"
}

kinesis_local_runs() { # <dir>
  [[ -f $1/node_modules/kinesis-local/main.js && -f $1/node_modules/kinesis-local/server.json ]]
}

install_moto() { # <dir>
  python3 -m venv "$1/venv" || die "python3 -m venv failed (its output is above)"
  # Started as `venv/bin/python -m moto.server`: the venv's scripts name the .partial path in their first line,
  # the interpreter link does not.
  "$1/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$here/requirements.txt" \
    || die "pip install of moto failed (pip's output is above)"
}

moto_runs() { # <dir>
  "$1/venv/bin/python" -c 'import moto.server, flask_cors'
}

mkdir -p "$cache_root"
# Two builds on one machine (worktrees) wait for each other instead of installing into the same .partial.
if command -v flock >/dev/null; then
  exec 9>"$cache_root/.lock"
  flock 9
fi

started_all=$SECONDS
kinesis_local_version=$(sed -n 's/.*"kinesis-local": *"\([^"]*\)".*/\1/p' "$here/package.json")
moto_version=$(sed -n 's/^moto\[[a-z,]*\]==\(.*\)$/\1/p' "$here/requirements.txt")
[[ -n $kinesis_local_version ]] || die "no kinesis-local version in $here/package.json"
[[ -n $moto_version ]] || die "no moto version in $here/requirements.txt"
python=$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')
say "kinesis-local $kinesis_local_version on node $(node --version), moto $moto_version on $(python3 --version) ($python)"

ensure_installed kinesis_local_dir kinesis_local "$cache_root/kinesis-local-$kinesis_local_version" \
  "$(cat "$here/package.json" "$here/package-lock.json")" kinesis_local_runs
# A virtual environment belongs to the interpreter it was made with: another python3 makes another one.
ensure_installed moto_dir moto "$cache_root/moto-$moto_version" \
  "$(cat "$here/requirements.txt"; echo "$python"; python3 --version)" moto_runs

if [[ -n $properties ]]; then
  mkdir -p "$(dirname "$properties")"
  cat >"$properties" <<EOF
# written by $here/install-servers.sh
node=$(command -v node)
kinesis-local.main=$kinesis_local_dir/node_modules/kinesis-local/main.js
moto.python=$moto_dir/venv/bin/python
EOF
  say "wrote $properties"
fi
say "ready in $((SECONDS - started_all))s"
