// typescript-eslint's recommended set (syntax-only: fast, no type information needed) plus a few
// rules that catch real bugs in infrastructure and test code. Each addition says why.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: ["**/node_modules/**", "dist/**", "**/bin/**", "policy/dist/**", "app/dist/**", "examples/*/node_modules/**", "**/*.d.ts"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      // A loose comparison between a config value and a literal ("0" == 0) is the class of bug the
      // config validation exists to prevent.
      eqeqeq: ["error", "always"],
      // Pulumi inputs are often `any`-typed at SDK boundaries; an explicit `any` is allowed but must
      // stay visible in review, so warn rather than refuse.
      "@typescript-eslint/no-explicit-any": "off",
      // Unused names are already refused by tsc (noUnusedLocals); arguments prefixed _ are by design.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      // Tests assert thrown errors and mocha `this` contexts; a shadowed or reassigned catch binding hides them.
      "no-ex-assign": "error",
      "prefer-const": "error",
      // Mocha's `function` callbacks need their own `this` (the test context), so a step runner that
      // registers them refers to itself by these names.
      "@typescript-eslint/no-this-alias": ["error", { allowedNames: ["steps", "lifecycle"] }],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    // Plain CommonJS entry points (the checker's bin shim, the pack's build script): require is their import.
    rules: { "@typescript-eslint/no-require-imports": "off" },
    languageOptions: { globals: { require: "readonly", module: "writable", process: "readonly", console: "readonly", __dirname: "readonly" } },
  },
);
