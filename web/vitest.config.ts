import { defineConfig } from "vitest/config";

// Four suites: unit (fake fetch and timers; the dashboard's form logic; the
// client package's npm pack list), integration (the built client against a
// real dev server), seed (code written against the specification's seed
// client, run as a page of the dev server would run it) and e2e (the
// dashboard in headless Chromium against a real dev server). The last three
// build and start the dev server in a global setup, on a free port, and
// stop it afterwards.
const devServer = ["test/support/devserver-setup.ts"];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          environment: "node",
          globalSetup: devServer,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "seed",
          include: ["test/seed/**/*.test.ts"],
          environment: "node",
          globalSetup: devServer,
          setupFiles: ["test/seed/page-fetch.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: devServer,
          // One file, so one Chromium, at a time: the machine has two cores.
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
