#!/usr/bin/env bash
# Builds what the Argo CD testbed runs out of cluster, from the Go module proxy, into the cache scripts/cluster/build.sh
# uses ($GITOPS_STACK_CACHE/bin/<name>-<version>, default ~/.cache/gitops-stack), and installs Debian's redis-server.
# A binary already in the cache is not rebuilt. Usage: scripts/cluster/build-argocd.sh [component...] (default: all)
#   components: redis argocd argocd-scripts argocd-rbac kustomize helm waitfor
#
# argocd is Argo CD's multi-call binary (github.com/argoproj/argo-cd/v3/cmd): ARGOCD_BINARY_NAME names the role
# (argocd-repo-server, argocd-application-controller, argocd-applicationset-controller, argocd-notification,
# argocd-server, argocd). Upstream's go.mod carries a replace block (k8s.io/* pinned to one release, and others) that
# only applies to builds inside its own module, so it is built through a throwaway wrapper module that requires it and
# copies those replace lines, as build-flux.sh does for Flux. Cold: about 22 min on 2 cores.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.sh
. "$here/versions.sh"
# shellcheck source=lib.sh
. "$here/lib.sh"

mkdir -p "$CLUSTER_BIN" "$CLUSTER_CACHE/src"
export GOFLAGS="-mod=mod -buildvcs=false"
export CGO_ENABLED=0

log() { echo "argocd-build [${SECONDS}s]: $*" >&2; }

# The wrapper module every Argo CD build runs in (created once; `go get` resolves the release's dependency graph).
argocd_wrapper() {
    local v="$ARGOCD_VERSION" mod="github.com/argoproj/argo-cd/v3"
    local dir="$CLUSTER_CACHE/src/argocd-$v" gomod reps
    if [ -s "$dir/go.mod" ] && grep -q "$mod $v" "$dir/go.mod"; then echo "$dir"; return; fi
    gomod="$(module_gomod "$mod@$v")"
    [ -n "$gomod" ] || { log "$mod@$v: the module proxy does not serve it"; return 1; }
    mapfile -t reps < <(module_replaces "$gomod")
    rm -rf "$dir" && mkdir -p "$dir"
    (
        cd "$dir"
        go mod init "gitops-stack.local/build/argocd" >/dev/null 2>&1
        go mod edit -go="$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$gomod")" -require "$mod@$v" "${reps[@]}"
        go get "$mod/cmd@$v" >&2
    )
    echo "$dir"
}

build_argocd() {
    local v="$ARGOCD_VERSION" mod="github.com/argoproj/argo-cd/v3"
    local out="$CLUSTER_BIN/argocd-$v"
    [ -x "$out" ] && { log "argocd $v: cached"; return; }
    log "argocd $v: building $mod/cmd@$v (cold: about 22 min on 2 cores)"
    local start=$SECONDS dir
    dir="$(argocd_wrapper)"
    (
        cd "$dir"
        # The version stamp Argo CD's Makefile sets, so `argocd version` and the controllers' logs say what runs.
        go build -trimpath -ldflags="-s -w -X $mod/common.version=${v#v}" -o "$out.tmp" "$mod/cmd"
        mv "$out.tmp" "$out"
    )
    log "argocd $v: built in $((SECONDS - start)) s"
}

# scripts/argocd-rbac: Argo CD's RBAC enforcer as argocd-server wires it, built in the same wrapper module as the
# controllers (same code, and after build_argocd only its own package compiles). Keyed by version and source hash.
build_argocd_rbac() {
    local v="$ARGOCD_VERSION" src="$here/../argocd-rbac" key out dir
    key="$(sha256sum <"$src/main.go" | cut -c1-12)"
    out="$CLUSTER_BIN/argocd-rbac-$v-$key"
    [ -x "$out" ] && { log "argocd-rbac $v $key: cached"; return; }
    log "argocd-rbac $v $key: building scripts/argocd-rbac"
    local start=$SECONDS
    dir="$(argocd_wrapper)"
    rm -rf "$dir/rbac" && mkdir -p "$dir/rbac" && cp "$src/main.go" "$dir/rbac/main.go"
    (cd "$dir" && go build -trimpath -ldflags="-s -w" -o "$out.tmp" ./rbac)
    mv "$out.tmp" "$out"
    log "argocd-rbac $v $key: built in $((SECONDS - start)) s"
}

# The image's helper scripts the repo-server runs from PATH (the Dockerfile copies them to /usr/local/bin):
# gpg-wrapper.sh (GnuPG is on by default) and git-verify-wrapper.sh, taken from the same release module.
argocd_scripts() {
    local v="$ARGOCD_VERSION" out="$CLUSTER_CACHE/argocd-scripts-$ARGOCD_VERSION" dir f
    if [ -x "$out/gpg-wrapper.sh" ] && [ -x "$out/git-verify-wrapper.sh" ]; then
        log "argocd $v scripts: cached"
        return
    fi
    dir="$(cd "$CLUSTER_CACHE/src" && go mod download -json "github.com/argoproj/argo-cd/v3@$v" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
    rm -rf "$out.tmp" && mkdir -p "$out.tmp"
    for f in gpg-wrapper.sh git-verify-wrapper.sh; do
        [ -s "$dir/hack/$f" ] || { log "argocd $v: no hack/$f in $dir"; return 1; }
        cp "$dir/hack/$f" "$out.tmp/$f" && chmod 0755 "$out.tmp/$f"
    done
    rm -rf "$out" && mv "$out.tmp" "$out"
    log "argocd $v scripts: $out"
}

build_go_tool() { # $1 name, $2 package, $3 version: `go install` into the cache
    local name="$1" pkg="$2" v="$3" gobin
    [ -x "$CLUSTER_BIN/$name-$v" ] && { log "$name $v: cached"; return; }
    log "$name $v: building $pkg@$v"
    local start=$SECONDS
    gobin="$CLUSTER_CACHE/src/gobin-$name-$v"
    rm -rf "$gobin"
    GOBIN="$gobin" go install -trimpath -ldflags="-s -w" "$pkg@$v"
    # The command is named after its package's last element, or the one before a major-version suffix (.../v5).
    local cmd
    cmd="$(basename "$pkg")"
    case "$cmd" in v[0-9]*) cmd="$(basename "$(dirname "$pkg")")" ;; esac
    mv "$gobin/$cmd" "$CLUSTER_BIN/$name-$v"
    rm -rf "$gobin"
    log "$name $v: built in $((SECONDS - start)) s"
}

# scripts/waitfor: pulumi-kubernetes' own JSONPath matching of `pulumi.com/waitFor` (the testbed creates a stack's
# objects in the engine's order). Keyed by a hash of its sources, so an edit rebuilds it.
build_waitfor() {
    local src="$here/../waitfor" key out
    key="$(cat "$src/main.go" "$src/go.mod" "$src/go.sum" | sha256sum | cut -c1-12)"
    out="$CLUSTER_BIN/waitfor-$key"
    [ -x "$out" ] && { log "waitfor $key: cached"; return; }
    log "waitfor $key: building scripts/waitfor (pulumi-kubernetes $PULUMI_KUBERNETES_PROVIDER_VERSION's pkg/jsonpath)"
    local start=$SECONDS
    (cd "$src" && go build -trimpath -ldflags="-s -w" -o "$out.tmp" .)
    mv "$out.tmp" "$out"
    log "waitfor $key: built in $((SECONDS - start)) s"
}

install_redis() {
    if command -v redis-server >/dev/null 2>&1; then log "redis: $(command -v redis-server)"; return; fi
    log "redis: installing Debian's redis-server"
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
        # The package starts a system redis on 6379; the testbed runs its own on another port.
        (systemctl stop redis-server 2>/dev/null || service redis-server stop 2>/dev/null || pkill -x redis-server) \
            >/dev/null 2>&1 || true
    else
        log "redis: not installed and not root; install Debian's redis-server"
        return 1
    fi
}

components=("$@")
[ ${#components[@]} -eq 0 ] && components=(redis kustomize helm waitfor argocd argocd-scripts argocd-rbac)
for c in "${components[@]}"; do
    case "$c" in
    redis) install_redis ;;
    argocd) build_argocd ;;
    argocd-scripts) argocd_scripts ;;
    waitfor) build_waitfor ;;
    argocd-rbac) build_argocd_rbac ;;
    kustomize) build_go_tool kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION" ;;
    helm) build_go_tool helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION" ;;
    *) log "unknown component $c" && exit 2 ;;
    esac
done
