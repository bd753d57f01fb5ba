// The gitops-stack policy pack: `pulumi preview --policy-pack policy` (see docs/reference/policy-pack.md).
// The CLI runs this file with the policy directory as working directory; PolicyPack reads the pack's version from
// ./package.json there, and refuses to start without one.
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./rules";

new PolicyPack("gitops-stack-guardrails", { policies: POLICIES });
