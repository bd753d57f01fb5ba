import type { ComponentResourceConstructor } from "@pulumi/pulumi/provider/experimental";
import { GITOPS_STACK_TYPE, GitOpsStack } from "./gitOpsStack";

/** Every component the package exposes, by type token (`gitops-stack:index:<class name>`). */
export const COMPONENTS: Readonly<Record<string, ComponentResourceConstructor>> = {
    [GITOPS_STACK_TYPE]: GitOpsStack,
};
