/**
 * The component package's entry point (package.json `main`, compiled to bin/plugin.js by `npm run build`): the
 * Node.js language host requires it when a program uses the package (its run-plugin), and it starts the provider's
 * gRPC server, which prints its port for the engine. Nothing is exported: the host would otherwise start Pulumi's own
 * provider for any component class it finds in the exports.
 */
import "../build/compileCache";
import "../build/freshness";
import * as pulumi from "@pulumi/pulumi";
import { GitOpsStackProvider } from "./provider";

void pulumi.provider.main(new GitOpsStackProvider(), process.argv.slice(2));
