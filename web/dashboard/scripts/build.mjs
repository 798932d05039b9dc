// Builds the dashboard into dist/: src/main.ts bundled with @jobline/client
// into one ES module (dashboard.js) by esbuild, next to the static files
// (index.html, styles.css, favicon.svg). Type errors are tsc's job
// (npm run typecheck in web/); esbuild only strips the types.
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { build } from "esbuild";

const dashboard = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(dashboard, "dist");
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
await build({
  entryPoints: [join(dashboard, "src", "main.ts")],
  outfile: join(dist, "dashboard.js"),
  bundle: true,
  format: "esm",
  target: "es2022",
  sourcemap: true,
  logLevel: "warning",
});
cpSync(join(dashboard, "static"), dist, { recursive: true });
console.log("built dashboard/dist (dashboard.js and the static files)");
