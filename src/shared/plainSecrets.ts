import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";

/**
 * The guardrail of issue 12: no Secret in plain text in a GitOps repository. Used by the policy pack (rule
 * no-plain-secrets-in-git, on a local checkout of the repository) and by the tests of the example repository.
 */
/** A Secret committed in plain text: the file, and which object or generator holds it. */
export interface PlainSecret {
    /** Path of the file relative to the repository root. */
    file: string;
    what: string;
}

/** A SOPS-encrypted document carries its metadata (recipients, MAC) in a top-level `sops` map. */
const isSopsEncrypted = (doc: Record<string, unknown>): boolean => {
    const sops = doc.sops as Record<string, unknown> | undefined;
    return typeof sops === "object" && sops !== null && typeof sops.mac === "string" && sops.mac.startsWith("ENC[");
};

/**
 * The Secrets a Kustomize path of a GitOps repository commits in plain text (the seeds' worst anti-pattern): every
 * `kind: Secret` document without SOPS encryption in the path and in the bases/components it includes (inside the
 * repository), and every `secretGenerator` fed by literals or by files that are not SOPS-encrypted. SealedSecrets and
 * ExternalSecrets are not Secrets, so they pass. Reads files only: no kustomize, no cluster.
 */
export function plainSecretsInPath(repoDir: string, kustomizePath: string): PlainSecret[] {
    const root = path.resolve(repoDir);
    const found: PlainSecret[] = [];
    const seen = new Set<string>();
    const rel = (file: string) => path.relative(root, file);
    const inside = (p: string) => p === root || p.startsWith(root + path.sep);
    const documents = (file: string): Record<string, unknown>[] => {
        try {
            return YAML.parseAllDocuments(fs.readFileSync(file, "utf8"))
                .map((d) => d.toJS() as unknown)
                .filter((d): d is Record<string, unknown> => typeof d === "object" && d !== null);
        } catch {
            return [];
        }
    };
    const checkManifest = (file: string) => {
        for (const doc of documents(file))
            if (doc.kind === "Secret" && !isSopsEncrypted(doc))
                found.push({
                    file: rel(file),
                    what: `Secret ${JSON.stringify((doc.metadata as { name?: string } | undefined)?.name ?? "")}`,
                });
    };
    const visit = (dir: string) => {
        if (seen.has(dir) || !inside(dir) || !fs.existsSync(dir)) return;
        seen.add(dir);
        const kustomizationFile = ["kustomization.yaml", "kustomization.yml", "Kustomization"]
            .map((f) => path.join(dir, f))
            .find((f) => fs.existsSync(f));
        if (!kustomizationFile) {
            // A plain directory of manifests (Flux applies every YAML file of a path without a kustomization).
            for (const f of fs.readdirSync(dir))
                if (/\.ya?ml$/.test(f) && fs.statSync(path.join(dir, f)).isFile()) checkManifest(path.join(dir, f));
            return;
        }
        const k = (documents(kustomizationFile)[0] ?? {}) as Record<string, unknown>;
        const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === "string") : []);
        for (const entry of [...list(k.resources), ...list(k.components), ...list(k.bases)]) {
            if (/^[a-z]+:\/\//i.test(entry) || entry.includes("?ref=")) continue; // remote: not this repository's
            const target = path.resolve(dir, entry);
            if (!inside(target) || !fs.existsSync(target)) continue;
            if (fs.statSync(target).isDirectory()) visit(target);
            else checkManifest(target);
        }
        for (const gen of Array.isArray(k.secretGenerator) ? (k.secretGenerator as Record<string, unknown>[]) : []) {
            const name = JSON.stringify(gen?.name ?? "");
            if (list(gen?.literals).length > 0)
                found.push({ file: rel(kustomizationFile), what: `secretGenerator ${name} with literals` });
            for (const source of [...list(gen?.files), ...list(gen?.envs)]) {
                const file = path.resolve(dir, source.includes("=") ? source.slice(source.indexOf("=") + 1) : source);
                const text = inside(file) && fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
                // SOPS marks an encrypted dotenv with sops_mac=, a YAML/JSON file with its sops map.
                if (!/sops_mac=ENC\[|"?mac"?:\s*"?ENC\[/.test(text))
                    found.push({ file: rel(kustomizationFile), what: `secretGenerator ${name} from ${source}` });
            }
        }
    };
    visit(path.resolve(root, kustomizePath));
    return found;
}
