/**
 * Imported first by the compiled program and plugin (bin/program.js, bin/plugin.js): Node's on-disk compile cache
 * for every module loaded after it (the Kubernetes SDK, most of Pulumi's, this project's bundle), compiled once per
 * machine and reused (in `$NODE_COMPILE_CACHE`, else Node's directory under the system temp dir), as the offline
 * commands do (scripts/compileCache.ts). Keyed by each file's content: a changed module is compiled again.
 */
import * as nodeModule from "node:module";

nodeModule.enableCompileCache?.();
