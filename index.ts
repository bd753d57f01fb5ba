// gitops-stack: the Pulumi program. Everything is read from this stack's configuration (see docs/reference/configuration.md).
import { main } from "./src/program";

const outputs = main();

export const environment = outputs.environment;
export const operator = outputs.operator;
export const namespace = outputs.namespace;
export const chartVersion = outputs.chartVersion;
export const repoUrl = outputs.repoUrl;
export const targetRevision = outputs.targetRevision;
export const projects = outputs.projects;
export const applications = outputs.applications;
export const sshPublicKey = outputs.sshPublicKey;
export const sopsAgeRecipient = outputs.sopsAgeRecipient;
export const sealedSecretsCertificate = outputs.sealedSecretsCertificate;
