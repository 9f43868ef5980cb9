#!/usr/bin/env bash
# Builds the real engines the end-to-end tests run into .engines/bin, from the Go modules pinned in
# tools/engines/*/go.mod. Skips an engine already built from the same pins; keeps a copy of each build in a
# per-machine cache (ENGINES_CACHE, default ~/.cache/cloud-kernel/engines) so a fresh clone on the same machine
# (CI) only copies. Usage: tools/engines/build.sh [engine...]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN=$ROOT/.engines/bin
CACHE=${ENGINES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cloud-kernel/engines}
mkdir -p "$BIN" "$CACHE"
export GOFLAGS="-mod=readonly -buildvcs=false" GOTOOLCHAIN=local CGO_ENABLED=0

# version MODULE_DIR MODULE: the exact version the module dir's go.mod selects.
version() { (cd "$ROOT/tools/engines/$1" && go list -m -f '{{.Version}}' "$2"); }

# A build key: the engine's pins (go.mod + go.sum), the Go version and this script. Same key, same binary.
key() {
  cat "$ROOT/tools/engines/$1/go.mod" "$ROOT/tools/engines/$1/go.sum" "$ROOT/tools/engines/build.sh" \
    <(go version) <(echo "$2") | sha256sum | cut -c1-16
}

# build NAME VERSION MODULE_DIR PACKAGE LDFLAGS [DIR]: go build PACKAGE (from DIR if given) into .engines/bin/NAME;
# VERSION is recorded in .engines/bin/.NAME.version (what `pulumi plugin install` and the tests read).
build() {
  local name=$1 version=$2 mod=$3 pkg=$4 ldflags=$5 dir=${6:-$ROOT/tools/engines/$3}
  local k; k=$(key "$mod" "$name $pkg $ldflags")
  if [[ -x $BIN/$name && "$(cat "$BIN/.$name.key" 2>/dev/null)" == "$k" ]]; then
    echo "$version" > "$BIN/.$name.version"
    echo "engines: $name up to date"; return
  fi
  if [[ -x $CACHE/$k/$name ]]; then
    echo "engines: $name from the machine cache"
  else
    echo "engines: building $name ($pkg) ..."
    local t0=$SECONDS
    mkdir -p "$CACHE/$k.tmp"
    (cd "$dir" && go build -trimpath -ldflags "-s -w $ldflags" -o "$CACHE/$k.tmp/$name" "$pkg")
    mkdir -p "$CACHE/$k" && mv "$CACHE/$k.tmp/$name" "$CACHE/$k/$name" && rmdir "$CACHE/$k.tmp"
    echo "engines: built $name in $((SECONDS - t0)) s"
  fi
  cp "$CACHE/$k/$name" "$BIN/$name.tmp" && mv "$BIN/$name.tmp" "$BIN/$name"
  echo "$k" > "$BIN/.$name.key"
  echo "$version" > "$BIN/.$name.version"
}

kubernetes() {
  local v; v=$(version kubernetes k8s.io/kubernetes)
  local minor=${v#v1.}; minor=${minor%%.*}
  local ld="-X k8s.io/component-base/version.gitVersion=$v -X k8s.io/component-base/version.gitMajor=1"
  ld+=" -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  ld+=" -X k8s.io/client-go/pkg/version.gitVersion=$v -X k8s.io/client-go/pkg/version.gitMajor=1"
  ld+=" -X k8s.io/client-go/pkg/version.gitMinor=$minor"
  # etcd at the version k8s.io/kubernetes itself requires (and tests against).
  build etcd "$(version kubernetes go.etcd.io/etcd/server/v3)" kubernetes go.etcd.io/etcd/server/v3 ""
  build kube-apiserver "$v" kubernetes k8s.io/kubernetes/cmd/kube-apiserver "$ld"
  build kube-controller-manager "$v" kubernetes k8s.io/kubernetes/cmd/kube-controller-manager "$ld"
  build kubectl "$v" kubernetes k8s.io/kubernetes/cmd/kubectl "$ld"
}

pulumi() {
  local v; v=$(version pulumi github.com/pulumi/pulumi/pkg/v3)
  build pulumi "$v" pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$v"
}

# The provider's main package embeds a schema that its release build generates (go generate), so it is copied
# out of the module cache into a scratch package of our module, generated there, then built.
pulumi_kubernetes() {
  local mod=pulumi-kubernetes dir=$ROOT/tools/engines/pulumi-kubernetes
  local release; release=$(sed -n 's/^.*at the commit of its v\([0-9.]*\) release.*$/\1/p' "$dir/go.mod")
  # `go list -m` reports no Dir for a module not yet in the module cache (a fresh machine): download it first.
  local src; src=$(cd "$dir" && go mod download github.com/pulumi/pulumi-kubernetes/provider/v4 &&
    go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)
  [[ -d $src/cmd/pulumi-resource-kubernetes ]] || { echo "engines: provider sources not found ('$src')" >&2; exit 1; }
  local cmd=$dir/generated/pulumi-resource-kubernetes
  local ld="-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$release"
  local k; k=$(key "$mod" "pulumi-resource-kubernetes $ld")
  if [[ ! -x $CACHE/$k/pulumi-resource-kubernetes ]]; then
    rm -rf "$cmd" && mkdir -p "$cmd"
    cp "$src/cmd/pulumi-resource-kubernetes/"{main.go,generate.go,schema.json,terraform-mapping.json} "$cmd/"
    chmod u+w "$cmd"/*
    (cd "$cmd" && VERSION=$release go run generate.go)
  fi
  build pulumi-resource-kubernetes "v$release" "$mod" ./generated/pulumi-resource-kubernetes "$ld"
}

targets=("$@"); [[ ${#targets[@]} -gt 0 ]] || targets=(kubernetes pulumi pulumi_kubernetes)
t0=$SECONDS
for t in "${targets[@]}"; do "${t//-/_}"; done
echo "engines: ready in .engines/bin ($((SECONDS - t0)) s)"
