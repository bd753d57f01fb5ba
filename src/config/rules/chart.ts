import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { privateMaterialIn } from "../guards";
import { DECLARED_KEYS, type DeclaredKeyName } from "../keys";
import { OPERATOR_INSTALLS, type ChartRepository, type OperatorInstall } from "../types";
import { quote, type ConfigInput } from "./context";
import { controlCharacterProblem, hostProblem, parseUrl, portProblem } from "./urls";

export const CHART_FORMS =
    "an https:// chart repository URL, an oci://host/path registry reference, or a local chart directory (absolute, or starting with ./ or ../) that holds Chart.yaml";

/** A URL without its trailing slashes (those of "https://" itself stay). */
const trimSlashes = (url: string): string => url.replace(/(?<!:\/?)\/+$/, "");

/**
 * Reads a chart repository key: an https chart repository, an OCI registry reference, or a local chart directory.
 * Returns the repository, or the reason it is not one. A local directory is resolved against `cwd` (the project
 * directory, where Pulumi runs the program) and must hold Chart.yaml: Helm would otherwise fail only at `up`.
 */
export function parseChartRepository(value: string, cwd = process.cwd(), caFile?: string): ChartRepository | string {
    // Any scheme, in any case, goes through the one URL parser: HTTPS:// is https://, and user:password@ is named.
    if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value)) {
        const url = parseUrl(trimSlashes(value), { schemes: ["https", "oci"] });
        if (typeof url === "string") return `${quote(value)} ${url}`;
        if (url.scheme === "oci" && url.path === "") return `${quote(value)} has no repository path after the host`;
        if (url.scheme === "https") return { kind: "https", url: trimSlashes(value), ...(caFile ? { caFile } : {}) };
        return { kind: "oci", url: trimSlashes(value) };
    }
    if (path.isAbsolute(value) || value.startsWith("./") || value.startsWith("../")) {
        const dir = path.resolve(cwd, value);
        if (!fs.existsSync(path.join(dir, "Chart.yaml")))
            return `${quote(value)} is not a chart directory: ${path.join(dir, "Chart.yaml")} does not exist`;
        return { kind: "local", url: value };
    }
    return `${quote(value)} is not a chart location`;
}

/**
 * An image registry prefix as container runtimes read image references (distribution/reference): a host with an
 * optional port, then optional lowercase path components. No scheme: image references have none.
 */
export function imageRegistryProblem(value: string): string | undefined {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return `${quote(value)} has a scheme; image references have none`;
    const control = controlCharacterProblem(value);
    if (control) return `${quote(value)} ${control}`;
    const [hostPort, ...pathParts] = value.replace(/\/+$/, "").split("/");
    if (value.includes("@"))
        return `${quote(value)} carries user information (user:password@): registry credentials belong in an image pull secret, never in the image reference`;
    const m = /^([^:]*)(?::(.*))?$/.exec(hostPort)!;
    const problem = hostProblem(m[1]) ?? portProblem(m[2]);
    if (problem) return `${quote(value)}: ${problem}`;
    // A registry host is recognised by a dot, a port or "localhost" (otherwise Docker reads it as a Hub namespace).
    if (!m[1].includes(".") && m[2] === undefined && m[1] !== "localhost")
        return `${quote(value)} does not start with a registry host (a name with a dot, a :port, or localhost); a bare name is read as a Docker Hub namespace`;
    const component = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$/;
    const bad = pathParts.find((p) => !component.test(p));
    if (bad !== undefined)
        return `${quote(value)} has the path component ${quote(bad)}; expected lowercase letters, digits and . _ -`;
    return undefined;
}

export interface ChartPart {
    readonly argocdRepository: ChartRepository;
    readonly fluxRepository: ChartRepository;
    readonly imageRegistry?: string;
    readonly install: OperatorInstall;
}

/** At most this much PEM: a CA bundle, not a file picked by mistake. */
const CA_FILE_MAX_BYTES = 1024 * 1024;

/**
 * Why a CA file is unusable, or undefined: it must exist and hold PEM certificates only (each one parsed), never a
 * private key. The file's contents never appear in a message.
 */
export function caFileProblem(value: string, cwd = process.cwd()): string | undefined {
    if (!(path.isAbsolute(value) || value.startsWith("./") || value.startsWith("../")))
        return `${quote(value)} is not an absolute path or one starting with ./ or ../`;
    const file = path.resolve(cwd, value);
    let stat: fs.Stats;
    try {
        stat = fs.statSync(file);
    } catch {
        return `${quote(value)}: ${file} does not exist`;
    }
    if (!stat.isFile()) return `${quote(value)}: ${file} is not a file`;
    if (stat.size > CA_FILE_MAX_BYTES) return `${quote(value)}: ${file} is larger than 1 MiB`;
    const text = fs.readFileSync(file, "utf8");
    // The same detector as every public field (guards.ts privateMaterialIn): PEM keys of any kind, age, PuTTY.
    const secret = privateMaterialIn(text);
    if (secret)
        return `${quote(value)}: ${file} holds a private key (${secret.replace(/ \(.*\)$/, "")}; only the CA's certificate belongs there; keep the key out of the repository)`;
    const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) return `${quote(value)}: ${file} holds no PEM certificate`;
    for (const [i, block] of blocks.entries()) {
        try {
            new crypto.X509Certificate(block);
        } catch {
            return `${quote(value)}: certificate ${i + 1} of ${file} cannot be read`;
        }
    }
    return undefined;
}

/** chartRepositoryCaFile: the CA bundle every https chart repository of the stack is verified with, if any. */
export function validateChartCaFile(input: ConfigInput): string | undefined {
    const value = input.str("chartRepositoryCaFile");
    if (value === "") return undefined;
    const problem = caFileProblem(value);
    if (problem) {
        input.problem(
            "chartRepositoryCaFile",
            `${problem}; expected a PEM file of CA certificates, absolute or ./ or ../ relative to the project (e.g. ./certs/mirror-ca.pem), or empty for the host's trust store.`,
        );
        return undefined;
    }
    return value;
}

/** Where charts and images come from (mirrors for air-gapped clusters), and whether the operator is installed here. */
export function validateChartSources(input: ConfigInput, caFile?: string): ChartPart {
    const repository = (name: DeclaredKeyName, fallback: string): ChartRepository => {
        const value = input.str(name);
        const parsed = parseChartRepository(value, undefined, caFile);
        if (typeof parsed === "string") {
            input.problem(name, `${parsed}; expected ${CHART_FORMS}.`);
            return { kind: "https", url: fallback };
        }
        return parsed;
    };
    const argocdRepository = repository("argocdChartRepository", "https://argoproj.github.io/argo-helm");
    const fluxRepository = repository("fluxChartRepository", "https://fluxcd-community.github.io/helm-charts");
    const registry = input.str("imageRegistry").replace(/\/+$/, "");
    if (registry !== "") {
        const problem = imageRegistryProblem(registry);
        if (problem)
            input.problem(
                "imageRegistry",
                `${problem}; expected a registry prefix host[:port][/path] such as registry.example.com/mirror, or empty for the charts' own registries.`,
            );
    }
    const install = input.oneOf("operatorInstall", OPERATOR_INSTALLS);
    return { argocdRepository, fluxRepository, imageRegistry: registry || undefined, install };
}

const CHART_VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** A chart version key: one exact version (no ranges, never latest), so a bump is a reviewed config change. */
export function validateChartVersion(input: ConfigInput, name: DeclaredKeyName, example: string): string {
    return input.pattern(name, CHART_VERSION, `an exact chart version such as ${example} (no ranges, never latest)`);
}

/**
 * Helm ignores the version for a chart directory, so a local chart is checked here: its Chart.yaml must carry the
 * version the stack pins, or a bump of the key would silently install whatever the directory holds.
 */
export function localChartVersionProblem(dir: string, version: string, cwd = process.cwd()): string | undefined {
    const file = path.join(path.resolve(cwd, dir), "Chart.yaml");
    if (!fs.existsSync(file)) return `${quote(dir)} is not a chart directory: ${file} does not exist`;
    const found = /^version:\s*["']?([^"'\s#]+)/m.exec(fs.readFileSync(file, "utf8"))?.[1];
    if (found !== version)
        return `${file} has version ${quote(found ?? "(none)")}, but the stack pins ${quote(version)}`;
    return undefined;
}

/** A chart key pointing at a local directory: the directory must hold the pinned version (Helm would not check). */
export function validateLocalChartVersion(
    input: ConfigInput,
    key: DeclaredKeyName,
    repository: ChartRepository,
    version: string,
): void {
    if (repository.kind !== "local") return;
    const problem = localChartVersionProblem(repository.url, version);
    if (problem) input.problem(key, `${problem}; expected the chart directory of the pinned version.`);
}

/** A local argo-cd or flux2 chart directory must hold the version the stack pins. */
export function validateLocalChartVersions(
    input: ConfigInput,
    charts: { readonly argocdRepository: ChartRepository; readonly fluxRepository: ChartRepository },
    versions: { readonly argocdChartVersion: string; readonly fluxChartVersion: string },
): void {
    validateLocalChartVersion(input, "argocdChartRepository", charts.argocdRepository, versions.argocdChartVersion);
    validateLocalChartVersion(input, "fluxChartRepository", charts.fluxRepository, versions.fluxChartVersion);
}

/**
 * With operatorInstall=existing the operator's chart is not installed, so the keys that only choose that chart do
 * nothing, and the stack is told. The chart repository and image registry still serve the add-on charts the stack
 * installs beside the operator (Argo CD Image Updater): they are only unused when there is none.
 */
export function warnUnusedChartKeys(input: ConfigInput, install: OperatorInstall, addOnCharts: boolean): void {
    if (install !== "existing") return;
    const unused: DeclaredKeyName[] = ["argocdChartVersion", "fluxChartVersion", "fluxChartRepository"];
    if (!addOnCharts) unused.push("argocdChartRepository", "imageRegistry");
    for (const name of unused) {
        const raw = input.raw(name);
        const declared = DECLARED_KEYS[name] as { default: string };
        if (raw !== undefined && raw.trim() !== declared.default)
            input.warn(
                name,
                `${quote(raw.trim())} has no effect with operatorInstall=existing: the operator is already installed and the program installs no chart${addOnCharts ? " (the add-on charts use only argocdChartRepository and imageRegistry)" : ""}.`,
            );
    }
}
