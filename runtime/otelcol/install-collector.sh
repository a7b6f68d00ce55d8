#!/usr/bin/env bash
# Builds the OpenTelemetry Collector of the tracing tests from the Go module proxy with the collector's builder
# (pinned in builder/go.mod, components in builder-config.yaml), once per machine into a cache outside the
# repository, and links it at LINK when given (the runtime's build links target/otelcol/weir-otelcol).
# See docs/tracing.md.
#   runtime/otelcol/install-collector.sh [LINK]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${WEIR_OTELCOL_CACHE:-$HOME/.cache/weir/otelcol}
binary=weir-otelcol
link=${1:-}

say() { echo "install-collector: $*"; }
die() { echo "install-collector: error: $*" >&2; exit 1; }

(($# <= 1)) || die "usage: install-collector.sh [LINK]"
command -v go >/dev/null || die "Go 1.26 or later is required to build the collector (none on PATH)"
# -mod=mod: builder/ holds only go.mod and go.sum, no vendor directory. Added to the flags already set.
GOFLAGS="-mod=mod $(go env GOFLAGS)"
export GOFLAGS

version=$(sed -n 's/^  version: //p' "$here/builder-config.yaml")
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "no dist.version in $here/builder-config.yaml"
# Fingerprint of what a cached build was made from: the builder's module files and its configuration. Keyed by it,
# so checkouts with different inputs on one machine each keep their own collector.
inputs=$(cat "$here/builder/go.mod" "$here/builder/go.sum" "$here/builder-config.yaml" | sha256sum | cut -d' ' -f1)
dir=$cache_root/$binary-$version-${inputs:0:12}

started=$SECONDS
mkdir -p "$cache_root"
# one build at a time per input set: the runtime's and the operator's builds, or two checkouts, may ask at once
exec 9>"$dir.lock"
flock 9
if [[ -f $dir/.inputs && $(<"$dir/.inputs") == "$inputs" && -x $dir/$binary ]]; then
  say "cached: $dir"
else
  partial=$dir.partial
  rm -rf "$partial"
  mkdir -p "$partial"
  say "building the collector builder"
  (cd "$here/builder" && go build -trimpath -o "$partial/builder" go.opentelemetry.io/collector/cmd/builder) \
    || die "building the builder failed (go's output is above)"
  say "building $binary $version (minutes on a first build)"
  # the builder writes the sources to ./src (dist.output_path), resolves the modules and runs go build there
  (cd "$partial" && ./builder --config "$here/builder-config.yaml") \
    || die "the builder failed (its output is above)"
  mv "$partial/src/$binary" "$partial/$binary"
  rm -rf "$partial/src" "$partial/builder"
  echo "$inputs" >"$partial/.inputs"
  rm -rf "$dir"
  mv "$partial" "$dir"
  say "built in $((SECONDS - started))s"
fi

"$dir/$binary" --version >/dev/null || die "$dir/$binary does not run"
if [[ -n $link ]]; then
  mkdir -p "$(dirname "$link")"
  ln -sfn "$dir/$binary" "$link"
  say "$("$link" --version) at $link"
else
  say "$("$dir/$binary" --version) at $dir/$binary"
fi
