#!/usr/bin/env bash
# Builds the real Kubernetes parts the cluster tests run, from the Go module proxy, into a cache keyed by version:
#   $GITOPS_STACK_CACHE/bin/<tool>-<version> (default cache: ~/.cache/gitops-stack), and the CRDs the cluster tests
#   install into $GITOPS_STACK_CACHE/crds/<module>-<version>/.
# Nothing is downloaded from websites: Go modules come from the module proxy, etcd from Debian's etcd-server.
# A warm cache builds nothing. Usage: scripts/cluster/build.sh [component...]  (default: all)
#   components: etcd kubernetes kwok controller-gen crds
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.sh
. "$here/versions.sh"

mkdir -p "$CLUSTER_BIN" "$CLUSTER_CACHE/src"
export GOFLAGS="-mod=mod -buildvcs=false"
export CGO_ENABLED=0

# Each line carries the seconds since the script started, so a log shows what a cold build costs.
log() { echo "cluster-build [${SECONDS}s]: $*" >&2; }

# A throwaway module that requires the upstream main module, so its commands build as dependencies.
# $1 dir, $2 module@version, then extra `go mod edit` arguments (replace lines).
wrapper_module() {
    local dir="$1" modver="$2"
    shift 2
    rm -rf "$dir" && mkdir -p "$dir"
    (
        cd "$dir"
        go mod init "gitops-stack.local/build/$(basename "$dir")" >/dev/null 2>&1
        go mod edit -require "$modver" "$@"
    )
}

# Turns the upstream go.mod's `X => ./staging/src/X` lines into `X => X <staging version>` replaces.
staging_replaces() {
    local gomod="$1" staging_version="$2"
    sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/src/k8s\.io/[a-z0-9-]*$#\1#p' "$gomod" |
        while read -r m; do printf -- '-replace=%s=%s@%s\n' "$m" "$m" "$staging_version"; done
}

# The version stamps Kubernetes' own build links in (hack/lib/version.sh, kube::version::ldflags), into both packages
# it stamps: without them /version reports v0.0.0-master+$Format:%H$, which kubectl cannot parse and Helm refuses for
# any chart with a kubeVersion constraint (issue 25 §7). gitCommit and gitTreeState are left out as Kubernetes leaves
# them out without a commit (a module zip has none); buildDate is the version's commit time from the proxy's .info,
# so a rebuild links the same stamps.
kubernetes_ldflags() {
    local v="$1" info date major minor flags=(-s -w) pkg
    info="$(go mod download -json "k8s.io/kubernetes@$v" | sed -n 's/.*"Info": "\(.*\)".*/\1/p')"
    date="$(sed -n 's/.*"Time": *"\([^"]*\)".*/\1/p' "$info")"
    [[ "$v" =~ ^v([0-9]+)\.([0-9]+)\. ]] || { log "kubernetes $v: not a vMAJOR.MINOR.PATCH version"; return 1; }
    major="${BASH_REMATCH[1]}" minor="${BASH_REMATCH[2]}"
    for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
        flags+=(-X "$pkg.gitVersion=$v" -X "$pkg.gitMajor=$major" -X "$pkg.gitMinor=$minor")
        [ -n "$date" ] && flags+=(-X "$pkg.buildDate=$date")
    done
    echo "${flags[*]}"
}

# Whether a cached binary is stamped with its version (`<binary> --version` prints "Kubernetes <version>"). One
# linked before the stamps reports v0.0.0-master and is linked again (with a warm Go build cache only the link runs).
kubernetes_stamped() { [ "$("$1" --version 2>/dev/null)" = "Kubernetes $2" ]; }

build_kubernetes() {
    local v="$KUBERNETES_VERSION" want=(kube-apiserver kube-controller-manager kube-scheduler) missing=0 b
    for b in "${want[@]}"; do
        if [ ! -x "$CLUSTER_BIN/$b-$v" ]; then
            missing=1
        elif ! kubernetes_stamped "$CLUSTER_BIN/$b-$v" "$v"; then
            log "kubernetes $v: $b reports $("$CLUSTER_BIN/$b-$v" --version 2>&1 | head -1), not Kubernetes $v: linking it again"
            missing=1
        fi
    done
    [ "$missing" = 0 ] && { log "kubernetes $v: cached"; return; }
    log "kubernetes $v: building ${want[*]} (cold: about 25 min on 2 cores; with a warm Go build cache only the link)"
    local ldflags
    ldflags="$(kubernetes_ldflags "$v")"
    local gomod dir="$CLUSTER_CACHE/src/kubernetes-$v"
    gomod="$(go mod download -json "k8s.io/kubernetes@$v" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
    local staging="v0.${v#v1.}"
    mapfile -t reps < <(staging_replaces "$gomod" "$staging")
    wrapper_module "$dir" "k8s.io/kubernetes@$v" "${reps[@]}"
    (
        cd "$dir"
        for b in "${want[@]}"; do go get "k8s.io/kubernetes/cmd/$b@$v"; done
        for b in "${want[@]}"; do
            [ -x "$CLUSTER_BIN/$b-$v" ] && kubernetes_stamped "$CLUSTER_BIN/$b-$v" "$v" && continue
            go build -trimpath -ldflags="$ldflags" -o "$CLUSTER_BIN/$b-$v.tmp" "k8s.io/kubernetes/cmd/$b"
            kubernetes_stamped "$CLUSTER_BIN/$b-$v.tmp" "$v" || {
                log "kubernetes $v: $b built but reports $("$CLUSTER_BIN/$b-$v.tmp" --version 2>&1 | head -1)"
                return 1
            }
            mv "$CLUSTER_BIN/$b-$v.tmp" "$CLUSTER_BIN/$b-$v"
            log "kubernetes $v: $b built ($("$CLUSTER_BIN/$b-$v" --version))"
        done
    )
}

# go install-able tools: $1 name, $2 package path, $3 version.
build_tool() {
    local name="$1" pkg="$2" v="$3"
    [ -x "$CLUSTER_BIN/$name-$v" ] && { log "$name $v: cached"; return; }
    log "$name $v: building $pkg"
    local gobin="$CLUSTER_CACHE/src/gobin-$name-$v"
    rm -rf "$gobin"
    GOBIN="$gobin" go install -trimpath -ldflags="-s -w" "$pkg@$v"
    mv "$gobin/$(basename "$pkg")" "$CLUSTER_BIN/$name-$v"
    rm -rf "$gobin"
    log "$name $v: built"
}

# kwok makes no node or pod change without Stage objects; kwokctl embeds the module's default "fast" stages (node
# initialise, heartbeat with lease; pod ready, complete, delete). The same files, taken from the module the binary
# was built from, become the --config of the kwok that start.sh runs.
kwok_stages() {
    local v="$KWOK_VERSION" out="$CLUSTER_CACHE/kwok-$KWOK_VERSION/stages.yaml" dir f
    [ -s "$out" ] && { log "kwok $v stages: cached"; return; }
    dir="$(cd "$CLUSTER_CACHE/src" && go mod download -json "sigs.k8s.io/kwok@$v" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
    mkdir -p "$(dirname "$out")"
    for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
        pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
        [ -s "$dir/kustomize/stage/$f" ] || { log "kwok $v: no stage $f in $dir"; return 1; }
        printf -- '---\n'
        cat "$dir/kustomize/stage/$f"
    done >"$out.tmp"
    mv "$out.tmp" "$out"
    log "kwok $v stages: $out"
}

build_etcd() {
    if command -v etcd >/dev/null 2>&1; then log "etcd: $(command -v etcd)"; return; fi
    log "etcd: installing Debian's etcd-server"
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >/dev/null
        # The package starts a system etcd on 2379; the tests run their own on other ports.
        (systemctl stop etcd 2>/dev/null || service etcd stop 2>/dev/null || pkill -x etcd) >/dev/null 2>&1 || true
    else
        log "etcd: not installed and not root; install Debian's etcd-server"
        return 1
    fi
}

crd_dir() { # module@version -> its cache directory
    local mod="${1%@*}" v="${1##*@}"
    echo "$CLUSTER_CACHE/crds/${mod//\//_}-$v"
}
module_dir() { # module@version -> its (read-only) directory in the module cache, downloaded from the proxy
    (cd "$CLUSTER_CACHE/src" && go mod download -json "$1") | sed -n 's/.*"Dir": "\(.*\)".*/\1/p'
}

# Flux's CRDs exactly as Flux's own Makefiles make them: controller-gen crd:crdVersions=v1 over the API module.
flux_crds() {
    local modver out src
    for modver in $CRD_FLUX_MODULES; do
        out="$(crd_dir "$modver")"
        if compgen -G "$out/*.yaml" >/dev/null; then log "CRDs of $modver: cached"; continue; fi
        log "CRDs of $modver: generating with controller-gen $CONTROLLER_GEN_VERSION"
        src="$CLUSTER_CACHE/src/crdgen-$(basename "$out")"
        rm -rf "$src" "$out.tmp"
        cp -r "$(module_dir "$modver")" "$src"
        chmod -R u+w "$src"
        (cd "$src" && "$CLUSTER_BIN/controller-gen-$CONTROLLER_GEN_VERSION" crd:crdVersions=v1 paths=./... \
            output:crd:artifacts:config="$out.tmp")
        compgen -G "$out.tmp/*.yaml" >/dev/null || { log "controller-gen made no CRD for $modver"; return 1; }
        rm -rf "$src"
        mv "$out.tmp" "$out"
    done
}

# CRDs that a release's Go module carries as files, copied as the chart ships them:
#   module_crds <module@version> <directory in the module> <file glob>
module_crds() {
    local modver="$1" dir="$2" glob="$3" out src
    out="$(crd_dir "$modver")"
    if compgen -G "$out/*.yaml" >/dev/null; then log "CRDs of $modver: cached"; return; fi
    src="$(module_dir "$modver")/$dir"
    # shellcheck disable=SC2086 # the glob is meant to expand
    compgen -G "$src/$glob" >/dev/null || { log "no CRDs ($glob) in $src"; return 1; }
    rm -rf "$out.tmp" && mkdir -p "$out.tmp"
    # shellcheck disable=SC2086
    cp "$src"/$glob "$out.tmp/"
    mv "$out.tmp" "$out"
    log "CRDs of $modver: $out"
}

# Argo CD's CRDs: the argo-cd chart ships manifests/crds/ of the Argo CD release unchanged, and the Go module of
# that release contains them. They are controller-gen's output post-processed by Argo CD's hack/gen-crd-spec
# (creationTimestamp and AppProject status validation removed), so they are taken as is instead of regenerated:
# the API package imports the nested module github.com/argoproj/argo-cd/gitops-engine, which the release resolves
# through `replace => ./gitops-engine`, a directory module zips leave out (and the proxy does not serve the
# pseudo-version go.mod names), so controller-gen cannot load the types from the module alone.
argocd_crds() { module_crds "$CRD_ARGOCD_MODULE" manifests/crds '*-crd.yaml'; }

# Argo CD Image Updater's CRD: generated by its own Makefile (controller-gen) into config/crd/bases, which the
# module contains and the chart copies unchanged.
image_updater_crds() { module_crds "$CRD_IMAGE_UPDATER_MODULE" config/crd/bases '*.yaml'; }

# Argo Rollouts' CRDs: the chart copies the release's manifests/crds, which the module contains.
argo_rollouts_crds() { module_crds "$CRD_ARGO_ROLLOUTS_MODULE" manifests/crds '*-crd.yaml'; }

# External Secrets Operator's CRDs of the external-secrets.io group (config/crds/bases, generated by its Makefile).
external_secrets_crds() { module_crds "$CRD_EXTERNAL_SECRETS_MODULE" config/crds/bases 'external-secrets.io_*.yaml'; }

# Sealed Secrets' CRD: the chart's crds/ file, which the controller's module carries (helm/sealed-secrets).
sealed_secrets_crds() { module_crds "$CRD_SEALED_SECRETS_MODULE" helm/sealed-secrets/crds 'bitnami.com_*.yaml'; }

components=("$@")
[ ${#components[@]} -eq 0 ] && components=(etcd kubernetes kwok controller-gen crds)
for c in "${components[@]}"; do
    case "$c" in
    etcd) build_etcd ;;
    kubernetes) build_kubernetes ;;
    kwok) build_tool kwok sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION" && kwok_stages ;;
    controller-gen) build_tool controller-gen sigs.k8s.io/controller-tools/cmd/controller-gen "$CONTROLLER_GEN_VERSION" ;;
    crds)
        build_tool controller-gen sigs.k8s.io/controller-tools/cmd/controller-gen "$CONTROLLER_GEN_VERSION"
        flux_crds
        argocd_crds
        image_updater_crds
        argo_rollouts_crds
        external_secrets_crds
        sealed_secrets_crds
        ;;
    sops) build_tool sops github.com/getsops/sops/v3/cmd/sops "$SOPS_VERSION" ;;
    *) log "unknown component $c" && exit 2 ;;
    esac
done
