// The dashboard on a phone (390x844), light and dark, against a real dev
// server: never wider than the screen (with long ids, results and error
// messages on it), the job page brought into view when opened, screenshots.

import { randomUUID } from "node:crypto";

import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

import { JobClient } from "@jobline/client";

import { PHONE, createJob, detailInView, launch, openTab, pageWidth, screenshot, waitForDetailStatus, type Tab } from "./browser.js";

const baseUrl = inject("baseUrl");
const userId = `phone-${randomUUID()}`;

let browser: Browser;
const tabs: Tab[] = [];

beforeAll(async () => {
  browser = await launch();
  // Jobs of every kind, with long parameters, results and errors, made
  // through the API so that the list is full before the page opens.
  const client = new JobClient({ baseUrl: `${baseUrl}/api`, getHeaders: () => ({ "X-User-Id": userId }) });
  const long = "a-rather-long-value-without-any-spaces-".repeat(4);
  await client.createJob({ jobType: "echo", parameters: { note: long, nested: { list: [long, long] } } });
  await client.createJob({ jobType: "report", parameters: { rows: 2 } });
  const failing = await client.createJob({ jobType: "fail", maxAttempts: 1 });
  await client.pollJob(failing.jobId, { intervalMs: 100 }).catch(() => undefined);
});

afterAll(async () => {
  await browser?.close();
});

describe.each(["light", "dark"] as const)("dashboard at 390x844, %s", (scheme) => {
  let tab: Tab;

  beforeAll(async () => {
    tab = await openTab(browser, baseUrl, PHONE, scheme, userId);
    tabs.push(tab);
    await tab.page.waitForFunction(() => document.querySelectorAll('[data-testid="job-row"]').length >= 3);
  });

  it("is no wider than the screen with the list", async () => {
    const width = await pageWidth(tab.page);
    expect(width.viewport).toBe(PHONE.width);
    expect(width.document).toBeLessThanOrEqual(PHONE.width);
    expect(width.body).toBeLessThanOrEqual(PHONE.width);
  });

  it("brings a job opened from the list into view, focused, and stays within the screen", async () => {
    const page = tab.page;
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.locator('[data-testid="job-row"][data-job-type="echo"] [data-testid="open-job"]').click();
    await waitForDetailStatus(page, "completed");
    const view = await detailInView(page);
    expect(view.focused).toBe("detail-title");
    expect(view.top).toBeGreaterThanOrEqual(0);
    expect(view.top).toBeLessThan(view.viewport / 4);
    expect((await pageWidth(page)).document).toBeLessThanOrEqual(PHONE.width);

    await page.locator('[data-testid="job-row"][data-job-type="fail"] [data-testid="open-job"]').click();
    await waitForDetailStatus(page, "failed");
    await page.getByTestId("detail-error").waitFor({ state: "visible" });
    expect((await pageWidth(page)).document).toBeLessThanOrEqual(PHONE.width);
  });

  it("creates a job from the form and brings it into view", async () => {
    const page = tab.page;
    await page.evaluate(() => window.scrollTo(0, 0));
    await createJob(page, "sleep", '{"seconds": 1}');
    await waitForDetailStatus(page, "completed");
    const view = await detailInView(page);
    expect(view.focused).toBe("detail-title");
    expect(view.top).toBeLessThan(view.viewport / 4);
    expect((await pageWidth(page)).document).toBeLessThanOrEqual(PHONE.width);
    expect(await page.getByTestId("live-status").textContent()).toMatch(/is completed\.$/);
  });

  it("saves screenshots of the list and of a job", async () => {
    const page = tab.page;
    await page.goto(`${baseUrl}/#`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="job-row"]').length >= 4);
    await page.evaluate(() => document.getElementById("jobs-title")?.scrollIntoView());
    await screenshot(page, `dashboard-390x844-${scheme}`);
    await page.locator('[data-testid="job-row"][data-job-type="report"] [data-testid="open-job"]').click();
    await page.getByTestId("asset-link").waitFor({ state: "visible" });
    await screenshot(page, `dashboard-390x844-${scheme}-job`);
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(background).toBe(scheme === "dark" ? "rgb(16, 19, 24)" : "rgb(244, 245, 247)");
  });

  it("logged no console errors and raised no script errors", () => {
    expect(tab.errors).toEqual([]);
  });
});
