// The dashboard in headless Chromium (Debian's, driven by playwright-core)
// against a real dev server: create a sleep job and watch it finish,
// download a report, see a failure, cancel a running job.

import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

import { JobClient } from "@jobline/client";
import { artifactsDir } from "../support/paths.js";

const baseUrl = inject("baseUrl");
const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

let context: BrowserContext;
let page: Page;
let userDataDir: string;
const userId = `e2e-${randomUUID().slice(0, 8)}`;
const pageErrors: string[] = [];

beforeAll(async () => {
  userDataDir = mkdtempSync(join(tmpdir(), "jobline-chromium-"));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (err) => pageErrors.push(String(err)));
  await page.goto(baseUrl);
  // The user id field defaults to demo-user; use a fresh user so the list
  // holds this test's jobs only.
  await expect(page.getByTestId("user-id").inputValue()).resolves.toBe("demo-user");
  await page.getByTestId("user-id").fill(userId);
  await page.getByTestId("user-id").press("Enter");
  await page.getByTestId("user-id").blur();
  await page.getByTestId("jobs-empty").waitFor({ state: "visible" });
});

afterAll(async () => {
  await context?.close();
  rmSync(userDataDir, { recursive: true, force: true });
});

/** CreateJob fills the form and submits; it returns the new job's id (from the #/jobs/<id> route). */
async function createJob(jobType: string, parameters: string, maxAttempts?: number): Promise<string> {
  await page.getByTestId("job-type").selectOption(jobType);
  await page.getByTestId("job-params").fill(parameters);
  await page.getByTestId("max-attempts").fill(maxAttempts === undefined ? "" : String(maxAttempts));
  const before = await page.evaluate(() => location.hash);
  await page.getByTestId("create-job").click();
  await page.waitForFunction((previous) => location.hash !== previous && location.hash.startsWith("#/jobs/"), before);
  const hash = await page.evaluate(() => location.hash);
  return decodeURIComponent(hash.slice("#/jobs/".length));
}

async function waitForDetailStatus(status: string, timeoutMs = 30_000): Promise<void> {
  await page.waitForFunction(
    (want) => document.querySelector('[data-testid="detail-status"]')?.textContent === want,
    status,
    { timeout: timeoutMs },
  );
}

function row(jobId: string): ReturnType<Page["locator"]> {
  return page.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`);
}

describe("dashboard", () => {
  it("stores the user id in localStorage", async () => {
    expect(await page.evaluate(() => localStorage.getItem("jobline.userId"))).toBe(userId);
  });

  it("rejects parameters that are not a JSON object", async () => {
    await page.getByTestId("job-type").selectOption("echo");
    await page.getByTestId("job-params").fill("[1, 2");
    await expect(page.getByTestId("params-error").isVisible()).resolves.toBe(true);
    await expect(page.getByTestId("params-error").textContent()).resolves.toMatch(/Not valid JSON/);
    await page.getByTestId("create-job").click();
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => location.hash)).toBe("");
    expect(await page.getByTestId("job-row").count()).toBe(0);

    await page.getByTestId("job-params").fill('["an array"]');
    await expect(page.getByTestId("params-error").textContent()).resolves.toMatch(/must be a JSON object/);
  });

  it("creates a sleep job and follows its progress bar to 100% and completed", async () => {
    const jobId = await createJob("sleep", '{"seconds": 4}');
    await page.getByTestId("job-panel").waitFor({ state: "visible" });
    expect(await page.getByTestId("detail-id").textContent()).toBe(jobId);

    // Sample the bar while the job runs: it must move through values
    // between 0 and 100, never backwards, and end at 100.
    const seen: number[] = [];
    const deadline = Date.now() + 30_000;
    for (;;) {
      // Read bar and status in one go: they are rendered together.
      const { value, status } = await page.evaluate(() => ({
        value: Number(document.querySelector('[data-testid="detail-progress"]')?.getAttribute("aria-valuenow")),
        status: document.querySelector('[data-testid="detail-status"]')?.textContent ?? "",
      }));
      if (seen.at(-1) !== value) seen.push(value);
      if (status === "completed") break;
      if (Date.now() > deadline) throw new Error(`sleep job still ${status} at ${value}%`);
      await page.waitForTimeout(100);
    }
    expect(seen.at(-1)).toBe(100);
    expect(seen.some((v) => v > 0 && v < 100)).toBe(true);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(await page.getByTestId("detail-progress-text").textContent()).toBe("100%");
    expect(await page.getByTestId("detail-result").textContent()).toContain('"sleptSeconds": 4');
    expect(await page.getByTestId("cancel-job").isVisible()).toBe(false);

    // The list row follows too.
    await page.waitForFunction(
      (id) => {
        const r = document.querySelector(`[data-testid="job-row"][data-job-id="${id}"]`);
        return (
          r?.querySelector('[data-testid="job-status"]')?.textContent === "completed" &&
          r.querySelector('[data-testid="job-progress"]')?.getAttribute("aria-valuenow") === "100"
        );
      },
      jobId,
      { timeout: 10_000 },
    );
  });

  it("opens a report job and downloads its file", async () => {
    const jobId = await createJob("report", '{"rows": 3}');
    await waitForDetailStatus("completed");
    const link = page.getByTestId("asset-link");
    await link.waitFor({ state: "visible" });
    expect(await link.textContent()).toBe("report.csv");

    // Open it again from the list, as a user coming back would.
    await page.goto(`${baseUrl}/#`);
    await row(jobId).getByTestId("open-job").click();
    await waitForDetailStatus("completed");
    await link.waitFor({ state: "visible" });

    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toBe("report.csv");
    const path = await download.path();
    expect(readFileSync(path, "utf8")).toBe("row,square\n1,1\n2,4\n3,9\n");
  });

  it("shows a fail job ending failed with its error", async () => {
    await createJob("fail", "{}", 2);
    await waitForDetailStatus("failed", 60_000);
    const error = page.getByTestId("detail-error");
    await error.waitFor({ state: "visible" });
    expect((await error.textContent())?.trim()).not.toBe("");
    expect(await page.getByTestId("detail-attempt").textContent()).toBe("2 / 2");
    expect(await page.getByTestId("cancel-job").isVisible()).toBe(false);
    mkdirSync(artifactsDir, { recursive: true });
    await page.screenshot({ path: join(artifactsDir, "dashboard-failed.png"), fullPage: true, animations: "disabled" });
  });

  it("cancels a running job", async () => {
    const jobId = await createJob("sleep", '{"seconds": 30}');
    await waitForDetailStatus("processing");
    const cancel = page.getByTestId("cancel-job");
    expect(await cancel.isVisible()).toBe(true);
    await cancel.click();
    await waitForDetailStatus("canceled", 10_000);
    expect(await cancel.isVisible()).toBe(false);
    await page.waitForFunction(
      (id) =>
        document
          .querySelector(`[data-testid="job-row"][data-job-id="${id}"] [data-testid="job-status"]`)
          ?.textContent === "canceled",
      jobId,
      { timeout: 10_000 },
    );
  });

  it("saves a screenshot of the dashboard", async () => {
    // Show a finished report job next to the list of every job above.
    const reportRow = page.locator('[data-testid="job-row"][data-job-type="report"]').first();
    await reportRow.getByTestId("open-job").click();
    await waitForDetailStatus("completed");
    await page.getByTestId("asset-link").waitFor({ state: "visible" });
    expect(await page.getByTestId("job-row").count()).toBe(4);
    mkdirSync(artifactsDir, { recursive: true });
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(artifactsDir, "dashboard.png"), fullPage: true, animations: "disabled" });
  });

  it("pages the job list with Load more", async () => {
    const other = `e2e-pages-${randomUUID().slice(0, 8)}`;
    const client = new JobClient({ baseUrl, getHeaders: () => ({ "X-User-Id": other }) });
    for (let i = 0; i < 22; i++) {
      await client.createJob({ jobType: "echo", parameters: { i } });
    }
    await page.getByTestId("user-id").fill(other);
    await page.getByTestId("user-id").press("Enter");
    await page.getByTestId("job-panel").waitFor({ state: "hidden" });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="job-row"]').length === 20);
    const loadMore = page.getByTestId("load-more");
    expect(await loadMore.isVisible()).toBe(true);
    await loadMore.click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="job-row"]').length === 22);
    expect(await loadMore.isVisible()).toBe(false);
    // The oldest job is last.
    const last = page.getByTestId("job-row").last();
    await last.click();
    await waitForDetailStatus("completed");
    expect(JSON.parse((await page.getByTestId("detail-params").textContent()) ?? "")).toEqual({ i: 0 });
  });

  it("raised no script errors", () => {
    expect(pageErrors).toEqual([]);
  });
});
