// gitops-stack: the Pulumi program. It reads this stack's configuration (see docs/reference/configuration.md) into one
// GitOpsStack component; the stack outputs are the component's (only those the stack has).
import { main } from "./src/program";

export = main();
