import { describe, expect, it } from "vitest";
import { refNameProblem } from "../../../src/config/rules/gitRefs";
import { parseKnownHostLine } from "../../../src/config/rules/knownHosts";
import { credentialPrefixProblem, repoUrlProblem } from "../../../src/config/rules/repository";
import { expectRefused } from "./expectations";
import { parsed } from "./support";

// Public keys (ssh-keygen output; they pin nothing).
const ED25519 = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const ECDSA256 =
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBJNQmawi3zzL+fF09RCNRNBKhaS+GcHvqu2TBIucrwvzJ0ri2dzw/UMwRJgLFndoY0zVp1wtDHQLL6P1VbPqqTo=";

describe("git refs (git check-ref-format)", () => {
    it.each([
        ["main..evil", '".."'],
        ["main.lock", '".lock"'],
        ["feature/.hidden", 'starts with "."'],
        ["-main", 'starts with "-"'],
        ["main/", '"/"'],
        ["/main", '"/"'],
        ["main//x", '"//"'],
        ["main~1", '"~"'],
        ["main^", '"^"'],
        ["main:x", '":"'],
        ["main?", '"?"'],
        ["main*", '"*"'],
        ["ma[in", '"["'],
        ["ma\\in", '"\\\\"'],
        ["main@{1}", '"@{"'],
        ["@", '"@"'],
        ["main.", 'ends with "."'],
        ["ma in", '" "'],
        ["ma\tin", '"\\t"'],
    ])("%s is refused (%s)", (ref, why) => {
        expect(refNameProblem(ref)).toContain(why);
    });

    it.each(["main", "release/v1.2", "v1.2.3", "feature/new-ui", "3f786850e387550fdab836ed7e6dc881de23001b", "a.b"])(
        "%s is a valid ref",
        (ref) => expect(refNameProblem(ref)).toBeUndefined(),
    );

    it.each([
        ["dev", "argocd", "main..evil"],
        ["staging", "flux", "main.lock"],
        ["prod", "flux", "tag:v1..2"],
        ["prod", "argocd", "release/.x"],
    ])("%s/%s: targetRevision %s names stack, key, value and form", (stack, operator, ref) => {
        const problem = expectRefused(
            stack,
            { config: [`operator=${operator}`, `targetRevision=${ref}`] },
            "targetRevision",
            ref,
            /expected a (branch|branch name), tag/,
        );
        expect(problem).toMatch(/git refuses it/);
    });
});

describe("repository URLs", () => {
    it.each([
        ["https://github.com/acme/../evil/gitops.git", /"\." or "\.\." segment/],
        ["git@github.com:acme/../evil.git", /"\." or "\.\." segment/],
        ["https://github.com:0/acme/gitops.git", /port "0"/],
        ["ssh://git@github.com:65536/acme/gitops.git", /port "65536"/],
        ["https://-github.com/acme/gitops.git", /not a DNS name/],
        ["git@github..com:acme/gitops.git", /not a DNS name/],
        ["https://./acme/gitops.git", /host "\."/],
        ["https://999.1.1.1/acme/gitops.git", /not a valid IPv4/],
        [`https://github.com/acme/${"a".repeat(3000)}.git`, /more than 2048/],
    ])("%s is refused", (url, why) => {
        expect(repoUrlProblem(url)).toMatch(why);
        const shown = url.length > 80 ? `${url.slice(0, 60)}...` : url;
        const problem = expectRefused(
            "prod",
            { config: [`repoUrl=${url}`] },
            "repoUrl",
            shown,
            /expected git@host:org\/repo\.git/,
        );
        expect(problem).toMatch(why);
    });

    it.each([
        "https://git.acme.example:8443/acme/gitops.git",
        "ssh://git@10.0.0.1:2222/acme/gitops.git",
        "git@github.com:acme/gitops.git",
    ])("%s is accepted", (url) => expect(repoUrlProblem(url)).toBeUndefined());

    it.each([
        ["githubAppEnterpriseBaseUrl", "https://ghe.acme.example:0/api/v3", /port "0"/],
        ["githubAppEnterpriseBaseUrl", "https://ghe.acme.example/api/../v3", /segment/],
        ["argocdUrl", "https://argocd..acme.example", /not a DNS name/],
        ["argocdUrl", "https://argocd.acme.example:99999", /port "99999"/],
        ["destinationServer", "https://kubernetes.default.svc:0", /port "0"/],
        ["destinationServer", "http://kubernetes.default.svc", /uses http:\/\//],
    ])("%s %s is refused", (key, url, why) => {
        expect(expectRefused("prod", { config: [`${key}=${url}`] }, key, url, /expected (an|the) https:\/\//)).toMatch(
            why,
        );
    });
});

describe("known_hosts lines", () => {
    it.each([
        [`github.com ssh-ed25519 ${ED25519}`, "ssh-ed25519"],
        [`github.com,140.82.121.4 ecdsa-sha2-nistp256 ${ECDSA256} comment`, "ecdsa-sha2-nistp256"],
        [`|1|abc=|def= ssh-ed25519 ${ED25519}`, "ssh-ed25519"],
    ])("parses %s", (line, type) => {
        expect(parseKnownHostLine(line)).toMatchObject({ keyType: type });
    });

    it.each([
        ["github.com ssh-ed25519 Zm9vYmFyYmF6", /does not decode|malformed/],
        [`github.com ssh-rsa ${ED25519}`, /ssh-rsa label but its key decodes to a "ssh-ed25519" key/],
        [`github.com ssh-ed25519 ${ED25519.slice(0, -4)}`, /truncated or malformed|does not decode/],
        [`github.com ssh-foo ${ED25519}`, /key type "ssh-foo"/],
        ["github.com ssh-ed25519 AAAA$$$$", /not base64/],
        ["github.com ssh-ed25519", /fewer than three/],
        [`github.com ecdsa-sha2-nistp384 ${ECDSA256}`, /nistp384 label but its key decodes to a "ecdsa-sha2-nistp256"/],
        [`@cert-authority *.github.com ssh-ed25519 ${ED25519}`, /marker/],
    ])("refuses %s", (line, why) => {
        expect(parseKnownHostLine(line)).toMatch(why);
        const problem = expectRefused(
            "dev",
            { config: [`sshKnownHosts=${line}`] },
            "sshKnownHosts",
            null,
            'expected "<host> <key-type> <base64-key>"',
        );
        expect(problem).toContain(JSON.stringify(line.slice(0, 60)));
        expect(problem).toMatch(why);
    });
});

describe("known_hosts names the repository host as OpenSSH does", () => {
    it("bare host for port 22, [host]:port otherwise", () => {
        expect(parsed("dev", { config: ["repoUrl=ssh://git@github.com:22/acme/gitops.git"] }).repo.host).toBe(
            "github.com",
        );
        expectRefused(
            "dev",
            { config: ["repoUrl=ssh://git@github.com:2222/acme/gitops.git"] },
            "sshKnownHosts",
            null,
            'has no entry for the repository host "[github.com]:2222"',
        );
    });
});

describe("repo-creds prefix reaches at least scheme + host + owner", () => {
    it.each([
        "h",
        "https://",
        "https://github.com",
        "https://github.com/",
        "https://github.com/ac",
        "git@",
        "git@github.com:",
        "git@github.com",
    ])("refuses %s", (prefix) => {
        expect(credentialPrefixProblem(prefix, "https://github.com/acme/gitops.git")).toBeDefined();
    });

    it("names stack, key, value and the owner form", () => {
        const problem = expectRefused(
            "prod",
            { config: ["credentialScope=repo-creds", "credentialUrlPrefix=https://github.com/"] },
            "credentialUrlPrefix",
            "https://github.com/",
            /every repository whose URL starts with it; expected at least scheme, host and owner ending in "\/", e\.g\. "https:\/\/github\.com\/acme\/"/,
        );
        expect(problem).toContain("does not name an owner");
    });

    it("checks the default owner prefix too (a repoUrl without an owner)", () => {
        expectRefused(
            "dev",
            { config: ["credentialScope=repo-creds", "repoUrl=git@github.com:gitops.git"] },
            "credentialUrlPrefix",
            "git@github.com:",
            /\(the owner prefix of repoUrl\) does not name an owner/,
        );
    });

    it.each([
        ["prod", "https://github.com/acme/"],
        ["prod", "https://github.com/acme/gitops.git"],
        ["dev", "git@github.com:acme/"],
    ])("accepts %s %s", (stack, prefix) => {
        expect(
            parsed(stack, { config: ["credentialScope=repo-creds", `credentialUrlPrefix=${prefix}`] }).repo
                .credentialUrl,
        ).toBe(prefix);
    });
});
