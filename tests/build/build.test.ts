import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENTRY_POINTS, buildPackage } from "../../src/build/build";
import { BUILD_MANIFEST, staleInputs, type BuildManifest } from "../../src/build/freshness";
import { ROOT } from "../support/stacks";

let out: string;
let manifest: BuildManifest;
beforeAll(async () => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-stack-build-"));
    manifest = await buildPackage(ROOT, out);
}, 120_000);
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

describe("npm run build (src/build/build.ts)", () => {
    it("compiles the program and the package entry, with the list of their sources", () => {
        expect(fs.existsSync(path.join(out, "program.js"))).toBe(true);
        expect(fs.existsSync(path.join(out, "plugin.js"))).toBe(true);
        expect(manifest.inputs).toEqual(expect.arrayContaining(["index.ts", "src/component/plugin.ts", "schema.json"]));
        expect(manifest.inputs.some((f) => f.includes("node_modules"))).toBe(false);
        expect(path.resolve(out, manifest.root)).toBe(ROOT);
        expect(JSON.parse(fs.readFileSync(path.join(out, BUILD_MANIFEST), "utf8"))).toEqual(manifest);
    });

    it("is what Pulumi runs: Pulumi.yaml main for the program, package.json main for the package; npm ci builds it", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
            main: string;
            scripts: Record<string, string>;
        };
        expect(pkg.main).toBe("bin/plugin.js");
        expect(ENTRY_POINTS.plugin).toBe("src/component/plugin.ts");
        expect(pkg.scripts.prepare).toBe("npm run build");
        expect(pkg.scripts.build).toBe("tsx scripts/build.ts");
        expect(fs.readFileSync(path.join(ROOT, "PulumiPlugin.yaml"), "utf8")).toMatch(/^runtime: nodejs$/m);
    });

    it("leaves the npm packages to node_modules and TypeScript out of the program", () => {
        const program = fs.readFileSync(path.join(out, "program.js"), "utf8");
        expect(program).toMatch(/require\("@pulumi\/pulumi"\)/);
        expect(program).not.toMatch(/require\("typescript"\)|ts-node/);
        expect(program).not.toContain("sourceMappingURL");
    });
});

describe("a compiled program older than its sources (src/build/freshness.ts)", () => {
    it("is fresh right after the build", () => {
        expect(staleInputs(out)).toEqual([]);
    });

    it("names the sources changed since the build", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-stack-fresh-"));
        try {
            fs.mkdirSync(path.join(dir, "bin"));
            fs.writeFileSync(path.join(dir, "a.ts"), "");
            fs.writeFileSync(path.join(dir, "b.ts"), "");
            const builtAt = Date.now() + 60_000;
            const write = (inputs: string[], at: number) =>
                fs.writeFileSync(
                    path.join(dir, "bin", BUILD_MANIFEST),
                    JSON.stringify({ builtAt: at, root: "..", inputs } satisfies BuildManifest),
                );
            write(["a.ts", "b.ts"], builtAt);
            expect(staleInputs(path.join(dir, "bin"))).toEqual([]);
            fs.utimesSync(path.join(dir, "b.ts"), new Date(builtAt + 1000), new Date(builtAt + 1000));
            expect(staleInputs(path.join(dir, "bin"))).toEqual(["b.ts"]);
            write(["a.ts", "gone.ts"], builtAt);
            expect(staleInputs(path.join(dir, "bin"))).toEqual(["gone.ts"]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("refuses to run, saying which source changed and what to run", () => {
        const stale = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-stack-stale-"));
        try {
            for (const file of fs.readdirSync(out)) fs.copyFileSync(path.join(out, file), path.join(stale, file));
            const old: BuildManifest = { ...manifest, builtAt: 0, root: path.relative(stale, ROOT) };
            fs.writeFileSync(path.join(stale, BUILD_MANIFEST), JSON.stringify(old));
            const result = spawnSync(process.execPath, [path.join(stale, "program.js")], {
                cwd: ROOT,
                encoding: "utf8",
                env: { ...process.env, NODE_PATH: path.join(ROOT, "node_modules") },
            });
            expect(result.status).not.toBe(0);
            expect(result.stderr).toContain("is older than its sources (changed since the build: index.ts, ");
            expect(result.stderr).toContain("run npm run build (npm ci runs it too), then run Pulumi again.");
        } finally {
            fs.rmSync(stale, { recursive: true, force: true });
        }
    });
});
