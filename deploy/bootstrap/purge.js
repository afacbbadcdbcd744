// Builds the board's Bootstrap CSS: Bootstrap's own bootstrap.min.css, less the rules for
// classes the board never names, by PurgeCSS. The board uses a sliver of Bootstrap (the navbar,
// a few utilities, the console's forms, tables and buttons), and every screen downloads, parses
// and matches against its elements whatever it is sent: 232 KB of rules for that sliver.
//
// What "names" means: a class is kept when its name appears as a word in any file the board
// renders from or styles with (CONTENT), or is one the dash-bootstrap-components the board uses
// put in the page themselves (SAFELIST). Custom properties and keyframes are all kept.
//
// `node purge.js` writes assets/00_bootstrap.min.css; `node purge.js --check [file]` exits 1
// when that file (or another) is not what it would write (tests/deploy/test_bootstrap_build.py).
// Run `npm ci && npm run build` here after a change that names a Bootstrap class for the first
// time: tests/e2e/test_bootstrap_css.py fails on a page that uses a rule the file lacks.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { PurgeCSS } = require("purgecss");

const root = path.join(__dirname, "..", "..");
const source = require.resolve("bootstrap/dist/css/bootstrap.min.css");
const version = require("bootstrap/package.json").version;
const outfile = path.join(root, "assets", "00_bootstrap.min.css");

// Everything the board's pages and the operators' console are rendered from, and their own
// stylesheets (not this one).
const CONTENT = [
  "app.py",
  "{analytics,components,engine,pages,web}/**/*.py",
  "web/admin/**/*.{html,js,css}",
  "assets/*.js",
  "assets/[1-9]*.css",
].map((glob) => path.join(root, glob));

// The classes the dash-bootstrap-components the board uses put in the page
// (components/shell.py: dbc.Navbar(color="dark", dark=True), expanded at "md" by default, a
// dbc.Container(fluid=True), dbc.NavbarBrand), and those the scenes' links draw as dbc.Nav,
// NavItem and NavLink did (assets/37n_nav.js: navbar-nav, nav-item, nav-link, active).
const SAFELIST = [
  "navbar", "navbar-expand-md", "navbar-dark", "bg-dark", "container-fluid", "navbar-brand",
  "nav", "navbar-nav", "nav-item", "nav-link", "active", "disabled",
  // plotly.js's own, on its charts' SVG.
  "user-select-none",
];

// A Python file's words, and the elements its Dash components render: html.Ol is an <ol>.
function pythonWords(content) {
  const words = content.match(/[\w-]+/g) || [];
  const components = content.matchAll(/\bhtml\.([A-Z][A-Za-z0-9]*)\b/g);
  const tags = Array.from(components, (m) => m[1].toLowerCase());
  return words.concat(tags);
}

async function build() {
  const [result] = await new PurgeCSS().purge({
    content: CONTENT,
    css: [source],
    safelist: { standard: SAFELIST },
    extractors: [{ extractor: pythonWords, extensions: ["py"] }],
  });
  // After @charset, which only counts as the file's very first bytes.
  const charset = '@charset "UTF-8";';
  const banner =
    `/*! Bootstrap v${version} trimmed to the classes the board uses: deploy/bootstrap/purge.js */`;
  const css = result.css.replace(/\n?\/\*# sourceMappingURL=.*\*\/\s*$/, "\n");
  return css.startsWith(charset) ? charset + banner + css.slice(charset.length) : banner + css;
}

const [mode, file] = process.argv.slice(2);
const target = file ? path.resolve(file) : outfile;

build()
  .then((css) => {
    if (mode === "--check") {
      const current = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : "";
      if (current !== css) {
        const name = path.relative(root, target);
        console.error(`${name} is not what deploy/bootstrap/purge.js builds`);
        process.exit(1);
      }
      return;
    }
    fs.writeFileSync(target, css);
  })
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
