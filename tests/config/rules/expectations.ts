import { expect } from "vitest";
import { PROJECT } from "../../../src/config";
import type { StackOptions } from "../../support/stacks";
import { errorOf } from "./support";

/**
 * Asserts the one ConfigError of a configuration: it names the stack, and one of its problems names the key, quotes
 * the bad value and says what is expected.
 */
export function expectRefused(
    stack: string,
    options: StackOptions,
    key: string,
    value: string | null,
    expected: RegExp | string,
    asStack = stack,
): string {
    const message = errorOf(stack, options, asStack);
    expect(message).toMatch(
        new RegExp(`^Invalid configuration for stack "${asStack.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"`),
    );
    const fullKey = key.includes(":") ? key : `${PROJECT}:${key}`;
    const problems = message.split("\n  - ").slice(1);
    const mine = problems.filter((p) => p.startsWith(`${fullKey}: `));
    expect(mine, message).not.toEqual([]);
    const hit = mine.find(
        (p) =>
            (value === null || p.includes(JSON.stringify(value))) &&
            (typeof expected === "string" ? p.includes(expected) : expected.test(p)),
    );
    expect(
        hit,
        `no problem of ${fullKey} quotes ${JSON.stringify(value)} and matches ${String(expected)}:\n${message}`,
    ).toBeDefined();
    return hit!;
}
