/** Reading shell scripts the way the tests compare them (.ci/run, workflows' `run:` steps). */

/**
 * The commands a bash script runs, in order, as `.ci/run` and a workflow's `run:` steps write them: continuation
 * lines joined, comments dropped, `a && b` split, a background `(...) &` or a redirection stripped to the command.
 * Skipped: blocks (`if`/`for`/`while`/`case`, functions: .ci/run's Node 22 bootstrap), calls of the script's own
 * functions, the handler of `cmd || handler`, and the shell's own housekeeping (set, cd, echo, export, wait, trap,
 * variable assignments).
 */
export function shellCommands(script: string): string[] {
    const commands: string[] = [];
    let depth = 0;
    const lines = script.replace(/\\\n\s*/g, " ").split("\n");
    // The script's own functions: a call to one is its plumbing, not a command it runs.
    const functions = [...script.matchAll(/^\s*([A-Za-z_][A-Za-z0-9_]*)\(\)\s*\{/gm)].map((m) => m[1]);
    for (const raw of lines) {
        const line = raw.replace(/(^|\s)#.*$/, "").trim();
        if (line === "" || line.startsWith("#!")) continue;
        if (/^[A-Za-z_][A-Za-z0-9_]*\(\)\s*\{.*\}\s*;?$/.test(line)) continue; // one-line function
        if (/^(if|for|while|until|case)\b/.test(line) || /^[A-Za-z_][A-Za-z0-9_]*\(\)\s*\{?$/.test(line)) {
            depth++;
            continue;
        }
        if (/^(?:(?:fi|done|esac)\b|\})/.test(line)) {
            depth--;
            continue;
        }
        if (depth > 0) continue;
        for (let part of line.split(/\s*(?:&&|;)\s*/)) {
            part = part
                .split(/\s*\|\|\s*/)[0] // `cmd || handler`: the command; the handler is the script's own plumbing
                .replace(/\s+\d?>>?\s*&?\S+/g, "")
                .replace(/\s*&$/, "")
                .replace(/\s*\)$/, "")
                .replace(/^\(\s*/, "")
                .replace(/\s+/g, " ")
                .trim();
            if (part === "" || /^[{}()]$/.test(part)) continue;
            if (/^(set|cd|echo|printf|export|wait|trap|exit|local|source|\.)(\s|$)/.test(part)) continue;
            if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(part)) continue;
            if (functions.includes(part.split(" ")[0])) continue;
            commands.push(part);
        }
    }
    return commands;
}
