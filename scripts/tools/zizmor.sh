#!/usr/bin/env bash
# Audits the GitHub Actions workflows with zizmor (template injection, excessive permissions, credentials persisted
# or within reach of pull-request code, unpinned actions, ...), installed from its PyPI package, pinned by version and
# by wheel hash (scripts/tools/zizmor.requirements.txt), into a cache keyed by version:
# $GITOPS_STACK_CACHE/zizmor-<version>/bin/zizmor (default cache: ~/.cache/gitops-stack). A warm cache installs
# nothing. The wheel carries zizmor's own binary, so nothing of Python is needed after the install.
#   scripts/tools/zizmor.sh            install if needed, then audit the repository's workflows
#   scripts/tools/zizmor.sh --install  install if needed, print the binary's path, audit nothing
#   scripts/tools/zizmor.sh FILE...    audit these files
# The audit runs offline: zizmor's online audits ask GitHub's API about tags and advisories, which takes a token and
# the network (tests/delivery/workflows.test.ts checks the pinning to full commit SHAs offline). The rules' settings
# are in .github/zizmor.yml; a finding is only ever silenced by a `# zizmor: ignore[<audit>]` comment on its line,
# with the reason beside it.
# Exit status: zizmor's (0 clean, 10-14 findings by their highest severity, 1 failure); 3 when python3 is missing and
# nothing is cached.
set -euo pipefail
ZIZMOR_VERSION=1.32.0
cache="${GITOPS_STACK_CACHE:-${HOME:-/tmp}/.cache/gitops-stack}"
dir="$cache/zizmor-$ZIZMOR_VERSION"
bin="$dir/bin/zizmor"
root="$(cd "$(dirname "$0")/../.." && pwd)"
requirements="$root/scripts/tools/zizmor.requirements.txt"

if ! grep -q "^zizmor==$ZIZMOR_VERSION " "$requirements"; then
    echo "zizmor: $requirements does not pin zizmor==$ZIZMOR_VERSION" >&2
    exit 1
fi
if [ ! -x "$bin" ]; then
    if ! command -v python3 >/dev/null 2>&1; then
        echo "zizmor: $bin is missing and no python3 is on PATH to install it" >&2
        exit 3
    fi
    echo "zizmor: installing zizmor==$ZIZMOR_VERSION from PyPI into $dir" >&2
    mkdir -p "$cache"
    tmp="$(mktemp -d "$cache/.zizmor-$ZIZMOR_VERSION.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    # Wheels only (the source distribution would need a Rust toolchain, and its hash is not pinned), checked against
    # the pinned hashes; installed aside and moved into place whole, so an interrupted install leaves no half binary.
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
        --no-deps --only-binary=:all: --require-hashes --target "$tmp" -r "$requirements"
    "$tmp/bin/zizmor" --version >/dev/null
    rm -rf "$dir"
    mv "$tmp" "$dir"
fi

if [ "${1:-}" = "--install" ]; then
    echo "$bin"
    exit 0
fi
cd "$root"
args=(--quiet --offline --strict-collection --no-progress --color=never --show-audit-urls=never
    --config "$root/.github/zizmor.yml")
if [ "$#" -gt 0 ]; then
    exec "$bin" "${args[@]}" "$@"
fi
exec "$bin" "${args[@]}" .github/workflows
