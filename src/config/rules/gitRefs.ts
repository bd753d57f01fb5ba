/**
 * Why git would refuse a branch or tag name (`git check-ref-format --branch`), or undefined. The rules, from
 * git-check-ref-format(1): no `..`, no `@{`, not the single character `@`, no ASCII control character, space, `~`,
 * `^`, `:`, `?`, `*`, `[` or `\`; no component that starts with `.` or ends with `.lock`; no leading, trailing or
 * double `/`; no trailing `.`; and (for a branch) no leading `-`, which git would read as an option.
 */
export function refNameProblem(name: string): string | undefined {
    if (name === "") return "is empty";
    if (name === "@") return 'is the single character "@"';
    if (name.startsWith("-")) return 'starts with "-"';
    if (name.includes("..")) return 'contains ".."';
    if (name.includes("@{")) return 'contains "@{"';
    // eslint-disable-next-line no-control-regex
    const bad = /[\x00-\x20\x7f~^:?*[\\]/.exec(name);
    if (bad) return `contains ${JSON.stringify(bad[0])}`;
    if (name.startsWith("/") || name.endsWith("/")) return 'starts or ends with "/"';
    if (name.includes("//")) return 'contains "//"';
    if (name.endsWith(".")) return 'ends with "."';
    for (const component of name.split("/")) {
        if (component.startsWith(".")) return `has the component ${JSON.stringify(component)}, which starts with "."`;
        if (component.endsWith(".lock"))
            return `has the component ${JSON.stringify(component)}, which ends with ".lock"`;
    }
    return undefined;
}
