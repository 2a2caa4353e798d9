#!/usr/bin/env bash
# Builds the embedded control plane's binaries, and the helm the chart tests drive, from the Go tool
# modules under localcluster/tools.
# Binaries are cached outside the work tree, keyed on each module's go.sum, the Go version and this
# script, so a fresh clone on a warm machine (CI) links them in seconds instead of rebuilding.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cache_root=${GPSS_BIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gpss-operator/bin}
out=$root/.local/bin
mkdir -p "$out"
export CGO_ENABLED=0 GOFLAGS=-mod=mod

# openssl signs the local cluster's certificates (localcluster/pki.ts).
if ! command -v openssl >/dev/null; then
  echo "[cluster:build] installing openssl (Debian package)"
  apt-get update -qq && apt-get install -y -qq openssl >/dev/null
fi
command -v go >/dev/null || { echo "[cluster:build] Go is required (https://go.dev/doc/install)" >&2; exit 1; }

K8S_VERSION=v1.34.10
SERVING_VERSION=v0.49.1

go_version=$(go env GOVERSION)
script_sum=$(sha256sum "$0" | cut -c1-16)

key_for() { # module dir -> cache key
  { cat "$here/tools/$1/go.mod" "$here/tools/$1/go.sum"; echo "$go_version $script_sum"; } | sha256sum | cut -c1-16
}

k8s_ldflags() {
  local minor; minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  local f="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    f="$f -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  echo "$f"
}

# helm stamps its own version, and the Kubernetes version `helm template` and `helm lint` assume
# (Capabilities.KubeVersion), through ldflags as its Makefile does; both are read from the module's
# go.mod (Kubernetes minor = client-go's), so bumping helm needs no edit here.
helm_ldflags() {
  local gomod=$here/tools/helm/go.mod v minor p
  v=$(awk '$1 == "helm.sh/helm/v3" {print $2}' "$gomod")
  minor=$(awk '$1 == "k8s.io/client-go" {print $2}' "$gomod" | cut -d. -f2)
  local f="-s -w -X helm.sh/helm/v3/internal/version.version=$v"
  for p in chartutil lint/rules; do
    f="$f -X helm.sh/helm/v3/pkg/$p.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/$p.k8sVersionMinor=$minor"
  done
  echo "$f"
}

# build NAME MODULE PACKAGE [LDFLAGS]
build() {
  local name=$1 mod=$2 pkg=$3 ldflags=${4:--s -w}
  local key; key=$(key_for "$mod")
  local dir=$cache_root/$mod-$key
  mkdir -p "$dir"
  if [ -x "$dir/$name" ]; then
    echo "[cluster:build] $name: cached ($mod-$key)"
  else
    echo "[cluster:build] $name: started"
    local t0=$SECONDS
    (cd "$here/tools/$mod" && go build -trimpath -ldflags "$ldflags" -o "$dir/$name.tmp" "$pkg")
    mv "$dir/$name.tmp" "$dir/$name"
    echo "[cluster:build] $name: done in $((SECONDS - t0))s"
  fi
  ln -sfn "$dir/$name" "$out/$name"
}

only=${1:-all}
want() { [ "$only" = all ] || [[ ",$only," == *",$1,"* ]]; }

t_all=$SECONDS
want etcd && build etcd k8s go.etcd.io/etcd/server/v3
want kube-apiserver && build kube-apiserver k8s k8s.io/kubernetes/cmd/kube-apiserver "$(k8s_ldflags)"
want kube-controller-manager && build kube-controller-manager k8s k8s.io/kubernetes/cmd/kube-controller-manager "$(k8s_ldflags)"
want kube-scheduler && build kube-scheduler k8s k8s.io/kubernetes/cmd/kube-scheduler "$(k8s_ldflags)"
want kubectl && build kubectl k8s k8s.io/kubernetes/cmd/kubectl "$(k8s_ldflags)"
want kwok && build kwok kwok sigs.k8s.io/kwok/cmd/kwok
want apiserver_receive_adapter && build apiserver_receive_adapter knative ./cmd/apiserver-adapter
want helm && build helm helm helm.sh/helm/v3/cmd/helm "$(helm_ldflags)"

# Data files from the module cache: KWOK stages and the Knative CRDs (copied, the cache is read-only).
data=$root/.local/data
mkdir -p "$data/kwok-stages" "$data/knative-crds"
modpath() { (cd "$here/tools/$1" && go list -m -f '{{.Dir}}' "$2"); }
kwok_dir=$(modpath kwok sigs.k8s.io/kwok)
for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
  pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
  install -m 0644 "$kwok_dir/kustomize/stage/$f" "$data/kwok-stages/$(basename "$f")"
done
ev_dir=$(modpath knative knative.dev/eventing)
for f in apiserversource pingsource broker trigger; do
  install -m 0644 "$ev_dir/config/core/resources/$f.yaml" "$data/knative-crds/eventing-$f.yaml"
done
sv_dir=$(cd "$(mktemp -d)" && GOFLAGS= go mod download -json "knative.dev/serving@$SERVING_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
for f in service configuration revision route; do
  install -m 0644 "$sv_dir/config/core/300-resources/$f.yaml" "$data/knative-crds/serving-$f.yaml"
done
echo "[cluster:build] all done in $((SECONDS - t_all))s; binaries in $out -> $cache_root"
