// Lint rules: typescript-eslint's recommended set on the program, the tests and the scripts.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "rendered/", "bin/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
            // The tests read recorded Kubernetes objects as loose JSON.
            "@typescript-eslint/no-explicit-any": "off",
        },
    },
    {
        files: ["src/**/*.ts", "index.ts"],
        rules: { "@typescript-eslint/no-explicit-any": "error", "no-console": "error" },
    },
);
