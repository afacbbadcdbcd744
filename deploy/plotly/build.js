// Builds the board's plotly.js: the core (scatter and every layout component) with only the
// traces listed in traces.json registered, the way plotly.js's own partial bundles are made
// (lib/index-<name>.js: lib/core plus Plotly.register([...traces]), bundled by esbuild as an
// IIFE named Plotly, esbuild-config.js). dcc.Graph loads it instead of the full 4.7 MB bundle
// (web/plotly_bundle.py). Run `npm ci && npm run build` here after changing traces.json or the
// plotly.js version, which must stay the one plotly.py ships; the tests check both.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const esbuild = require("esbuild");

const here = __dirname;
const traces = JSON.parse(fs.readFileSync(path.join(here, "traces.json"), "utf8"));
const version = require("plotly.js/package.json").version;
const outfile = path.join(here, "..", "..", "assets", "vendor", "plotly-wallboard.min.js");

// scatter is part of lib/core and cannot be left out.
const registered = traces.filter((name) => name !== "scatter");
const entry = [
  "var Plotly = require('plotly.js/lib/core');",
  `Plotly.register([${registered.map((name) => `require('plotly.js/lib/${name}')`).join(", ")}]);`,
  "module.exports = Plotly;",
].join("\n");

esbuild
  .build({
    stdin: { contents: entry, resolveDir: here, sourcefile: "plotly-wallboard.js" },
    outfile,
    format: "iife",
    globalName: "Plotly",
    bundle: true,
    minify: true,
    target: "es2016",
    define: { global: "window", "define.amd": "false" },
    // Only map traces import a stylesheet (maplibre-gl's); the board draws none.
    loader: { ".css": "empty" },
    banner: {
      js: `/*! plotly.js v${version} (MIT), traces: ${traces.join(", ")}. Built by deploy/plotly/build.js */`,
    },
    logLevel: "warning",
  })
  .catch(() => process.exit(1));
