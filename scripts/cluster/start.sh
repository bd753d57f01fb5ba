#!/usr/bin/env bash
# Starts a local Kubernetes control plane on 127.0.0.1 from the binaries scripts/cluster/build.sh cached:
# etcd, kube-apiserver (own CA, RBAC), kube-controller-manager (every controller), kube-scheduler and kwok
# (one fake node that makes scheduled pods Ready). Nothing listens on anything but loopback.
#
# Usage: scripts/cluster/start.sh [DIR]      (default DIR: a new /tmp/gitops-stack-cluster-XXXXXX)
# Environment: CLUSTER_PORT_BASE (default 26000) — the cluster uses ports BASE..BASE+4 (etcd client, etcd peer,
# apiserver, controller-manager, scheduler), so two clusters with different bases can run at once.
#
# On success it prints DIR and leaves there: kubeconfig (cluster-admin: a client certificate in system:masters),
# pids ("<component> <pid>" per line; scripts/cluster/stop.sh DIR stops exactly those), *.log, pki/, etcd data.
# It returns once the apiserver is ready, the node is Ready, the built-in admin/edit/view ClusterRoles are
# aggregated and the default ServiceAccount exists. On failure it stops what it started and prints the logs' tails.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.sh
. "$here/versions.sh"

dir="${1:-}"
if [ -z "$dir" ]; then
    dir="$(mktemp -d /tmp/gitops-stack-cluster-XXXXXX)"
else
    mkdir -p "$dir"
    [ -e "$dir/pids" ] && { echo "start.sh: $dir/pids exists: a cluster may still run there (stop.sh $dir)" >&2; exit 1; }
fi
dir="$(cd "$dir" && pwd)"
base="${CLUSTER_PORT_BASE:-26000}"
etcd_port=$((base)) etcd_peer_port=$((base + 1)) api_port=$((base + 2)) kcm_port=$((base + 3)) sched_port=$((base + 4))
node_name="${CLUSTER_NODE_NAME:-kwok-node-0}"

log() { echo "cluster-start: $*" >&2; }

bin() {
    local path="$CLUSTER_BIN/$1-$2"
    [ -x "$path" ] || { log "$path missing: run scripts/cluster/build.sh first"; exit 1; }
    echo "$path"
}
apiserver="$(bin kube-apiserver "$KUBERNETES_VERSION")"
kcm="$(bin kube-controller-manager "$KUBERNETES_VERSION")"
scheduler="$(bin kube-scheduler "$KUBERNETES_VERSION")"
kwok="$(bin kwok "$KWOK_VERSION")"
kwok_stages="$CLUSTER_CACHE/kwok-$KWOK_VERSION/stages.yaml"
[ -s "$kwok_stages" ] || { log "$kwok_stages missing: run scripts/cluster/build.sh kwok"; exit 1; }
etcd="$(command -v etcd)" || { log "etcd not found: run scripts/cluster/build.sh etcd (Debian's etcd-server)"; exit 1; }
command -v kubectl >/dev/null || { log "kubectl not found"; exit 1; }

for p in "$etcd_port" "$etcd_peer_port" "$api_port" "$kcm_port" "$sched_port"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
        log "127.0.0.1:$p is in use (ports $base..$((base + 4)) are needed): set CLUSTER_PORT_BASE to a free range"
        exit 1
    fi
done

started=()
cleanup_on_error() {
    local rc=$?
    [ "$rc" = 0 ] && return
    log "failed (exit $rc); stopping what was started"
    for f in "$dir"/*.log; do [ -f "$f" ] && { echo "--- tail of $f" >&2; tail -n 15 "$f" >&2; }; done
    "$here/stop.sh" --keep "$dir" >&2 || true
}
trap cleanup_on_error EXIT

# Runs a component in its own session (so the caller's terminal or test runner signals do not reach it; stop.sh
# does) and records its PID. Non-interactive bash does not make background jobs group leaders, so setsid execs
# in place and $! is the component itself.
run() {
    local name="$1"
    shift
    setsid "$@" >"$dir/$name.log" 2>&1 </dev/null &
    echo "$name $!" >>"$dir/pids"
    started+=("$name")
}

# --- PKI: a CA, the apiserver's serving certificate for 127.0.0.1, an admin client certificate, SA keys.
pki="$dir/pki"
mkdir -p "$pki"
(
    cd "$pki"
    ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
    ec ca.key
    openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=gitops-stack-test-ca" -out ca.crt 2>/dev/null
    sign() { # name subject extensions
        ec "$1.key"
        openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
        printf '%s\n' "$3" >"$1.ext"
        openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 3650 \
            -extfile "$1.ext" -out "$1.crt" 2>/dev/null
    }
    sign apiserver "/CN=kube-apiserver" "$(printf '%s\n' \
        'basicConstraints=CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' \
        'extendedKeyUsage=serverAuth' \
        'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc')"
    sign admin "/O=system:masters/CN=gitops-stack-admin" "$(printf '%s\n' \
        'basicConstraints=CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' 'extendedKeyUsage=clientAuth')"
    ec sa.key
    openssl pkey -in sa.key -pubout -out sa.pub 2>/dev/null
)

b64() { base64 -w0 <"$1"; }
kubeconfig="$dir/kubeconfig"
cat >"$kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: gitops-stack-test
    cluster:
      server: https://127.0.0.1:$api_port
      certificate-authority-data: $(b64 "$pki/ca.crt")
users:
  - name: gitops-stack-admin
    user:
      client-certificate-data: $(b64 "$pki/admin.crt")
      client-key-data: $(b64 "$pki/admin.key")
contexts:
  - name: gitops-stack-test
    context: { cluster: gitops-stack-test, user: gitops-stack-admin }
current-context: gitops-stack-test
EOF
chmod 600 "$kubeconfig"
k() { kubectl --kubeconfig "$kubeconfig" "$@"; }

t0=$EPOCHREALTIME
: >"$dir/pids"

run etcd "$etcd" --name default --data-dir "$dir/etcd" --logger zap \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "default=http://127.0.0.1:$etcd_peer_port"

# The apiserver retries etcd until it answers, so both start at once.
run kube-apiserver "$apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --endpoint-reconciler-type none \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" \
    --authorization-mode Node,RBAC \
    --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 \
    --cert-dir "$pki" \
    --profiling=false

elapsed() { awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
wait_for() { # seconds description command...
    local deadline=$((SECONDS + $1)) what="$2"
    shift 2
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || { log "timed out waiting for $what"; return 1; }
        for name in "${started[@]}"; do
            pid="$(awk -v n="$name" '$1 == n { print $2 }' "$dir/pids")"
            kill -0 "$pid" 2>/dev/null || { log "$name (pid $pid) exited while waiting for $what"; return 1; }
        done
        sleep 0.2
    done
}
readyz() {
    curl -fsS --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
        "https://127.0.0.1:$api_port/readyz" | grep -qx ok
}
wait_for 120 "the apiserver's /readyz" readyz
log "apiserver ready after $(elapsed) s"

# --node-monitor-grace-period: kwok renews the fake node's lease every 10 s, but on this control plane many renewals
# fail ("the object has been modified": kwok's watch of Nodes keeps ending, RequestWatchProgress being off with
# Debian's etcd). A run of them marked the node NotReady for a while (the default grace is 50 s), its pods unready and
# tainted for eviction, and a test waiting for available replicas failed. A node that stops for good is not a case the
# tests make; 5 min keeps the one node Ready through such a run.
run kube-controller-manager "$kcm" \
    --kubeconfig "$kubeconfig" --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig" \
    --authentication-skip-lookup --bind-address 127.0.0.1 --secure-port "$kcm_port" \
    --controllers '*' --leader-elect=false \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
    --use-service-account-credentials=false \
    --node-monitor-grace-period 5m
run kube-scheduler "$scheduler" \
    --kubeconfig "$kubeconfig" --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig" \
    --authentication-skip-lookup --bind-address 127.0.0.1 --secure-port "$sched_port" --leader-elect=false
# kwok manages only the nodes annotated for it; pod IPs come from a range nothing routes to (never contacted).
# Its client-go (older than the apiserver's) first asks for watch-list streams, which need etcd progress
# notifications that Debian's etcd 3.4 lacks: it logs "RequestWatchProgress is disabled" and falls back to list+watch.
run kwok "$kwok" --kubeconfig "$kubeconfig" --config "$kwok_stages" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --cidr 10.244.0.0/16 --node-ip 127.0.0.1 --node-lease-duration-seconds 40

k apply --server-side --field-manager gitops-stack-cluster -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $node_name
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: $node_name
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
status:
  allocatable: { cpu: "32", memory: 256Gi, pods: "110" }
  capacity: { cpu: "32", memory: 256Gi, pods: "110" }
EOF

node_ready() { k get node "$node_name" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' | grep -qx True; }
admin_aggregated() { [ "$(k get clusterrole admin -o jsonpath='{.rules[*].verbs}')" != "" ]; }
wait_for 120 "node $node_name Ready (kwok)" node_ready
wait_for 120 "the admin ClusterRole to be aggregated (controller-manager)" admin_aggregated
wait_for 60 "the default ServiceAccount (controller-manager)" k -n default get serviceaccount default
log "ready after $(elapsed) s: KUBECONFIG=$kubeconfig"
trap - EXIT
echo "$dir"
