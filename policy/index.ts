// The gitops-stack policy pack: `pulumi preview --policy-pack policy` (see README, "Policy pack").
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./rules";

new PolicyPack("gitops-stack-guardrails", { policies: POLICIES });
