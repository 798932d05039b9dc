// Headless Chromium for the e2e suites: Debian's /usr/bin/chromium driven
// by playwright-core, one context per screen size and colour scheme, with
// every console error and page error collected.

import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

import { artifactsDir } from "../support/paths.js";

const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

/** Launch starts Chromium headless with the flags the CI machine needs. */
export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
}

/** Screen is a viewport size. */
export interface Screen {
  width: number;
  height: number;
}

export const DESKTOP: Screen = { width: 1280, height: 800 };
export const PHONE: Screen = { width: 390, height: 844 };

/** Tab is one page in its own context, with the errors it logged. */
export interface Tab {
  context: BrowserContext;
  page: Page;
  /** Errors are the console errors and uncaught page errors so far. */
  errors: string[];
}

/** OpenTab opens a page of size screen in colorScheme, acting as userId. */
export async function openTab(browser: Browser, baseUrl: string, screen: Screen, colorScheme: "light" | "dark", userId: string): Promise<Tab> {
  const context = await browser.newContext({ viewport: screen, colorScheme, acceptDownloads: true });
  // The dashboard keeps its user id in localStorage; set it before any script runs.
  await context.addInitScript((id) => localStorage.setItem("jobline.userId", id), userId);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() !== "error" || isAdminCheck404(message.text(), message.location().url)) return;
    errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on("pageerror", (err) => errors.push(`page: ${String(err)}`));
  await page.goto(baseUrl);
  await page.waitForFunction(() => (document.getElementById("job-type") as HTMLSelectElement | null)?.options.length);
  return { context, page, errors };
}

/**
 * IsAdminCheck404 tells the one error console message that is by design:
 * the dashboard asks GET /api/admin/me whether its user is an admin, and
 * for anyone else the API answers 404, which Chromium logs.
 */
function isAdminCheck404(text: string, url: string): boolean {
  return text.includes("status of 404") && new URL(url, "http://x").pathname === "/api/admin/me";
}

/** Screenshot saves the viewport as test-artifacts/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(artifactsDir, { recursive: true });
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(artifactsDir, `${name}.png`), animations: "disabled" });
}

/** CreateJob fills the form and submits; it returns the new job's id (from the #/jobs/<id> route). */
export async function createJob(page: Page, jobType: string, parameters?: string, maxAttempts?: number): Promise<string> {
  await page.getByTestId("job-type").selectOption(jobType);
  if (parameters !== undefined) await page.getByTestId("job-params").fill(parameters);
  await page.getByTestId("max-attempts").fill(maxAttempts === undefined ? "" : String(maxAttempts));
  const before = await page.evaluate(() => location.hash);
  await page.getByTestId("create-job").click();
  await page.waitForFunction((previous) => location.hash !== previous && location.hash.startsWith("#/jobs/"), before);
  const hash = await page.evaluate(() => location.hash);
  return decodeURIComponent(hash.slice("#/jobs/".length));
}

/** WaitForDetailStatus waits until the job panel shows status. */
export async function waitForDetailStatus(page: Page, status: string, timeoutMs = 30_000): Promise<void> {
  await page.waitForFunction((want) => document.querySelector('[data-testid="detail-status"]')?.textContent === want, status, {
    timeout: timeoutMs,
  });
}

/** DetailInView tells whether the job panel's heading is on screen and has the focus. */
export function detailInView(page: Page): Promise<{ top: number; focused: string | undefined; viewport: number }> {
  return page.evaluate(() => ({
    top: document.getElementById("job-panel")!.getBoundingClientRect().top,
    focused: document.activeElement?.id,
    viewport: window.innerHeight,
  }));
}

/** PageWidth is how wide the document is, to compare with the viewport's width. */
export function pageWidth(page: Page): Promise<{ document: number; body: number; viewport: number }> {
  return page.evaluate(() => ({
    document: document.documentElement.scrollWidth,
    body: document.body.scrollWidth,
    viewport: window.innerWidth,
  }));
}
