// Copies the dashboard's static files (HTML, CSS) next to the compiled JS in dist/.
import { cpSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
mkdirSync(join(web, "dist"), { recursive: true });
cpSync(join(web, "static"), join(web, "dist"), { recursive: true });
console.log("copied static/ to dist/");
