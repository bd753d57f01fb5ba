import * as path from "node:path";
import { DECLARED_KEYS, type DeclaredKeyName } from "../keys";
import type { AppConfig, ChartRepository, ChartSource, Operator, OperatorInstall } from "../types";
import { localChartVersionProblem, validateChartVersion } from "./chart";
import { quote, type ConfigInput } from "./context";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** The chart of argocd-image-updater sits beside argo-cd: same repository, or a sibling directory of a local one. */
export function imageUpdaterRepository(argocd: ChartRepository): ChartRepository {
    if (argocd.kind !== "local") return argocd;
    return { kind: "local", url: path.join(path.dirname(argocd.url), "argocd-image-updater") };
}

export interface ImageUpdaterPart {
    /** The argocd-image-updater chart; undefined when the Argo CD stack runs no image automation. */
    readonly chart?: ChartSource;
    /** `<namespace>/<name>` of a Secret with a separate write credential; undefined: Argo CD's repository credentials. */
    readonly writeSecret?: string;
}

/**
 * Argo CD Image Updater (issue 10): the same imageAutomation switch and app keys (image + semverRange) as Flux.
 * Its chart is pinned like the others; a separate write credential is named as the updater's method takes it.
 */
export function validateImageUpdater(
    input: ConfigInput,
    operator: Operator,
    imageAutomation: boolean,
    apps: readonly AppConfig[],
    argocdRepository: ChartRepository,
): ImageUpdaterPart {
    const version = validateChartVersion(input, "imageUpdaterChartVersion", "1.2.4");
    const writeSecret = input.str("imageUpdaterWriteSecret");
    if (writeSecret !== "") {
        const [namespace, name, ...rest] = writeSecret.split("/");
        if (rest.length > 0 || !DNS_LABEL.test(namespace ?? "") || !DNS_SUBDOMAIN.test(name ?? ""))
            input.problem(
                "imageUpdaterWriteSecret",
                `${quote(writeSecret)} is not valid; expected <namespace>/<secret name> of a Secret with the write credential (e.g. argocd/gitops-write), or empty to write with Argo CD's repository credentials.`,
            );
    }
    const used = operator === "argocd" && imageAutomation && apps.some((a) => a.image && a.semverRange);
    if (!used) return {};
    const repository = imageUpdaterRepository(argocdRepository);
    if (repository.kind === "local") {
        const problem = localChartVersionProblem(repository.url, version);
        if (problem)
            input.problem(
                "argocdChartRepository",
                `${problem}; with a local argo-cd chart, image automation takes the argocd-image-updater chart ${version} from the sibling directory ${quote(repository.url)}.`,
            );
    }
    return { chart: { repository, version }, writeSecret: writeSecret || undefined };
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
