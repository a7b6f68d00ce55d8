#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kubectl and etcd from the Go module proxy and puts
# them where fabric8 kube-api-test looks for them, so the operator's ITs start a real API server
# without internet (and the tests' own kube-controller-manager, for garbage collection).
# Builds once per machine into a cache outside the repository; later runs only check the links.
# See docs/kube-test-binaries.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${WEIR_KUBE_CACHE:-$HOME/.cache/weir/kube}
# kube-api-test reads the same variable and defaults to the same directory.
api_test_dir=${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}

say() { echo "install-binaries: $*"; }
die() { echo "install-binaries: error: $*" >&2; exit 1; }

command -v go >/dev/null || die "Go 1.26 or later is required to build the binaries (none on PATH)"
# -mod=mod: the small modules under operator/kube hold only go.mod and go.sum, no vendor directory.
# Added to the flags already set, in the environment or with `go env -w`.
GOFLAGS="-mod=mod $(go env GOFLAGS)"
export GOFLAGS
# Static binaries, as Kubernetes and etcd release them.
export CGO_ENABLED=0

module_version() { # <module dir> <module path> → version without the leading v
  local version
  version=$(cd "$1" && go list -m -f '{{.Version}}' "$2") || die "cannot resolve $2 in $1/go.mod (go's output is above)"
  echo "${version#v}"
}

# Fingerprint of what a cached build was made from: the module files and the build flags.
inputs_of() { # <module dir> <build flags…>
  { cat "$1/go.mod" "$1/go.sum"; shift; echo "$*"; } | sha256sum | cut -d' ' -f1
}

# ensure_built <result var> <cache dir prefix> <module dir> <ldflags> <tags> (<package> <binary>)…
# Builds the binaries unless the cache already holds them built from the same inputs, and sets <result var> to
# their directory: <prefix>-<fingerprint prefix>. Keyed by the fingerprint, so checkouts with different inputs
# on one machine (a branch that changes go.mod, and main) each keep their own binaries instead of rebuilding
# over each other's while the other's tests run.
ensure_built() {
  local -n result=$1
  local module=$3 ldflags=$4 tags=$5 inputs package binary i dir
  inputs=$(inputs_of "$module" "$ldflags" "$tags" "${@:6}")
  dir=$2-${inputs:0:12}
  result=$dir
  shift 5
  if [[ -f $dir/.inputs && $(<"$dir/.inputs") == "$inputs" ]]; then
    local complete=true
    for ((i = 2; i <= $#; i += 2)); do
      [[ -x $dir/${!i} ]] || complete=false
    done
    if $complete; then
      say "cached: $dir"
      return
    fi
  fi
  local partial="$dir.partial"
  rm -rf "$partial"
  mkdir -p "$partial"
  while (($#)); do
    package=$1 binary=$2
    shift 2
    say "building $binary from $package (minutes on a first build)"
    local started=$SECONDS
    (cd "$module" && go build -trimpath -tags "$tags" -ldflags "$ldflags" -o "$partial/$binary" "$package") \
      || die "building $binary failed (go's output is above)"
    say "built $binary in $((SECONDS - started))s"
  done
  echo "$inputs" >"$partial/.inputs"
  rm -rf "$dir"
  mv "$partial" "$dir"
}

started_all=$SECONDS
kube_module=$here/kubernetes
etcd_module=$here/etcd
kube_version=$(module_version "$kube_module" k8s.io/kubernetes)
etcd_version=$(module_version "$etcd_module" go.etcd.io/etcd/server/v3)
[[ $kube_version =~ ^([0-9]+)\.([0-9]+)\.[0-9]+$ ]] || die "unexpected Kubernetes version '$kube_version'"
kube_major=${BASH_REMATCH[1]} kube_minor=${BASH_REMATCH[2]}
say "Kubernetes $kube_version, etcd $etcd_version, $(go version | cut -d' ' -f3-)"

# What Kubernetes' own build sets (hack/lib/version.sh, hack/lib/golang.sh), so the binaries
# report their version; the commit is unknown here, the module proxy does not give it.
kube_ldflags="-s -w"
for package in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kube_ldflags+=" -X $package.gitVersion=v$kube_version"
  kube_ldflags+=" -X $package.gitMajor=$kube_major -X $package.gitMinor=$kube_minor"
done
ensure_built kube_dir "$cache_root/kubernetes-$kube_version" "$kube_module" "$kube_ldflags" "selinux,notest,grpcnotrace" \
  k8s.io/kubernetes/cmd/kube-apiserver kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager kube-controller-manager \
  k8s.io/kubernetes/cmd/kubectl kubectl
ensure_built etcd_dir "$cache_root/etcd-$etcd_version" "$etcd_module" "-s -w" "" \
  go.etcd.io/etcd/server/v3 etcd

# kube-api-test runs <dir>/k8s/<version>-<os>-<arch>/{kube-apiserver,etcd,kubectl}: it starts the
# first two and uses kubectl to see that the default namespace exists. With a version pinned and
# that directory present it downloads nothing. It ignores other files there, so the operator's tests
# find kube-controller-manager next to them (kube-api-test does not start one; the tests do, for
# garbage collection).
target=$api_test_dir/k8s/$kube_version-$(go env GOOS)-$(go env GOARCH)
mkdir -p "$target"
ln -sfn "$kube_dir/kube-apiserver" "$target/kube-apiserver"
ln -sfn "$kube_dir/kubectl" "$target/kubectl"
ln -sfn "$kube_dir/kube-controller-manager" "$target/kube-controller-manager"
ln -sfn "$etcd_dir/etcd" "$target/etcd"

"$target/kube-apiserver" --version >/dev/null || die "$target/kube-apiserver does not run"
"$target/kubectl" version --client >/dev/null || die "$target/kubectl does not run"
"$target/kube-controller-manager" --version >/dev/null || die "$target/kube-controller-manager does not run"
"$target/etcd" --version >/dev/null || die "$target/etcd does not run"
say "$("$target/kube-apiserver" --version), $("$target/etcd" --version | head -1)"
say "ready in $target ($((SECONDS - started_all))s)"
