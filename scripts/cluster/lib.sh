# Shared by the build scripts: the upstream go.mod's replace directives whose target is a module (not a local
# path), as `go mod edit` flags. Handles both `replace a => b v` lines and `replace ( ... )` blocks.
# shellcheck shell=bash
module_replaces() {
    awk '
        /^replace[[:space:]]*\(/ { block = 1; next }
        block && /^\)/ { block = 0; next }
        /^replace[[:space:]]/ { sub(/^replace[[:space:]]+/, ""); print; next }
        block { print }
    ' "$1" | sed 's#//.*##' | while read -r line; do
        [ -z "$line" ] && continue
        local old="${line%%=>*}" new="${line#*=>}"
        read -r -a o <<<"$old"
        read -r -a n <<<"$new"
        case "${n[0]}" in ./* | ../* | /*) continue ;; esac
        local from="${o[0]}"
        [ ${#o[@]} -gt 1 ] && from="${o[0]}@${o[1]}"
        printf -- '-replace=%s=%s@%s\n' "$from" "${n[0]}" "${n[1]}"
    done
}

# The go.mod file of module@version, from the module proxy (empty when it is not served).
module_gomod() { go mod download -json "$1" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p'; }

# The upstream go.mod's replace directives that point a required module at a directory of its own repository
# (`X => ./api`), which only resolve inside that repository: as `go mod edit` flags replacing X with the published
# module X at the version the go.mod requires (the proxy serves such nested modules under their own path, or not).
module_local_replaces() {
    local gomod="$1"
    awk '
        /^replace[[:space:]]*\(/ { block = 1; next }
        block && /^\)/ { block = 0; next }
        /^replace[[:space:]]/ { sub(/^replace[[:space:]]+/, ""); print; next }
        block { print }
    ' "$gomod" | sed 's#//.*##' | while read -r line; do
        [ -z "$line" ] && continue
        local old="${line%%=>*}" new="${line#*=>}" version
        read -r -a o <<<"$old"
        read -r -a n <<<"$new"
        case "${n[0]}" in ./* | ../*) ;; *) continue ;; esac
        version="$(awk -v m="${o[0]}" '$1 == "require" && $2 == m { print $3; exit } $1 == m && $2 ~ /^v/ { print $2; exit }' "$gomod")"
        [ -n "$version" ] || continue
        printf -- '-replace=%s=%s@%s\n' "${o[0]}" "${o[0]}" "$version"
    done
}
