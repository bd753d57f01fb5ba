#!/usr/bin/env bash
# Lints the GitHub Actions workflows with actionlint, built from its Go module (the module proxy, not a website) into
# a cache keyed by version: $GITOPS_STACK_CACHE/bin/actionlint-<version> (default cache: ~/.cache/gitops-stack).
# A warm cache builds nothing.
#   scripts/tools/actionlint.sh            build if needed, then lint .github/workflows
#   scripts/tools/actionlint.sh --install  build if needed, print the binary's path, lint nothing
#   scripts/tools/actionlint.sh FILE...    lint these files
# Exit status: actionlint's (0 clean, 1 problems found, >1 failure); 3 when Go is missing and nothing is cached.
set -euo pipefail
ACTIONLINT_VERSION="${ACTIONLINT_VERSION:-v1.7.12}"
cache="${GITOPS_STACK_CACHE:-${HOME:-/tmp}/.cache/gitops-stack}"
bin="$cache/bin/actionlint-$ACTIONLINT_VERSION"
root="$(cd "$(dirname "$0")/../.." && pwd)"

if [ ! -x "$bin" ]; then
    if ! command -v go >/dev/null 2>&1; then
        echo "actionlint: $bin is missing and no Go toolchain is on PATH to build it" >&2
        exit 3
    fi
    echo "actionlint: building github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION into $bin" >&2
    mkdir -p "$cache/bin"
    gobin="$(mktemp -d)"
    trap 'rm -rf "$gobin"' EXIT
    # go install in module mode builds exactly the tagged release with its own go.sum (checked against sum.golang.org).
    GOBIN="$gobin" CGO_ENABLED=0 GOFLAGS="-buildvcs=false" \
        go install -trimpath -ldflags="-s -w" "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
    mv "$gobin/actionlint" "$bin.tmp" && mv "$bin.tmp" "$bin"
fi

if [ "${1:-}" = "--install" ]; then
    echo "$bin"
    exit 0
fi
cd "$root"
if [ "$#" -gt 0 ]; then
    exec "$bin" -no-color -shellcheck= -pyflakes= "$@"
fi
exec "$bin" -no-color -shellcheck= -pyflakes=
