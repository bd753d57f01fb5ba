#!/usr/bin/env bash
# Builds what the release-path cluster tests run out of cluster (issue 21), from the Go module proxy, into the cache
# scripts/cluster/build.sh uses ($GITOPS_STACK_CACHE/bin/<name>-<version>, default ~/.cache/gitops-stack); versions
# and the reason for each in scripts/cluster/versions.sh. A binary already in the cache is not rebuilt.
# Usage: scripts/cluster/build-release.sh [component...]   (default: all)
#   components: registry crane image-reflector-controller setters argo-rollouts sealed-secrets image-updater
#
#   registry                    distribution's `registry` (the local OCI registry)           registry-<v>
#   crane                       go-containerregistry's crane (pushes the tests' tags)         crane-<v>
#   image-reflector-controller  Flux's image-reflector-controller                              image-reflector-controller-<v>
#   setters                     Flux's setter write-back with kyaml (scripts/cluster/release)  flux-setters-<kyaml v>
#   argo-rollouts               the Argo Rollouts controller and its kubectl plugin           rollouts-controller-<v>, kubectl-argo-rollouts-<v>
#   sealed-secrets              the Sealed Secrets controller and kubeseal                    sealed-secrets-controller-<v>, kubeseal-<v>
#   image-updater               Argo CD Image Updater                                         argocd-image-updater-<v>
#
# Modules whose go.mod has no replace directive are built with `go install module/cmd@version`. The others (their
# go.mod pins k8s.io/* and others with replace lines, or points a nested module at `./api`, which only resolves
# inside their own repository) are built through a throwaway wrapper module that requires them, copies the upstream
# replace lines whose target is a module, and replaces each nested module with the published one at the version the
# upstream go.mod requires, as build-flux.sh and build-argocd.sh do. When the proxy does not serve something, the
# build stops with the proxy's own answer.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.sh
. "$here/versions.sh"
# shellcheck source=lib.sh
. "$here/lib.sh"

mkdir -p "$CLUSTER_BIN" "$CLUSTER_CACHE/src"
export GOFLAGS="-mod=mod -buildvcs=false"
export CGO_ENABLED=0

log() { echo "release-build [${SECONDS}s]: $*" >&2; }

cached() { # name... : every <name> is in the cache
    local n
    for n in "$@"; do [ -x "$CLUSTER_BIN/$n" ] || return 1; done
}

# `go install` of one or more commands of a module without replace lines:
#   install_commands <module> <version> <ldflags> <out name>=<package>...
install_commands() {
    local mod="$1" v="$2" ldflags="$3" gobin start=$SECONDS pair
    shift 3
    gobin="$CLUSTER_CACHE/src/gobin-$(basename "$mod")-$v"
    rm -rf "$gobin"
    for pair in "$@"; do
        GOBIN="$gobin" go install -trimpath -ldflags="-s -w $ldflags" "${pair#*=}@$v"
        mv "$gobin/$(basename "${pair#*=}")" "$CLUSTER_BIN/${pair%%=*}"
        log "${pair%%=*}: built"
    done
    rm -rf "$gobin"
    log "$mod $v: built in $((SECONDS - start)) s"
}

# Commands of a module built through a wrapper module:
#   wrapped_commands <module> <version> <ldflags> <out name>=<package>...
wrapped_commands() {
    local mod="$1" v="$2" ldflags="$3" start=$SECONDS gomod dir pair reps locals
    shift 3
    dir="$CLUSTER_CACHE/src/$(basename "$mod")-$v"
    gomod="$(module_gomod "$mod@$v")"
    [ -n "$gomod" ] || { log "$mod@$v: the module proxy does not serve it (see the error above)"; return 1; }
    mapfile -t reps < <(module_replaces "$gomod")
    mapfile -t locals < <(module_local_replaces "$gomod")
    rm -rf "$dir" && mkdir -p "$dir"
    (
        cd "$dir"
        go mod init "gitops-stack.local/build/$(basename "$mod")" >/dev/null 2>&1
        go mod edit -go="$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$gomod")" -require "$mod@$v" "${reps[@]}" "${locals[@]}"
        for pair in "$@"; do go get "${pair#*=}@$v"; done
        for pair in "$@"; do
            go build -trimpath -ldflags="-s -w $ldflags" -o "$CLUSTER_BIN/${pair%%=*}.tmp" "${pair#*=}"
            mv "$CLUSTER_BIN/${pair%%=*}.tmp" "$CLUSTER_BIN/${pair%%=*}"
            log "${pair%%=*}: built"
        done
    )
    rm -rf "$dir"
    log "$mod $v: built in $((SECONDS - start)) s"
}

build_registry() {
    local v="$DISTRIBUTION_VERSION" mod=github.com/distribution/distribution/v3
    cached "registry-$v" && { log "registry $v: cached"; return; }
    log "registry $v: building $mod/cmd/registry"
    install_commands "$mod" "$v" "-X $mod/version.version=$v" "registry-$v=$mod/cmd/registry"
}

build_crane() {
    local v="$CRANE_VERSION" mod=github.com/google/go-containerregistry
    cached "crane-$v" && { log "crane $v: cached"; return; }
    log "crane $v: building $mod/cmd/crane"
    install_commands "$mod" "$v" "" "crane-$v=$mod/cmd/crane"
}

build_image_reflector() {
    local v="$FLUX_IMAGE_REFLECTOR_CONTROLLER_VERSION" mod=github.com/fluxcd/image-reflector-controller
    cached "image-reflector-controller-$v" && { log "image-reflector-controller $v: cached"; return; }
    log "image-reflector-controller $v: building $mod"
    wrapped_commands "$mod" "$v" "" "image-reflector-controller-$v=$mod"
}

# The setters helper (scripts/cluster/release/setters): a small main around kyaml, built as its own module. Keyed by
# the kyaml version and a hash of the main and kube-openapi version, so an edit rebuilds it; the unhashed name is a
# link to the newest build (as build-flux.sh does for the git server).
build_setters() {
    local v="$SETTERS_KYAML_VERSION" openapi="k8s.io/kube-openapi@$SETTERS_KUBE_OPENAPI_VERSION"
    local src="$here/release/setters" out start=$SECONDS dir="$CLUSTER_CACHE/src/flux-setters-$v"
    out="$CLUSTER_BIN/flux-setters-$v-$({ cat "$src/main.go"; echo "$openapi"; } | sha256sum | cut -c1-12)"
    [ -x "$out" ] && { ln -sf "$(basename "$out")" "$CLUSTER_BIN/flux-setters-$v"; log "setters $v: cached"; return; }
    log "setters: building with sigs.k8s.io/kustomize/kyaml@$v"
    rm -rf "$dir" && mkdir -p "$dir"
    cp "$src/main.go" "$dir/main.go"
    (
        cd "$dir"
        go mod init gitops-stack.local/build/flux-setters >/dev/null 2>&1
        go get "sigs.k8s.io/kustomize/kyaml@$v" "$openapi"
        go mod tidy
        go build -trimpath -ldflags="-s -w" -o "$out.tmp" .
        mv "$out.tmp" "$out"
    )
    ln -sf "$(basename "$out")" "$CLUSTER_BIN/flux-setters-$v"
    rm -rf "$dir"
    log "setters $v: built in $((SECONDS - start)) s"
}

build_argo_rollouts() {
    local v="$ARGO_ROLLOUTS_VERSION" mod=github.com/argoproj/argo-rollouts
    cached "rollouts-controller-$v" "kubectl-argo-rollouts-$v" && { log "argo-rollouts $v: cached"; return; }
    log "argo-rollouts $v: building $mod/cmd/rollouts-controller and cmd/kubectl-argo-rollouts"
    # The version stamp of upstream's Makefile, so the controller logs and `kubectl argo rollouts version` say it.
    wrapped_commands "$mod" "$v" "-X $mod/utils/version.version=${v#v}" \
        "rollouts-controller-$v=$mod/cmd/rollouts-controller" "kubectl-argo-rollouts-$v=$mod/cmd/kubectl-argo-rollouts"
}

build_sealed_secrets() {
    local v="$SEALED_SECRETS_VERSION" mod=github.com/bitnami-labs/sealed-secrets
    cached "sealed-secrets-controller-$v" "kubeseal-$v" && { log "sealed-secrets $v: cached"; return; }
    log "sealed-secrets $v: building $mod/cmd/controller and cmd/kubeseal"
    install_commands "$mod" "$v" "-X main.VERSION=${v#v}" \
        "sealed-secrets-controller-$v=$mod/cmd/controller" "kubeseal-$v=$mod/cmd/kubeseal"
}

build_image_updater() {
    local v="$IMAGE_UPDATER_VERSION" mod=github.com/argoproj-labs/argocd-image-updater
    cached "argocd-image-updater-$v" && { log "argocd-image-updater $v: cached"; return; }
    log "argocd-image-updater $v: building $mod/cmd"
    wrapped_commands "$mod" "$v" "-X $mod/pkg/version.version=${v#v}" "argocd-image-updater-$v=$mod/cmd"
}

components=("$@")
[ ${#components[@]} -eq 0 ] &&
    components=(registry crane image-reflector-controller setters argo-rollouts sealed-secrets image-updater)
for c in "${components[@]}"; do
    case "$c" in
    registry) build_registry ;;
    crane) build_crane ;;
    image-reflector-controller) build_image_reflector ;;
    setters) build_setters ;;
    argo-rollouts) build_argo_rollouts ;;
    sealed-secrets) build_sealed_secrets ;;
    image-updater) build_image_updater ;;
    *) log "unknown component $c" && exit 2 ;;
    esac
done
