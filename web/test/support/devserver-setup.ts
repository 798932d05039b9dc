// Global setup of the integration and e2e suites: builds cmd/devserver,
// starts it on a free 127.0.0.1 port serving the built dashboard
// (dashboard/dist) with ADMIN_USER as its one admin (JOBLINE_ADMINS),
// waits for /healthz, hands the base URL and the admin's user id to the
// tests (inject("baseUrl"), inject("adminUser")) and stops it after.

import { spawn, execFile, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

import type { TestProject } from "vitest/node";

import { artifactsDir, dashboardDist, repoRoot } from "./paths.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** BaseUrl is the running dev server, such as http://127.0.0.1:41234. */
    baseUrl: string;
    /** AdminUser is the X-User-Id of the dev server's admin (JOBLINE_ADMINS). */
    adminUser: string;
  }
}

const run = promisify(execFile);

/** ADMIN_USER is the dev server's only admin: every other user id is not one. */
const ADMIN_USER = "ops-admin";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        reject(new Error("no port"));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

async function waitHealthy(baseUrl: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`dev server exited with code ${child.exitCode} before it was healthy`);
    }
    try {
      const response = await fetch(`${baseUrl}/healthz`);
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`dev server at ${baseUrl} not healthy after ${timeoutMs}ms: ${last}`);
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    const kill = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const distIndex = join(dashboardDist, "index.html");
  if (project.name === "e2e" && !existsSync(distIndex)) {
    throw new Error(`${distIndex} is missing: run \`npm run build\` (make web-build) first`);
  }
  const workDir = mkdtempSync(join(tmpdir(), "jobline-web-test-"));
  const binary = join(workDir, "devserver");
  await run("go", ["build", "-o", binary, "./cmd/devserver"], {
    cwd: repoRoot,
    env: { ...process.env, GOFLAGS: "-buildvcs=false" },
    maxBuffer: 16 * 1024 * 1024,
  });

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  mkdirSync(artifactsDir, { recursive: true });
  const log = createWriteStream(join(artifactsDir, `devserver-${project.name}.log`));
  const child = spawn(binary, [], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      JOBLINE_WEB_DIR: dashboardDist,
      JOBLINE_FILES_DIR: join(workDir, "files"),
      JOBLINE_ADMINS: ADMIN_USER,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);

  try {
    await waitHealthy(baseUrl, child, 30_000);
  } catch (err) {
    await stop(child);
    throw err;
  }
  project.provide("baseUrl", baseUrl);
  project.provide("adminUser", ADMIN_USER);

  return async () => {
    await stop(child);
    log.end();
    rmSync(workDir, { recursive: true, force: true });
  };
}
