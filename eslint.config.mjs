// One linter for the whole repository: typescript-eslint's recommended rules everywhere,
// and Pulumi's own rules on the program, where an Output in a template literal would
// silently deploy "[object Object]" (they need type information, so only infra/ pays for it).
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", ".build/"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      // Unused names are already errors in tsc (noUnusedLocals, noUnusedParameters).
      "@typescript-eslint/no-unused-vars": "off",
    },
  },
  {
    // The recorded resource graph is the engine's untyped data (Pulumi's own mock
    // interface types it `any`); the recorder, the plan view and tests index into it freely.
    files: ["local/plan/**/*.ts", "local/plan-view.ts", "test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: ["infra/**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { "@pulumi": pulumi },
    rules: {
      "@pulumi/no-output-in-template-literal": "error",
      "@pulumi/no-output-instance-in-template-literal": "error",
    },
  },
  {
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: {
      sourceType: "commonjs",
      globals: {
        require: "readonly",
        module: "writable",
        process: "readonly",
        Buffer: "readonly",
        __dirname: "readonly",
        setImmediate: "readonly",
        console: "readonly",
      },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
