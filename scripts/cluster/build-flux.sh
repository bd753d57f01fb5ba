#!/usr/bin/env bash
# Builds the Flux controllers the reconcile test runs out-of-cluster (source-controller, kustomize-controller,
# notification-controller) and the loopback git server it serves gitops-repo/ from, from the Go module proxy, into
# the cache scripts/cluster/build.sh uses: $GITOPS_STACK_CACHE/bin/<name>-<version> (default ~/.cache/gitops-stack).
# A binary already in the cache is not rebuilt. Usage: scripts/cluster/build-flux.sh [component...] (default: all)
#   components: source-controller kustomize-controller notification-controller gitserver
#
# Each controller's go.mod has `replace github.com/fluxcd/<x>/api => ./api`, which only works inside its own
# repository. So each is built through a throwaway wrapper module that requires the controller module and replaces
# its api module with the published one at the version the controller's go.mod requires, plus the upstream go.mod's
# other (non-local) replace lines, so the dependency graph is the one upstream builds with.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.sh
. "$here/versions.sh"
# shellcheck source=lib.sh
. "$here/lib.sh"

mkdir -p "$CLUSTER_BIN" "$CLUSTER_CACHE/src"
export GOFLAGS="-mod=mod -buildvcs=false"
export CGO_ENABLED=0

log() { echo "flux-build: $*" >&2; }

# $1 controller name (source-controller, ...), $2 version.
build_controller() {
    local name="$1" v="$2" mod="github.com/fluxcd/$1"
    local out="$CLUSTER_BIN/$name-$v"
    [ -x "$out" ] && { log "$name $v: cached"; return; }
    log "$name $v: building $mod@$v"
    local start=$SECONDS gomod api_version dir="$CLUSTER_CACHE/src/$name-$v"
    gomod="$(go mod download -json "$mod@$v" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
    [ -n "$gomod" ] || { log "$mod@$v: the module proxy does not serve it"; return 1; }
    api_version="$(sed -n "s#^[[:space:]]*$mod/api \(v[^[:space:]]*\).*#\1#p" "$gomod" | head -1)"
    [ -n "$api_version" ] || { log "$mod@$v: no requirement on $mod/api in its go.mod"; return 1; }
    local reps
    mapfile -t reps < <(module_replaces "$gomod")
    rm -rf "$dir" && mkdir -p "$dir"
    (
        cd "$dir"
        go mod init "gitops-stack.local/build/$name" >/dev/null 2>&1
        go mod edit -go="$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$gomod")" -require "$mod@$v" \
            -replace "$mod/api=$mod/api@$api_version" "${reps[@]}"
        go get "$mod@$v"
        go build -trimpath -ldflags="-s -w" -o "$out.tmp" "$mod"
        mv "$out.tmp" "$out"
    )
    log "$name $v: built in $((SECONDS - start)) s (api $api_version)"
}

# The git server the test serves gitops-repo/ from: a small main (scripts/cluster/flux/gitserver) around
# github.com/fluxcd/gitkit (the server under github.com/fluxcd/pkg/gittestserver), built as its own module.
# The binary is keyed by the gitkit version and a hash of the main and x/crypto version, so an edit rebuilds it; the
# unhashed name is a link to the newest build.
build_gitserver() {
    # gitkit's own go.mod asks for a 2022 x/crypto; take the one Flux's gittestserver v0.25.0 builds it with.
    local v="$FLUX_GITKIT_VERSION" crypto="golang.org/x/crypto@v0.47.0" src="$here/flux/gitserver" out
    out="$CLUSTER_BIN/flux-gitserver-$v-$({ cat "$src/main.go"; echo "$crypto"; } | sha256sum | cut -c1-12)"
    [ -x "$out" ] && { ln -sf "$(basename "$out")" "$CLUSTER_BIN/flux-gitserver-$v"; log "gitserver $v: cached"; return; }
    log "gitserver: building with github.com/fluxcd/gitkit@$v"
    local start=$SECONDS dir="$CLUSTER_CACHE/src/flux-gitserver-$v"
    rm -rf "$dir" && mkdir -p "$dir"
    cp "$src/main.go" "$dir/main.go"
    (
        cd "$dir"
        go mod init gitops-stack.local/build/flux-gitserver >/dev/null 2>&1
        go get "github.com/fluxcd/gitkit@$v" "$crypto"
        go mod tidy
        go build -trimpath -ldflags="-s -w" -o "$out.tmp" .
        mv "$out.tmp" "$out"
    )
    ln -sf "$(basename "$out")" "$CLUSTER_BIN/flux-gitserver-$v"
    log "gitserver $v: built in $((SECONDS - start)) s"
}

components=("$@")
[ ${#components[@]} -eq 0 ] && components=(source-controller kustomize-controller notification-controller gitserver)
for c in "${components[@]}"; do
    case "$c" in
    source-controller) build_controller source-controller "$FLUX_SOURCE_CONTROLLER_VERSION" ;;
    kustomize-controller) build_controller kustomize-controller "$FLUX_KUSTOMIZE_CONTROLLER_VERSION" ;;
    notification-controller) build_controller notification-controller "$FLUX_NOTIFICATION_CONTROLLER_VERSION" ;;
    gitserver) build_gitserver ;;
    *) log "unknown component $c" && exit 2 ;;
    esac
done
