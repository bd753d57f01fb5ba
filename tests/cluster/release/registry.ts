import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { binaryPath, clusterVersions, startLogged, waitForHttp, type Started } from "../flux/processes";

const run = promisify(execFile);
const BUILD = "scripts/cluster/build-release.sh";

/**
 * A local OCI registry on 127.0.0.1 (distribution's `registry serve`, scripts/cluster/build-release.sh), storing on
 * disk under the test's temp directory, without authentication: clients on loopback speak plain HTTP to it (as
 * go-containerregistry, which crane, Flux and Argo CD Image Updater use, does for 127.0.0.1 by itself).
 */
export interface Registry {
    /** `127.0.0.1:<port>`: the registry part of an image reference. */
    host: string;
    /**
     * Pushes a tiny single-layer image per tag to `<host>/<repository>:<tag>` with crane; each tag is its own image
     * (its layer holds the tag), so each has its own digest. Returns the digests by tag.
     */
    push(repository: string, tags: readonly string[]): Promise<Record<string, string>>;
    /** The tags the registry lists for `repository` (crane ls). */
    tags(repository: string): Promise<string[]>;
    process: Started;
    stop(): Promise<void>;
}

export async function startRegistry(dir: string, port: number): Promise<Registry> {
    const v = clusterVersions();
    const registryBin = binaryPath("registry", v.DISTRIBUTION_VERSION, BUILD);
    const crane = binaryPath("crane", v.CRANE_VERSION, BUILD);
    fs.mkdirSync(path.join(dir, "storage"), { recursive: true });
    const config = path.join(dir, "config.yml");
    fs.writeFileSync(
        config,
        [
            "version: 0.1",
            "log: { level: info, formatter: text }",
            `storage: { filesystem: { rootdirectory: ${JSON.stringify(path.join(dir, "storage"))} }, delete: { enabled: true } }`,
            `http: { addr: "127.0.0.1:${port}" }`,
            "",
        ].join("\n"),
    );
    // distribution v3 exports OpenTelemetry traces by default; nothing collects them here.
    const server = startLogged(dir, "registry", registryBin, ["serve", config], {
        OTEL_TRACES_EXPORTER: "none",
        OTEL_SDK_DISABLED: "true",
    });
    try {
        await waitForHttp(port, "/v2/", 20_000, () => server.tail());
    } catch (err) {
        await server.stop();
        throw err;
    }
    const host = `127.0.0.1:${port}`;
    const layers = path.join(dir, "layers");
    fs.mkdirSync(layers, { recursive: true });
    return {
        host,
        process: server,
        async push(repository, tags) {
            const digests: Record<string, string> = {};
            for (const tag of tags) {
                const content = path.join(layers, tag);
                fs.mkdirSync(content, { recursive: true });
                fs.writeFileSync(path.join(content, "version"), `${repository}:${tag}\n`);
                const tar = path.join(layers, `${tag}.tar`);
                await run("tar", ["-cf", tar, "-C", content, "version"]);
                // `crane append` without a base image makes a new image of the one layer.
                const ref = `${host}/${repository}:${tag}`;
                await run(crane, ["append", "--new_layer", tar, "--new_tag", ref]);
                digests[tag] = (await run(crane, ["digest", ref])).stdout.trim();
            }
            return digests;
        },
        async tags(repository) {
            const out = (await run(crane, ["ls", `${host}/${repository}`])).stdout;
            return out.split("\n").filter((t) => t !== "");
        },
        stop: () => server.stop(),
    };
}
