// gitops-stack: the Pulumi program. It reads this stack's configuration (see docs/reference/configuration.md) into one
// GitOpsStack component; the stack outputs are the component's (only those the stack has). The engine runs its
// compiled form, bin/program.js (npm run build; Pulumi.yaml `main`), which first checks it is not older than this.
import "./src/build/compileCache";
import "./src/build/freshness";
import { main } from "./src/program";

export = main();
