import * as path from "node:path";
import type { AppConfig, ChartRepository, ChartSource, Operator } from "../types";
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
