import { describe, expect, it, vi } from "vitest";
import { runStack } from "../../support/stacks";
import { expectRefused } from "./expectations";
import { parsed } from "./support";

const repos = (...r: string[]) => `extraSourceRepos=${JSON.stringify(r)}`;
const WIDE = [
    "*",
    "**",
    "https://*",
    "*.git",
    "git@github.com:*",
    "https://github.com/acme/*",
    "https://github.com/acme/team-?.git",
    "https://github.com/acme/[abc].git",
    "https://github.com/acme/{a,b}.git",
    "!https://github.com/acme/secret.git",
];

describe("globs in sourceRepos and destinations", () => {
    it.each(WIDE)("refuses %s in prod", (pattern) => {
        expectRefused(
            "prod",
            { config: [repos(pattern)] },
            "extraSourceRepos",
            pattern,
            /expected one exact repository URL\. Wide patterns are not allowed in prod/,
        );
    });

    it.each(WIDE)("warns about %s outside prod, naming stack, key and value", (pattern) => {
        for (const stack of ["dev", "staging"]) {
            const c = parsed(stack, { config: [repos(pattern)] });
            expect(c.warnings).toHaveLength(1);
            expect(c.warnings[0]).toContain(
                `stack "${stack}": gitops-stack:extraSourceRepos: ${JSON.stringify(pattern)}`,
            );
            expect(c.warnings[0]).toMatch(/Argo CD matches sourceRepos as globs.*prod refuses it/);
        }
    });

    it.each(["https://*", "https://*.acme.example", "https://k8s-?.acme.example"])(
        "destinationServer %s: refused in prod, warned elsewhere",
        (server) => {
            expectRefused(
                "prod",
                { config: [`destinationServer=${server}`] },
                "destinationServer",
                server,
                /Wide patterns are not allowed in prod/,
            );
            expect(parsed("staging", { config: [`destinationServer=${server}`] }).warnings[0]).toContain(
                `gitops-stack:destinationServer: ${JSON.stringify(server)}`,
            );
        },
    );

    it("accepts exact repositories without a warning", () => {
        const c = parsed("prod", {
            config: [repos("https://github.com/acme/platform.git", "git@github.com:acme/other.git")],
        });
        expect(c.argocd.sourceRepos).toContain("git@github.com:acme/other.git");
        expect(c.warnings).toEqual([]);
    });

    it.each([
        ["https://github.com/acme/../secret.git", /"\." or "\.\." segment/],
        ["https://github.com:0/acme/x.git", /port "0"/],
        ["https://-x.example/acme/x.git", /not a DNS name/],
    ])("refuses the literal %s", (repo, why) => {
        expectRefused("dev", { config: [repos(repo)] }, "extraSourceRepos", repo, why);
    });

    it("the program prints every warning through pulumi.log.warn", async () => {
        const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
        try {
            await runStack("dev", { config: [repos("*")] });
            const printed = warn.mock.calls.map((a) => String(a[0]));
            expect(printed).toHaveLength(1);
            expect(printed[0]).toMatch(
                /^warning: \[runtime\] stack "dev": gitops-stack:extraSourceRepos: "\*" matches every repository/,
            );
        } finally {
            warn.mockRestore();
        }
    });

    it("the committed stacks have no warnings", () => {
        for (const stack of ["dev", "staging", "prod"]) expect(parsed(stack).warnings).toEqual([]);
    });
});
