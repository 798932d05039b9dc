// The Ops view in headless Chromium against a real dev server whose admin
// is inject("adminUser"): every owner's jobs with filters and paging; an
// admin creates a flaky job that fails for good, finds it in the DLQ view,
// dry-runs and then redrives it with a reason and watches it complete, its
// timeline showing the redrive with the admin's name and reason; one job
// redriven from its row and all of a type; a cancel with a reason; the
// queue statistics and charts with data; the view at 390x844 in light and
// dark; and a user who is not an admin sees no Ops view and gets 404 from
// the admin API. Screenshots of each view go to test-artifacts/.

import { randomUUID } from "node:crypto";

import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

import { AdminClient, JobClient } from "@jobline/client";

import { DESKTOP, PHONE, createJob, launch, openTab, pageWidth, screenshot, waitForDetailStatus, type Screen, type Tab } from "./browser.js";

const baseUrl = inject("baseUrl");
const adminUser = inject("adminUser");
const run = randomUUID().slice(0, 8);
const alice = `ops-alice-${run}`;
const pager = `ops-pager-${run}`;
const REASON = `e2e: storage fixed (${run})`;

const admin = new AdminClient({ baseUrl: `${baseUrl}/api`, getHeaders: () => ({ "X-User-Id": adminUser }) });
const aliceClient = new JobClient({ baseUrl: `${baseUrl}/api`, getHeaders: () => ({ "X-User-Id": alice }) });

let browser: Browser;

/** Poll calls check every 100 ms until it resolves true, or fails after timeoutMs. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** DeadFlakyJob creates a flaky job that fails its only attempt, and waits until it is dead-lettered. */
async function deadFlakyJob(): Promise<string> {
  const job = await aliceClient.createJob({ jobType: "flaky", parameters: { failTimes: 1 }, maxAttempts: 1 });
  await until(`job ${job.id} dead-lettered`, async () => (await admin.getJob(job.id)).deadLettered);
  return job.id;
}

/** OpenOps opens an admin's tab at route and waits for the Ops view. */
async function openOps(screen: Screen, scheme: "light" | "dark", route: string): Promise<Tab> {
  const tab = await openTab(browser, baseUrl, screen, scheme, adminUser);
  await tab.page.goto(`${baseUrl}/${route}`);
  await tab.page.getByTestId("ops-view").waitFor({ state: "visible" });
  return tab;
}

/** DlqEntry is a job's entry in the DLQ view. */
function dlqEntry(page: Page, jobId: string): ReturnType<Page["locator"]> {
  return page.locator(`[data-testid="dlq-entry"][data-job-id="${jobId}"]`);
}

/** ShowDeadLetters opens the DLQ tab and refreshes it until it lists every job of jobIds. */
async function showDeadLetters(page: Page, jobIds: string[]): Promise<void> {
  await page.getByTestId("ops-tab-dlq").click();
  await page.getByTestId("ops-dlq").waitFor({ state: "visible" });
  await until("the DLQ view lists the jobs", async () => {
    await page.waitForFunction(() => !(document.getElementById("dlq-refresh") as HTMLButtonElement).disabled);
    const listed = await page.$$eval('[data-testid="dlq-entry"]', (items) => items.map((i) => (i as HTMLElement).dataset["jobId"]));
    if (jobIds.every((id) => listed.includes(id))) return true;
    await page.getByTestId("dlq-refresh").click();
    return false;
  });
}

/** RedriveResult waits for the result of a dry run (dryRun) or redrive, and returns its summary and items. */
async function redriveResult(page: Page, dryRun: boolean): Promise<{ summary: string; items: Array<{ jobId: string; action: string }> }> {
  await page.waitForFunction(
    (dry) => {
      const result = document.querySelector<HTMLElement>('[data-testid="redrive-result"]');
      const run = document.getElementById("redrive-run") as HTMLButtonElement;
      return result !== null && !result.hidden && result.dataset["dryRun"] === String(dry) && !run.disabled;
    },
    dryRun,
  );
  return page.evaluate(() => ({
    summary: document.querySelector('[data-testid="redrive-summary"]')?.textContent ?? "",
    items: Array.from(document.querySelectorAll<HTMLElement>('[data-testid="redrive-item"]'), (row) => ({
      jobId: row.dataset["jobId"] ?? "",
      action: row.dataset["action"] ?? "",
    })),
  }));
}

/** Timeline reads the job page's timeline entries. */
function timeline(page: Page): Promise<Array<{ kind: string; title: string; by: string; detail: string }>> {
  return page.$$eval('[data-testid="timeline-entry"]', (items) =>
    items.map((item) => ({
      kind: (item as HTMLElement).dataset["kind"] ?? "",
      title: item.querySelector('[data-testid="timeline-title"]')?.textContent ?? "",
      by: (item as HTMLElement).dataset["by"] ?? "",
      detail: item.querySelector('[data-testid="timeline-detail"]')?.textContent ?? "",
    })),
  );
}

/** OpsRows reads the All jobs table's rows. */
function opsRows(page: Page): Promise<Array<{ id: string; owner: string; status: string; type: string }>> {
  return page.$$eval('[data-testid="ops-job-row"]', (rows) =>
    rows.map((r) => {
      const d = (r as HTMLElement).dataset;
      return { id: d["jobId"] ?? "", owner: d["owner"] ?? "", status: d["status"] ?? "", type: d["jobType"] ?? "" };
    }),
  );
}

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
});

describe("the Ops view at 1280x800, as an admin", () => {
  let tab: Tab;
  let page: Page;
  const flaky: string[] = [];
  const pagerJobs: string[] = [];
  let created: string;

  beforeAll(async () => {
    // A page and a bit of one owner's jobs, then alice's that failed for good.
    const pagerClient = new JobClient({ baseUrl: `${baseUrl}/api`, getHeaders: () => ({ "X-User-Id": pager }) });
    for (let i = 0; i < 21; i++) pagerJobs.push((await pagerClient.createJob({ jobType: "echo", parameters: { i } })).id);
    for (let i = 0; i < 3; i++) flaky.push(await deadFlakyJob());
    tab = await openTab(browser, baseUrl, DESKTOP, "light", adminUser);
    page = tab.page;
  });

  it("offers the Ops view to an admin, at #ops", async () => {
    await page.waitForSelector('html[data-admin="true"]');
    expect(await page.getByTestId("nav-ops").isVisible()).toBe(true);
    expect(await page.getByTestId("nav-mine").getAttribute("aria-current")).toBe("page");
    await page.getByTestId("nav-ops").click();
    await page.getByTestId("ops-view").waitFor({ state: "visible" });
    expect(await page.evaluate(() => location.hash)).toBe("#ops");
    expect(await page.getByTestId("nav-ops").getAttribute("aria-current")).toBe("page");
    expect(await page.getByTestId("ops-tab-jobs").getAttribute("aria-current")).toBe("page");
    expect(await page.locator("#user-view").isVisible()).toBe(false);
  });

  it("lists every owner's jobs, filtered by owner, status and type, and pages them", async () => {
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="ops-job-row"]').length === 20);
    expect(new Set((await opsRows(page)).map((r) => r.owner)).size).toBeGreaterThan(1);

    await page.getByTestId("ops-filter-owner").fill(pager);
    await page.getByTestId("ops-filter-owner").press("Enter");
    await until("only the pager's jobs", async () => {
      const rows = await opsRows(page);
      return rows.length === 20 && rows.every((r) => r.owner === pager);
    });
    expect(await page.getByTestId("ops-load-more").isVisible()).toBe(true);
    await page.getByTestId("ops-load-more").click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="ops-job-row"]').length === 21);
    expect(await page.getByTestId("ops-load-more").isVisible()).toBe(false);
    // Newest first.
    expect((await opsRows(page)).map((r) => r.id)).toEqual([...pagerJobs].reverse());

    await page.getByTestId("ops-filter-owner").fill(alice);
    await page.getByTestId("ops-filter-owner").press("Enter");
    await page.getByTestId("ops-filter-status").selectOption("failed");
    await until("alice's failed jobs", async () => {
      const rows = await opsRows(page);
      return rows.length === 3 && rows.every((r) => r.owner === alice && r.status === "failed" && r.type === "flaky");
    });
    expect((await opsRows(page)).map((r) => r.id).sort()).toEqual([...flaky].sort());
    expect(await page.locator('[data-testid="ops-job-row"] [data-testid="ops-row-status"]').first().textContent()).toBe("failed, DLQ");

    await page.getByTestId("ops-filter-type").selectOption("echo");
    await page.getByTestId("ops-jobs-empty").waitFor({ state: "visible" });
    expect(await page.getByTestId("ops-jobs-empty").textContent()).toBe("No jobs match these filters.");

    await page.getByTestId("ops-filter-type").selectOption("");
    await page.getByTestId("ops-filter-status").selectOption("");
    await page.getByTestId("ops-filter-owner").fill("");
    await page.getByTestId("ops-filter-owner").press("Enter");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="ops-job-row"]').length === 20);
  });

  it("lets an admin dry-run, then redrive with a reason, a job that failed for good, and watch it complete", async () => {
    // The admin's own job, from the New job form: a flaky job whose only attempt fails.
    await page.getByTestId("nav-mine").click();
    await page.locator("#user-view").waitFor({ state: "visible" });
    created = await createJob(page, "flaky", '{"failTimes": 1}', 1);
    await waitForDetailStatus(page, "failed");

    await page.getByTestId("nav-ops").click();
    await showDeadLetters(page, [created, flaky[0]!]);
    // Select two jobs: one with the mouse, one from the keyboard.
    await dlqEntry(page, created).getByTestId("dlq-select").check();
    await dlqEntry(page, flaky[0]!).getByTestId("dlq-select").focus();
    await page.keyboard.press("Space");
    expect(await page.getByTestId("redrive-selected-label").textContent()).toBe("the selected jobs (2)");
    await page.getByTestId("redrive-reason").fill(REASON);

    await page.getByTestId("redrive-dry-run").click();
    const dry = await redriveResult(page, true);
    expect(dry.summary).toBe("Dry run: 2 jobs would be redriven. Nothing changed.");
    expect(dry.items.sort((a, b) => a.jobId.localeCompare(b.jobId))).toEqual(
      [created, flaky[0]!].sort().map((jobId) => ({ jobId, action: "would-redrive" })),
    );
    expect(await page.locator('[data-testid="redrive-action"]').first().textContent()).toBe("would redrive");
    // Nothing changed: both are still failed and listed.
    expect((await admin.getJob(created)).status).toBe("failed");
    expect(await dlqEntry(page, created).count()).toBe(1);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, "ops-dlq-1280x800-light");

    await page.getByTestId("redrive-run").click();
    const done = await redriveResult(page, false);
    expect(done.summary).toBe("2 jobs redriven.");
    expect(done.items.map((i) => i.action)).toEqual(["redriven", "redriven"]);
    await dlqEntry(page, created).waitFor({ state: "detached" });
    expect(await dlqEntry(page, flaky[0]!).count()).toBe(0);

    // Follow it from the result to its page, where it completes.
    await page.locator(`[data-testid="redrive-item"][data-job-id="${created}"] [data-testid="redrive-open-job"]`).click();
    await page.getByTestId("ops-job").waitFor({ state: "visible" });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("ops-job-title");
    await page.waitForFunction(() => document.querySelector('[data-testid="ops-job-status"]')?.textContent === "completed", null, {
      timeout: 30_000,
    });
    expect(await page.getByTestId("ops-job-owner").textContent()).toBe(adminUser);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="timeline-entry"]').length === 3);
    const entries = await timeline(page);
    expect(entries.map((e) => [e.kind, e.title, e.by])).toEqual([
      ["attempt", "Attempt 1: failed", ""],
      ["redrive", `Redriven by ${adminUser}`, adminUser],
      ["attempt", "Attempt 1: completed", ""],
    ]);
    expect(entries[0]?.detail).toBe("flaky: attempt 1 fails (failTimes 1)");
    expect(entries[1]?.detail).toBe(`Reason: ${REASON}`);
    expect(await page.getByTestId("ops-job-actions").isVisible()).toBe(false);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, "ops-job-1280x800-light");

    // The other one completes too, with the same reason in its history.
    await until("the selected flaky job completes", async () => (await admin.getJob(flaky[0]!)).status === "completed");
    expect((await admin.getJob(flaky[0]!)).redrives).toEqual([expect.objectContaining({ by: adminUser, reason: REASON })]);
  });

  it("goes back to the list from a job's page with the focus on its row", async () => {
    await page.getByTestId("ops-job-back").click();
    await page.getByTestId("ops-jobs").waitFor({ state: "visible" });
    expect(await page.evaluate(() => document.activeElement?.closest("tr")?.dataset["jobId"] ?? document.activeElement?.id)).toMatch(
      new RegExp(`^(${created}|ops-jobs-title)$`),
    );
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, "ops-jobs-1280x800-light");
  });

  it("redrives one job from its row's button", async () => {
    await showDeadLetters(page, [flaky[1]!]);
    await page.getByTestId("redrive-reason").fill("");
    await dlqEntry(page, flaky[1]!).getByTestId("dlq-redrive-one").click();
    const done = await redriveResult(page, false);
    expect(done).toEqual({ summary: "1 job redriven.", items: [{ jobId: flaky[1]!, action: "redriven" }] });
    await until("the row's job completes", async () => (await admin.getJob(flaky[1]!)).status === "completed");
    // Without a reason the server records its default.
    expect((await admin.getJob(flaky[1]!)).redrives).toEqual([expect.objectContaining({ by: adminUser, reason: "operator redrive" })]);
  });

  it("dry-runs and redrives all dead-lettered jobs of a type", async () => {
    await showDeadLetters(page, [flaky[2]!]);
    await page.getByTestId("redrive-scope-all").check();
    expect(await page.getByTestId("redrive-type").isEnabled()).toBe(true);
    await page.getByTestId("redrive-type").selectOption("flaky");
    await page.getByTestId("redrive-reason").fill("e2e: all of a type");
    await page.getByTestId("redrive-dry-run").click();
    const dry = await redriveResult(page, true);
    expect(dry.items).toContainEqual({ jobId: flaky[2]!, action: "would-redrive" });
    const types = await page.$$eval('[data-testid="redrive-item"] [data-testid="redrive-open-job"]', (links) => links.map((l) => l.textContent ?? ""));
    expect(types.every((t) => t.startsWith("flaky "))).toBe(true);
    expect((await admin.getJob(flaky[2]!)).status).toBe("failed");

    await page.getByTestId("redrive-run").click();
    const done = await redriveResult(page, false);
    expect(done.items).toContainEqual({ jobId: flaky[2]!, action: "redriven" });
    await until("the type's job completes", async () => (await admin.getJob(flaky[2]!)).status === "completed");
    await page.getByTestId("redrive-scope-selected").check();
  });

  it("redrives a dead-lettered job from its page, with a reason", async () => {
    const jobId = await deadFlakyJob();
    await page.goto(`${baseUrl}/#ops/jobs/${encodeURIComponent(jobId)}`);
    await page.getByTestId("ops-redrive-job").waitFor({ state: "visible" });
    expect(await page.getByTestId("ops-cancel-job").isVisible()).toBe(false);
    expect(await page.getByTestId("ops-job-dead").textContent()).toMatch(/^yes/);
    await page.getByTestId("ops-job-reason").fill("e2e: from the job's page");
    await page.getByTestId("ops-job-reason").press("Enter");
    await page.waitForFunction(() => document.querySelector('[data-testid="ops-job-status"]')?.textContent === "completed");
    await page.waitForFunction(() => document.querySelector('[data-testid="timeline-entry"][data-kind="redrive"]') !== null);
    expect((await timeline(page)).find((e) => e.kind === "redrive")?.detail).toBe("Reason: e2e: from the job's page");
    expect(await page.getByTestId("ops-job-actions").isVisible()).toBe(false);
    expect(await page.getByTestId("live-status").textContent()).toBe("1 job redriven.");
  });

  it("cancels any owner's running job with a reason, kept in its timeline", async () => {
    const job = await aliceClient.createJob({ jobType: "sleep", parameters: { seconds: 30 } });
    await page.goto(`${baseUrl}/#ops/jobs/${encodeURIComponent(job.id)}`);
    await page.waitForFunction(() => document.querySelector('[data-testid="ops-job-status"]')?.textContent === "processing");
    expect(await page.getByTestId("ops-job-owner").textContent()).toBe(alice);
    await page.getByTestId("ops-job-reason").fill("e2e: customer asked");
    await page.getByTestId("ops-cancel-job").click();
    await page.waitForFunction(() => document.querySelector('[data-testid="ops-job-status"]')?.textContent === "canceled");
    await page.waitForFunction(() => document.querySelector('[data-testid="timeline-entry"][data-kind="cancel"]') !== null);
    const cancel = (await timeline(page)).find((e) => e.kind === "cancel");
    expect(cancel).toEqual({ kind: "cancel", title: `Canceled by ${adminUser}`, by: adminUser, detail: "Reason: e2e: customer asked" });
    expect(await page.getByTestId("ops-job-actions").isVisible()).toBe(false);
    expect((await aliceClient.getJob(job.id)).status).toBe("canceled");
  });

  it("shows the queues' statistics and the last hour's charts with data", async () => {
    await page.getByTestId("ops-tab-queues").click();
    await page.getByTestId("ops-queues").waitFor({ state: "visible" });
    await page.waitForSelector('[data-testid="queue-row"][data-role="dead-letter"]');
    const queues = await page.$$eval('[data-testid="queue-row"]', (rows) =>
      rows.map((r) => ({
        role: (r as HTMLElement).dataset["role"],
        counts: ["visible", "inFlight", "delayed", "total"].map((k) => r.querySelector(`[data-testid="queue-${k}"]`)?.textContent ?? ""),
        oldest: r.querySelector('[data-testid="queue-oldest"]')?.textContent ?? "",
      })),
    );
    expect(queues.map((q) => q.role)).toContain("jobs");
    expect(queues.at(-1)?.role).toBe("dead-letter");
    for (const q of queues) {
      expect(q.counts.every((c) => /^\d+$/.test(c))).toBe(true);
      expect(q.oldest).toMatch(/^(—|\d+ (s|min|h)( \d+ min)?)$/);
    }

    const chart = page.locator('[data-testid="chart"][data-job-type="flaky"]');
    await chart.waitFor({ state: "visible" });
    expect(await chart.getByTestId("chart-totals").textContent()).toMatch(/^\d+ created · [1-9]\d* done · [1-9]\d* failed · [1-9]\d* dead-lettered/);
    expect(await chart.locator('[data-testid="bars-done"] rect').count()).toBeGreaterThan(0);
    expect(await chart.locator('[data-testid="bars-failed"] rect').count()).toBeGreaterThan(0);
    const label = await chart.locator("svg").evaluate((svg) =>
      (svg.getAttribute("aria-labelledby") ?? "")
        .split(" ")
        .map((id) => document.getElementById(id)?.textContent ?? "")
        .join(" "),
    );
    expect(await chart.locator("svg").getAttribute("role")).toBe("img");
    expect(label).toMatch(/^flaky: jobs done \(up\) and failed \(down\) per minute, last 60 minutes .*\d+ jobs? done/);
    const table = await chart.getByTestId("chart-table").evaluate((t: HTMLTableElement) =>
      Array.from(t.tBodies[0]!.rows, (row) => Array.from(row.cells, (c) => c.textContent ?? "")),
    );
    const sum = (col: number): number => table.reduce((n, row) => n + Number(row[col]), 0);
    expect(sum(1)).toBeGreaterThanOrEqual(4);
    expect(sum(2)).toBeGreaterThanOrEqual(4);
    expect(await page.locator('[data-testid="chart"][data-job-type="sleep"]').count()).toBe(1);
    await page.evaluate(() => window.scrollTo(0, 0));
    expect(await pageWidth(page)).toMatchObject({ document: DESKTOP.width });
    await screenshot(page, "ops-queues-1280x800-light");
    await page.emulateMedia({ colorScheme: "dark" });
    await screenshot(page, "ops-queues-1280x800-dark");
    await page.emulateMedia({ colorScheme: "light" });
  });

  it("hides the Ops view when the user id changes to someone who is not an admin", async () => {
    await page.getByTestId("user-id").fill(`not-admin-${run}`);
    await page.getByTestId("user-id").press("Enter");
    await page.waitForSelector('html[data-admin="false"]');
    expect(await page.getByTestId("ops-view").isVisible()).toBe(false);
    expect(await page.getByTestId("nav-ops").isVisible()).toBe(false);
    expect(await page.locator("#user-view").isVisible()).toBe(true);
  });

  it("logged no console errors and raised no script errors", () => {
    expect(tab.errors).toEqual([]);
  });
});

describe.each(["light", "dark"] as const)("the Ops view at 390x844, %s", (scheme) => {
  let tab: Tab;
  let page: Page;
  let jobId: string;

  beforeAll(async () => {
    jobId = await deadFlakyJob();
    tab = await openOps(PHONE, scheme, "#ops");
    page = tab.page;
  });

  afterAll(async () => {
    // Leave the DLQ as found: the job completes once redriven.
    await admin.redrive({ jobIds: [jobId], reason: "e2e: phone cleanup" });
  });

  it("shows all jobs within the screen", async () => {
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="ops-job-row"]').length > 0);
    expect((await pageWidth(page)).document).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, `ops-jobs-390x844-${scheme}`);
  });

  it("shows the DLQ with a dry run's result within the screen", async () => {
    await showDeadLetters(page, [jobId]);
    await dlqEntry(page, jobId).getByTestId("dlq-select").check();
    await page.getByTestId("redrive-reason").fill("a reason typed on a phone");
    // Enter in the form is a dry run, never the real redrive.
    await page.getByTestId("redrive-reason").press("Enter");
    const dry = await redriveResult(page, true);
    expect(dry.items).toEqual([{ jobId, action: "would-redrive" }]);
    expect((await pageWidth(page)).document).toBeLessThanOrEqual(PHONE.width);
    await page.getByTestId("redrive-form").scrollIntoViewIfNeeded();
    await screenshot(page, `ops-dlq-390x844-${scheme}`);
  });

  it("shows a job's page within the screen", async () => {
    await dlqEntry(page, jobId).getByTestId("dlq-open-job").click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="timeline-entry"]').length > 0);
    expect(await page.getByTestId("ops-job-error").textContent()).toBe("flaky: attempt 1 fails (failTimes 1)");
    expect((await pageWidth(page)).document).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, `ops-job-390x844-${scheme}`);
  });

  it("shows the queues and charts within the screen", async () => {
    await page.getByTestId("ops-tab-queues").click();
    await page.locator('[data-testid="chart"]').first().waitFor({ state: "visible" });
    await page.waitForSelector('[data-testid="queue-row"]');
    expect((await pageWidth(page)).document).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, `ops-queues-390x844-${scheme}`);
  });

  it("logged no console errors and raised no script errors", () => {
    expect(tab.errors).toEqual([]);
  });
});

describe("a user who is not an admin", () => {
  const nobody = `not-an-admin-${run}`;
  let tab: Tab;

  beforeAll(async () => {
    tab = await openTab(browser, baseUrl, DESKTOP, "light", nobody);
    await tab.page.goto(`${baseUrl}/#ops`);
    await tab.page.reload();
    await tab.page.waitForSelector('html[data-admin="false"]');
  });

  it("sees no Ops link or view, even at #ops: their own jobs instead", async () => {
    const page = tab.page;
    expect(await page.evaluate(() => location.hash)).toBe("#ops");
    expect(await page.getByTestId("views-nav").isVisible()).toBe(false);
    expect(await page.getByTestId("nav-ops").isVisible()).toBe(false);
    expect(await page.getByTestId("ops-view").isVisible()).toBe(false);
    expect(await page.locator("#user-view").isVisible()).toBe(true);
    expect(await page.getByTestId("job-list").isVisible()).toBe(true);
  });

  it("gets 404 not_found from the admin API, as for a route that does not exist", async () => {
    // From Node, not the page: Chromium would log each 404 as a console error.
    const answers: Array<{ status: number; body: unknown }> = [];
    for (const path of ["/api/admin/jobs", "/api/admin/me", "/api/admin/dlq"]) {
      const response = await fetch(`${baseUrl}${path}`, { headers: { "X-User-Id": nobody } });
      answers.push({ status: response.status, body: await response.json() });
    }
    expect(answers).toEqual([
      { status: 404, body: { error: { code: "not_found", message: "no such route: /admin/jobs" } } },
      { status: 404, body: { error: { code: "not_found", message: "no such route: /admin/me" } } },
      { status: 404, body: { error: { code: "not_found", message: "no such route: /admin/dlq" } } },
    ]);
    await expect(new AdminClient({ baseUrl: `${baseUrl}/api`, getHeaders: () => ({ "X-User-Id": nobody }) }).listJobs()).rejects.toMatchObject({
      status: 404,
      code: "not_found",
    });
  });

  it("logged no console errors and raised no script errors", () => {
    expect(tab.errors).toEqual([]);
  });
});
