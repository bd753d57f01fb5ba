// A dev stack's GitOps (Argo CD, two apps) through the gitops-stack component package.
using System.Collections.Generic;
using Pulumi;
using Pulumi.GitopsStack;
using Pulumi.GitopsStack.Inputs;

return await Deployment.RunAsync(() =>
{
    var config = new Config();
    var gitops = new GitOpsStack("gitops", new GitOpsStackArgs
    {
        Environment = "dev",
        RepoUrl = "git@github.com:acme/gitops.git",
        // GitHub's published host key.
        SshKnownHosts = "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
        // The deploy key's private half: pulumi config set --secret sshPrivateKey < deploy-key
        SshPrivateKey = config.RequireSecret("sshPrivateKey"),
        Apps =
        {
            new AppArgs { Name = "platform", Namespace = "platform-dev" },
            new AppArgs { Name = "guestbook", Namespace = "guestbook-dev", DependsOn = { "platform" } },
        },
    });

    return new Dictionary<string, object?>
    {
        ["applications"] = gitops.Applications,
        // Register it as the repository's read-only deploy key.
        ["sshPublicKey"] = gitops.SshPublicKey,
    };
});
