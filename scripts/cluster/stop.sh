#!/usr/bin/env bash
# Stops a cluster scripts/cluster/start.sh started: exactly the PIDs in DIR/pids, each only while it still runs
# the binary start.sh recorded (a PID reused by another process is left alone), TERM first, KILL after 10 s.
# Then removes DIR, unless --keep is given (the logs stay for a look).
# Usage: scripts/cluster/stop.sh [--keep] DIR
set -euo pipefail
keep=0
[ "${1:-}" = "--keep" ] && { keep=1; shift; }
dir="${1:?usage: stop.sh [--keep] DIR}"
[ -d "$dir" ] && dir="$(cd "$dir" && pwd)"
pids_file="$dir/pids"
[ -f "$pids_file" ] || { echo "stop.sh: no $pids_file: nothing to stop" >&2; exit 0; }

# The recorded process is still ours if its command line mentions DIR (every component start.sh runs does).
ours() {
    local pid="$1" cmdline
    [ -r "/proc/$pid/cmdline" ] || return 1
    cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
    case "$cmdline" in *"$dir"*) return 0 ;; *) return 1 ;; esac
}

alive=()
# Reverse order: kwok and the controllers before the apiserver, etcd last.
while read -r name pid; do
    [ -n "${pid:-}" ] || continue
    if ours "$pid" "$name"; then
        kill -TERM "$pid" 2>/dev/null && alive+=("$pid")
    fi
done < <(tac "$pids_file")

deadline=$((SECONDS + 10))
for pid in "${alive[@]}"; do
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
done
rm -f "$pids_file"
if [ "$keep" = 0 ]; then
    rm -rf "$dir"
fi
