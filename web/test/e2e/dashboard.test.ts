// The dashboard in headless Chromium at 1280x800 against a real dev server:
// the form built from GET /job-types, a sleep job followed to completed, a
// report downloaded, a failure shown, a running job canceled, the status
// and type filters, the keyboard path, paging, dark mode, no console errors.

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";

import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

import { JobClient } from "@jobline/client";

import { DESKTOP, createJob, detailInView, launch, openTab, pageWidth, screenshot, waitForDetailStatus, type Tab } from "./browser.js";

const baseUrl = inject("baseUrl");
const userId = `e2e-${randomUUID().slice(0, 8)}`;

let browser: Browser;
let tab: Tab;
let page: Page;

beforeAll(async () => {
  browser = await launch();
  tab = await openTab(browser, baseUrl, DESKTOP, "light", userId);
  page = tab.page;
  await page.getByTestId("jobs-empty").waitFor({ state: "visible" });
});

afterAll(async () => {
  await browser?.close();
});

function row(jobId: string): ReturnType<Page["locator"]> {
  return page.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`);
}

function visibleRows(): Promise<Array<{ type: string; status: string }>> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('[data-testid="job-row"]'), (r) => ({
      type: r.dataset["jobType"] ?? "",
      status: r.dataset["status"] ?? "",
    })),
  );
}

describe("dashboard at 1280x800", () => {
  it("uses the user id kept in localStorage", async () => {
    expect(await page.getByTestId("user-id").inputValue()).toBe(userId);
  });

  it("builds the create form from the server's job types", async () => {
    const types = await page.getByTestId("job-type").evaluate((select: HTMLSelectElement) => Array.from(select.options, (o) => o.value));
    expect(types).toEqual(["echo", "fail", "flaky", "partial", "report", "sleep"]);

    await page.getByTestId("job-type").selectOption("sleep");
    expect(await page.getByTestId("job-type-help").textContent()).toMatch(/^Sleeps for a number of seconds.*Parameters: seconds \(number\)/);
    const seconds = page.locator('[data-testid="param-field"][data-param="seconds"]');
    expect(await seconds.inputValue()).toBe("1");
    expect(JSON.parse(await page.getByTestId("job-params").inputValue())).toEqual({ seconds: 1 });

    // A field writes the JSON; the JSON writes the field.
    await seconds.fill("4");
    expect(JSON.parse(await page.getByTestId("job-params").inputValue())).toEqual({ seconds: 4 });
    await page.getByTestId("job-params").fill('{"seconds": 7}');
    expect(await seconds.inputValue()).toBe("7");

    // A type that takes any object has no fields.
    await page.getByTestId("job-type").selectOption("echo");
    expect(await page.getByTestId("param-fields").isVisible()).toBe(false);
    expect(await page.getByTestId("job-params").inputValue()).toBe("{}");
  });

  it("rejects parameters that are not a JSON object", async () => {
    await page.getByTestId("job-type").selectOption("echo");
    await page.getByTestId("job-params").fill("[1, 2");
    expect(await page.getByTestId("params-error").isVisible()).toBe(true);
    expect(await page.getByTestId("params-error").textContent()).toMatch(/Not valid JSON/);
    await page.getByTestId("create-job").click();
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => location.hash)).toBe("");
    expect(await page.getByTestId("job-row").count()).toBe(0);

    await page.getByTestId("job-params").fill('["an array"]');
    expect(await page.getByTestId("params-error").textContent()).toMatch(/must be a JSON object/);
  });

  it("creates a sleep job, brings its page into view with the focus, and follows it to 100% and completed", async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    const jobId = await createJob(page, "sleep", '{"seconds": 4}');
    await page.getByTestId("job-panel").waitFor({ state: "visible" });
    expect(await page.getByTestId("detail-id").textContent()).toBe(jobId);
    const view = await detailInView(page);
    expect(view.focused).toBe("detail-title");
    expect(view.top).toBeGreaterThanOrEqual(0);
    expect(view.top).toBeLessThan(view.viewport / 4);
    expect(await page.getByTestId("live-status").getAttribute("aria-live")).toBe("polite");

    // Sample the bar and the live region while the job runs: the bar must
    // move through values between 0 and 100, never backwards, and end at
    // 100; the live region says each status once.
    const seen: number[] = [];
    const said: string[] = [];
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { value, status, live } = await page.evaluate(() => ({
        value: Number(document.querySelector('[data-testid="detail-progress"]')?.getAttribute("aria-valuenow")),
        status: document.querySelector('[data-testid="detail-status"]')?.textContent ?? "",
        live: document.querySelector('[data-testid="live-status"]')?.textContent ?? "",
      }));
      if (seen.at(-1) !== value) seen.push(value);
      if (said.at(-1) !== live) said.push(live);
      if (status === "completed") break;
      if (Date.now() > deadline) throw new Error(`sleep job still ${status} at ${value}%`);
      await page.waitForTimeout(100);
    }
    expect(seen.at(-1)).toBe(100);
    expect(seen.some((v) => v > 0 && v < 100)).toBe(true);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(said.some((text) => /^Created sleep job \S+: (queued|processing), \d+%\.$/.test(text))).toBe(true);
    expect(said.at(-1)).toMatch(/^sleep job \S+ is completed\.$/);
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
    const jobId = await createJob(page, "report", '{"rows": 3}');
    await waitForDetailStatus(page, "completed");
    const link = page.getByTestId("asset-link");
    await link.waitFor({ state: "visible" });
    expect(await link.textContent()).toBe("report.csv");

    // Open it again from the list, as a user coming back would.
    await page.goto(`${baseUrl}/#`);
    await row(jobId).getByTestId("open-job").click();
    await waitForDetailStatus(page, "completed");
    await link.waitFor({ state: "visible" });

    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toBe("report.csv");
    expect(readFileSync(await download.path(), "utf8")).toBe("row,square\n1,1\n2,4\n3,9\n");
  });

  it("shows a fail job ending failed with its error", async () => {
    await createJob(page, "fail", "{}", 2);
    await waitForDetailStatus(page, "failed", 60_000);
    const error = page.getByTestId("detail-error");
    await error.waitFor({ state: "visible" });
    expect((await error.textContent())?.trim()).not.toBe("");
    expect(await page.getByTestId("detail-attempt").textContent()).toBe("2 / 2");
    expect(await page.getByTestId("cancel-job").isVisible()).toBe(false);
  });

  it("cancels a running job", async () => {
    const jobId = await createJob(page, "sleep", '{"seconds": 30}');
    await waitForDetailStatus(page, "processing");
    const cancel = page.getByTestId("cancel-job");
    expect(await cancel.isVisible()).toBe(true);
    await cancel.click();
    await waitForDetailStatus(page, "canceled", 10_000);
    expect(await cancel.isVisible()).toBe(false);
    await page.waitForFunction(
      (id) => document.querySelector(`[data-testid="job-row"][data-job-id="${id}"] [data-testid="job-status"]`)?.textContent === "canceled",
      jobId,
      { timeout: 10_000 },
    );
  });

  it("filters the list by status and by type", async () => {
    // So far: sleep completed, report completed, fail failed, sleep canceled.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="job-row"]').length === 4);
    const typeOptions = await page.getByTestId("filter-type").evaluate((s: HTMLSelectElement) => Array.from(s.options, (o) => o.value));
    expect(typeOptions).toEqual(["", "echo", "fail", "flaky", "partial", "report", "sleep"]);

    await page.getByTestId("filter-status").selectOption("completed");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="job-row"]').length === 2);
    expect((await visibleRows()).every((r) => r.status === "completed")).toBe(true);

    await page.getByTestId("filter-type").selectOption("sleep");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="job-row"]').length === 1);
    expect(await visibleRows()).toEqual([{ type: "sleep", status: "completed" }]);

    await page.getByTestId("filter-status").selectOption("failed");
    await page.getByTestId("jobs-empty").waitFor({ state: "visible" });
    expect(await page.getByTestId("jobs-empty").textContent()).toBe("No jobs match these filters.");

    await page.getByTestId("filter-status").selectOption("");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="job-row"]').length === 2);
    expect((await visibleRows()).every((r) => r.type === "sleep")).toBe(true);
    await page.getByTestId("filter-type").selectOption("");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="job-row"]').length === 4);
  });

  it("works from the keyboard: a row's link opens the job with the focus on it, Close gives it back", async () => {
    await page.goto(`${baseUrl}/#`);
    await page.getByTestId("job-row").first().waitFor();
    const firstId = await page.getByTestId("job-row").first().getAttribute("data-job-id");
    // Tab from the status filter: the type filter, Refresh?, then the first row's link.
    await page.getByTestId("filter-type").focus();
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset["testid"])).toBe("open-job");
    await page.keyboard.press("Enter");
    await page.getByTestId("job-panel").waitFor({ state: "visible" });
    expect(await page.getByTestId("detail-id").textContent()).toBe(firstId);
    const view = await detailInView(page);
    expect(view.focused).toBe("detail-title");
    expect(view.top).toBeGreaterThanOrEqual(0);
    expect(view.top).toBeLessThan(view.viewport / 4);

    // From the heading, Tab reaches Close; Enter closes and the focus goes back to the row.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset["testid"])).toBe("close-job");
    await page.keyboard.press("Enter");
    await page.getByTestId("job-panel").waitFor({ state: "hidden" });
    expect(await page.evaluate(() => document.activeElement?.closest("tr")?.dataset["jobId"])).toBe(firstId);
  });

  it("saves screenshots in light and dark, and follows the colour scheme", async () => {
    const reportRow = page.locator('[data-testid="job-row"][data-job-type="report"]').first();
    await reportRow.getByTestId("open-job").click();
    await waitForDetailStatus(page, "completed");
    await page.getByTestId("asset-link").waitFor({ state: "visible" });
    await page.evaluate(() => window.scrollTo(0, 0));
    expect(await pageWidth(page)).toMatchObject({ document: DESKTOP.width, viewport: DESKTOP.width });
    const light = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    await screenshot(page, "dashboard-1280x800-light");

    await page.emulateMedia({ colorScheme: "dark" });
    const dark = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    await screenshot(page, "dashboard-1280x800-dark");
    await page.emulateMedia({ colorScheme: "light" });
    expect(light).toBe("rgb(244, 245, 247)");
    expect(dark).toBe("rgb(16, 19, 24)");
  });

  it("pages the job list with Load more, and keeps the user id it is given", async () => {
    const other = `e2e-pages-${randomUUID().slice(0, 8)}`;
    const client = new JobClient({ baseUrl: `${baseUrl}/api`, getHeaders: () => ({ "X-User-Id": other }) });
    for (let i = 0; i < 22; i++) {
      await client.createJob({ jobType: "echo", parameters: { i } });
    }
    await page.getByTestId("user-id").fill(other);
    await page.getByTestId("user-id").press("Enter");
    await page.getByTestId("job-panel").waitFor({ state: "hidden" });
    expect(await page.evaluate(() => localStorage.getItem("jobline.userId"))).toBe(other);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="job-row"]').length === 20);
    const loadMore = page.getByTestId("load-more");
    expect(await loadMore.isVisible()).toBe(true);
    await loadMore.click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="job-row"]').length === 22);
    expect(await loadMore.isVisible()).toBe(false);
    // The oldest job is last.
    await page.getByTestId("job-row").last().click();
    await waitForDetailStatus(page, "completed");
    expect(JSON.parse((await page.getByTestId("detail-params").textContent()) ?? "")).toEqual({ i: 0 });
  });

  it("logged no console errors and raised no script errors", () => {
    expect(tab.errors).toEqual([]);
  });
});
