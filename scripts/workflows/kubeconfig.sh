#!/usr/bin/env bash
# Writes the kubeconfig a preview or deploy job hands to Pulumi, for one stack, from one of two sources:
#   EKS (keyless, the default): EKS_CLUSTER names the cluster; the AWS credentials are the short-lived ones of the
#     role the job assumed through GitHub's OIDC token (aws-actions/configure-aws-credentials). `aws eks
#     update-kubeconfig` writes a context that runs `aws eks get-token` on every use, so the file holds no secret.
#   KUBECONFIG_DATA (the fallback for self-managed clusters): a kubeconfig kept as an environment secret. Only the
#     deploy jobs pass it, never a job that runs pull-request code.
# Either way the context is named after the stack's `kubernetes:context` (Pulumi.<stack>.yaml), which the program
# requires: the provider then uses exactly this context.
#   scripts/workflows/kubeconfig.sh <stack> <output file>
# Exit status: 0 written; 1 no source, both sources, or no kubernetes:context; 2 bad arguments.
set -euo pipefail
if [ "$#" -ne 2 ] || [ -z "$1" ] || [ -z "$2" ]; then
    echo "usage: scripts/workflows/kubeconfig.sh <stack> <output file>" >&2
    exit 2
fi
stack="$1"
out="$2"
root="$(cd "$(dirname "$0")/../.." && pwd)"
stack_file="$root/Pulumi.$stack.yaml"
if [ ! -f "$stack_file" ]; then
    echo "kubeconfig: stack \"$stack\" has no stack file Pulumi.$stack.yaml" >&2
    exit 1
fi

# The context the stack deploys to. Read with the yaml package the program itself uses (npm ci has installed it).
context="$(cd "$root" && node -e '
    const config = require("yaml").parse(require("fs").readFileSync(process.argv[1], "utf8"))?.config;
    const value = config?.["kubernetes:context"];
    if (typeof value === "string") process.stdout.write(value);
' "$stack_file")"
if [ -z "$context" ]; then
    echo "kubeconfig: Pulumi.$stack.yaml sets no kubernetes:context; set it to the name this job gives the cluster's" \
        "context (pulumi config set kubernetes:context <name> --stack $stack) and commit the stack file" >&2
    exit 1
fi

if [ -n "${EKS_CLUSTER:-}" ] && [ -n "${KUBECONFIG_DATA:-}" ]; then
    echo "kubeconfig: stack \"$stack\" has both EKS_CLUSTER ($EKS_CLUSTER) and a KUBECONFIG secret; keep one" >&2
    exit 1
fi
umask 077
mkdir -p "$(dirname "$out")"
if [ -n "${EKS_CLUSTER:-}" ]; then
    if [ -z "${AWS_REGION:-}" ]; then
        echo "kubeconfig: EKS_CLUSTER is set but AWS_REGION is not (set the variable AWS_REGION)" >&2
        exit 1
    fi
    aws eks update-kubeconfig --name "$EKS_CLUSTER" --region "$AWS_REGION" --alias "$context" --kubeconfig "$out" >&2
    echo "kubeconfig: stack \"$stack\": context \"$context\" for EKS cluster $EKS_CLUSTER ($AWS_REGION), keyless"
elif [ -n "${KUBECONFIG_DATA:-}" ]; then
    printf '%s\n' "$KUBECONFIG_DATA" >"$out"
    echo "kubeconfig: stack \"$stack\": the environment's KUBECONFIG secret (context \"$context\" must be in it)"
else
    echo "kubeconfig: no cluster credential for stack \"$stack\": set the variables AWS_ROLE_ARN, AWS_REGION and" \
        "EKS_CLUSTER on its GitHub environment (keyless, EKS), or, for a self-managed cluster and in deploy jobs" \
        "only, the environment secret KUBECONFIG" >&2
    exit 1
fi
