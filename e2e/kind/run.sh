#!/usr/bin/env bash
# The e2e suite on a kind cluster: creates the cluster, builds the two images as tarballs with Jib (no Docker daemon
# needed for that), loads them into kind, installs Kafka, an S3 server and the Kinesis servers in the cluster, and runs
# the scenarios on the kind platform (KindPlatform, -Pkind) — the same scenarios the local harness runs, which
# helm-install charts/weir themselves. Needs docker, kind, kubectl
# and Java 17 (helm is optional: the suite installs the chart with helm-java). See e2e/README.md.
#   e2e/kind/run.sh                  creates the cluster weir-e2e, runs the suite, deletes the cluster
#   KEEP_CLUSTER=1 e2e/kind/run.sh   leaves the cluster up afterwards (kubeconfig: e2e/target/kind.kubeconfig)
# A cluster of that name that already exists is used as it is and left running; it must have been created with
# e2e/kind/kind-config.yaml (the Kafka port mapping).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cluster=${KIND_CLUSTER:-weir-e2e}
kubeconfig=$root/e2e/target/kind.kubeconfig

say() { echo "kind-e2e: $*"; }
die() { echo "kind-e2e: error: $*" >&2; exit 1; }

for tool in docker kind kubectl java; do
  command -v "$tool" >/dev/null || die "$tool is required (see e2e/README.md)"
done
docker info >/dev/null 2>&1 || die "docker is installed but its daemon does not answer"

created=false
cleanup() {
  if $created && [[ -z ${KEEP_CLUSTER:-} ]]; then
    say "deleting cluster $cluster"
    kind delete cluster --name "$cluster" >/dev/null 2>&1 || true
  else
    say "cluster $cluster left running; KUBECONFIG=$kubeconfig"
  fi
}

mkdir -p "$(dirname "$kubeconfig")"
if ! kind get clusters 2>/dev/null | grep -qx "$cluster"; then
  say "creating cluster $cluster"
  trap cleanup EXIT
  created=true
  kind create cluster --name "$cluster" --config "$here/kind-config.yaml" --kubeconfig "$kubeconfig" --wait 120s
fi
kind get kubeconfig --name "$cluster" >"$kubeconfig"
export KUBECONFIG=$kubeconfig

say "building the images (Jib tarballs: -Pimages)"
(cd "$root" && ./mvnw -B -q -Pimages package -DskipTests -pl operator,runtime -am)
for tarball in operator/target/weir-operator-image.tar runtime/target/weir-runtime-image.tar; do
  [[ -f $root/$tarball ]] || die "$tarball was not built: does the build have the images profile (docs/helm.md)?"
  say "loading $tarball"
  kind load image-archive "$root/$tarball" --name "$cluster"
done

say "installing Kafka, the S3 server and the Kinesis-compatible servers"
kubectl apply -f "$here/kafka.yaml" -f "$here/s3.yaml" -f "$here/kinesis.yaml"
kubectl -n kafka rollout status statefulset/kafka --timeout=300s
kubectl -n s3 rollout status deployment/s3 --timeout=300s
kubectl -n kinesis rollout status deployment/kinesis deployment/dynamodb --timeout=300s

say "running the scenarios on the kind platform"
cd "$root"
# only the scenarios: the modules built on the way have ITs that need the local kube binaries and are not the point
# here; the Kinesis scenario needs a Kinesis server the test reaches (not yet on kind)
./mvnw -B -pl e2e -am -Pkind verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test='ChartE2E,JobLifecycleE2E,AutoscalingE2E,CheckpointsE2E,TracingE2E' -Dfailsafe.failIfNoSpecifiedTests=false \
  -Dweir.e2e.kubeconfig="$kubeconfig" \
  -Dweir.e2e.kafka.pods=kafka.kafka.svc:9092 \
  -Dweir.e2e.kafka.test=localhost:30094
