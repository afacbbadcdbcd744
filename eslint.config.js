// ESLint (9, flat config) for the board's JavaScript: the browser code in assets/ and its node
// tests in tests/assets/. CI runs it next to ruff:
//   .venv/node/node_modules/.bin/eslint --max-warnings 0 .
// The project keeps no package.json: eslint, @eslint/js and globals are installed with the
// other npm tools into .venv/node (README's test command), so they are looked up there too.
"use strict";

const path = require("node:path");

function load(name) {
  const from = [__dirname, path.join(__dirname, ".venv", "node")];
  return require(require.resolve(name, { paths: from }));
}

const js = load("@eslint/js");
const globals = load("globals");

// Rules beyond "recommended": the CSP forbids eval in any form, and modern declarations only.
const rules = {
  eqeqeq: "error",
  "no-eval": "error",
  "no-implied-eval": "error",
  "no-new-func": "error",
  "no-var": "error",
  "prefer-const": "error",
};

module.exports = [
  // assets/vendor/: built bundles (deploy/plotly/build.js), not our source.
  {
    ignores: [".venv/", "**/node_modules/", "tests/artifacts/", "build/", "dist/", "assets/vendor/"],
  },
  js.configs.recommended,
  {
    // Browser scripts, linked one by one by Dash: everything stays inside each file's IIFE and
    // the window.wallboard namespace (no-implicit-globals). `module` only for the guarded
    // export that lets node's tests load the pure parts.
    files: ["assets/**/*.js", "web/admin/**/*.js"],
    languageOptions: {
      sourceType: "script",
      globals: { ...globals.browser, module: "readonly" },
    },
    rules: { ...rules, "no-implicit-globals": "error", strict: ["error", "function"] },
  },
  {
    files: [
      "tests/assets/**/*.cjs", "eslint.config.js", "deploy/plotly/*.js", "deploy/bootstrap/*.js",
    ],
    languageOptions: { sourceType: "commonjs", globals: { ...globals.node } },
    rules: { ...rules, strict: ["error", "global"] },
  },
];
