// The published @jobline/client: `npm pack` ships the built ES modules,
// their types, the README and the license, and nothing else (no sources,
// tests or dashboard); the package has no runtime dependencies.

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

import { describe, expect, it } from "vitest";

import { webDir } from "../support/paths.js";

const run = promisify(execFile);
const clientDir = join(webDir, "client");

interface PackResult {
  name: string;
  files: Array<{ path: string }>;
}

describe("@jobline/client as published", () => {
  it("packs exactly the built modules, their types, the README and the license", async () => {
    const { stdout } = await run("npm", ["pack", "--dry-run", "--json"], { cwd: clientDir });
    const [pack] = JSON.parse(stdout) as PackResult[];
    expect(pack?.name).toBe("@jobline/client");
    const modules = ["admin", "client", "errors", "http", "index", "openapi", "types"];
    expect(pack?.files.map((f) => f.path).sort()).toEqual(
      ["LICENSE", "README.md", "package.json", ...modules.flatMap((m) => [`dist/${m}.d.ts`, `dist/${m}.js`])].sort(),
    );
  });

  it("is public ESM with types, free of side effects and runtime dependencies", () => {
    const pkg = JSON.parse(readFileSync(join(clientDir, "package.json"), "utf8")) as Record<string, unknown>;
    expect(pkg).toMatchObject({
      name: "@jobline/client",
      type: "module",
      sideEffects: false,
      license: "MIT",
      types: "./dist/index.d.ts",
      exports: { ".": { types: "./dist/index.d.ts", import: "./dist/index.js" } },
    });
    expect(pkg["private"]).toBeUndefined();
    expect(pkg["dependencies"]).toBeUndefined();
    expect(pkg["peerDependencies"]).toBeUndefined();
    for (const m of ["admin", "client", "errors", "http", "index", "types"]) {
      const code = readFileSync(join(clientDir, "dist", `${m}.js`), "utf8");
      const imports = [...code.matchAll(/^(?:import|export)\b[\s\S]*?\bfrom\s+"([^"]+)";/gm)].map((match) => match[1]);
      expect(imports.every((spec) => spec?.startsWith("./")), `${m}.js imports ${imports.join(", ")}`).toBe(true);
      if (m === "index") expect(imports).toEqual(expect.arrayContaining(["./client.js", "./admin.js"]));
    }
  });

  it("has a README with examples", () => {
    const readme = readFileSync(join(clientDir, "README.md"), "utf8");
    expect(readme).toContain('from "@jobline/client"');
    expect(readme.match(/```ts/g)?.length ?? 0).toBeGreaterThanOrEqual(3);
  });
});
