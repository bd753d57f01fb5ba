/**
 * What the render, render:diff and status command lines share: strict options, -h/--help, and the options a command
 * cannot do without. A usage error goes to stderr, followed by the usage, with exit status 2.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;
type Values<T extends Options> = ReturnType<typeof parseArgs<{ options: T; strict: true }>>["values"];

/**
 * The parsed options, with every `required` one present, or the exit status when the command must stop here: 0
 * after printing the usage for --help, 2 after a usage error.
 */
export function parseCommandLine<T extends Options, R extends keyof Values<T> & string>(
    command: string,
    usage: string,
    options: T,
    required: readonly R[],
): (Values<T> & { [K in R]-?: NonNullable<Values<T>[K]> }) | number {
    let values: Values<T>;
    try {
        values = parseArgs({ options, strict: true }).values;
    } catch (err) {
        process.stderr.write(`${command}: ${(err as Error).message}\n\n${usage}`);
        return 2;
    }
    const given = values as Record<string, unknown>;
    if (given.help) {
        process.stdout.write(usage);
        return 0;
    }
    if (required.some((name) => !given[name])) {
        const names = required.map((name) => `--${name}`);
        process.stderr.write(
            `${command}: ${names.join(" and ")} ${names.length > 1 ? "are" : "is"} required.\n\n${usage}`,
        );
        return 2;
    }
    return values as Values<T> & { [K in R]-?: NonNullable<Values<T>[K]> };
}
