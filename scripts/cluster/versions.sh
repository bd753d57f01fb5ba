# Versions of the real Kubernetes parts the cluster tests build (the cache is keyed by them).
# shellcheck shell=bash
export CLUSTER_CACHE="${GITOPS_STACK_CACHE:-${HOME:-/tmp}/.cache/gitops-stack}"
export CLUSTER_BIN="$CLUSTER_CACHE/bin"
export KUBERNETES_VERSION="${KUBERNETES_VERSION:-v1.37.2}"
export KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
export CONTROLLER_GEN_VERSION="${CONTROLLER_GEN_VERSION:-v0.23.0}"
# Flux controllers for the reconcile test (scripts/cluster/build-flux.sh). The pinned flux2 chart 2.18.3 ships Flux
# 2.8.5: source-controller v1.8.2, kustomize-controller v1.8.3, notification-controller v1.8.3. The module proxy
# reachable here serves none of those three (nor the pkg/artifact v0.8.1 that source-controller v1.8.5 needs), so
# these are the nearest versions it serves in full with checksums in sum.golang.org: source-controller v1.8.0
# (Flux 2.8.0), kustomize-controller v1.9.0 (no v1.8.x is served; v1.7.3 is the other neighbour) and
# notification-controller v1.9.2 (v1.8.4 has no .mod there, v1.9.0/v1.9.1 no checksum), which still stores
# Alert/Provider as v1beta3. Set these to the chart's versions where the proxy serves them.
export FLUX_SOURCE_CONTROLLER_VERSION="${FLUX_SOURCE_CONTROLLER_VERSION:-v1.8.0}"
export FLUX_KUSTOMIZE_CONTROLLER_VERSION="${FLUX_KUSTOMIZE_CONTROLLER_VERSION:-v1.9.0}"
export FLUX_NOTIFICATION_CONTROLLER_VERSION="${FLUX_NOTIFICATION_CONTROLLER_VERSION:-v1.9.2}"
# github.com/fluxcd/gitkit, the SSH git server under Flux's gittestserver (scripts/cluster/flux/gitserver).
export FLUX_GITKIT_VERSION="${FLUX_GITKIT_VERSION:-v0.6.0}"
# CRDs the tests install, as the pinned charts would (cache: $CLUSTER_CACHE/crds/<module path with / as _>-<version>).
# Flux: generated with controller-gen from the controllers' API modules at the versions fluxcd/flux2 v2.8.5 (the
# flux2 chart 2.18.3's app version) requires in its go.mod and installs from manifests/bases/*/kustomization.yaml.
export CRD_FLUX_MODULES="${CRD_FLUX_MODULES:-github.com/fluxcd/source-controller/api@v1.8.2 github.com/fluxcd/kustomize-controller/api@v1.8.3 github.com/fluxcd/notification-controller/api@v1.8.3 github.com/fluxcd/image-reflector-controller/api@v1.1.1 github.com/fluxcd/image-automation-controller/api@v1.1.1 github.com/fluxcd/helm-controller/api@v1.5.3}"
# Argo CD: the argo-cd chart 10.1.1's app version; its CRDs are the module's manifests/crds (see build.sh).
export CRD_ARGOCD_MODULE="${CRD_ARGOCD_MODULE:-github.com/argoproj/argo-cd/v3@v3.4.4}"
# Argo CD Image Updater: the argocd-image-updater chart 1.2.4 ships v1.2.2, which the module proxy does not serve;
# v1.3.0 is the nearest it serves. Its ImageUpdater CRD only adds optional fields (imagesVerification, a plugin
# manifest target) to v1.2.2's, none of which the program sets (tests/argocd/imageUpdater.test.ts checks that), so
# every object valid against it is valid against v1.2.2's. The CRD is the module's config/crd/bases, as the chart
# ships it.
export CRD_IMAGE_UPDATER_MODULE="${CRD_IMAGE_UPDATER_MODULE:-github.com/argoproj-labs/argocd-image-updater@v1.3.0}"
