"""A dev stack's GitOps (Argo CD, two apps) through the gitops-stack component package."""

import pulumi
import pulumi_gitops_stack as gitops

config = pulumi.Config()

stack = gitops.GitOpsStack(
    "gitops",
    environment="dev",
    repo_url="git@github.com:acme/gitops.git",
    # GitHub's published host key.
    ssh_known_hosts="github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
    # The deploy key's private half: pulumi config set --secret sshPrivateKey < deploy-key
    ssh_private_key=config.require_secret("sshPrivateKey"),
    apps=[
        gitops.AppArgs(name="platform", namespace="platform-dev"),
        gitops.AppArgs(name="guestbook", namespace="guestbook-dev", depends_on=["platform"]),
    ],
)

pulumi.export("applications", stack.applications)
# Register it as the repository's read-only deploy key.
pulumi.export("sshPublicKey", stack.ssh_public_key)
