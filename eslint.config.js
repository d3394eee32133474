import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "off",
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/plugins/**"], message: "src/ must not import plugins/" }] }],
    },
  },
  { files: ["plugins/**", "test/**", "bench/**"], rules: { "no-restricted-imports": "off" } },
  { files: ["**/*.js", "**/*.mjs", "**/*.cjs", "bin/*"], languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", require: "readonly" } } },
  { files: ["**/*.cjs"], rules: { "@typescript-eslint/no-require-imports": "off" } },
);
