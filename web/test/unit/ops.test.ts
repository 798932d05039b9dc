// The Ops view's logic without a browser: its routes, how it words ages,
// timelines and redrive results, the redrive request its form builds, and
// the charts' numbers (sums per type, the round scale, the bars).

import { describe, expect, it } from "vitest";

import type { AdminJobDetail, AdminMetrics, JobEvent, MetricSeries, RedriveItem, RedriveResult } from "../../client/src/index.js";
import { MIN_BAR, activityByType, bars, niceCeiling, peak } from "../../dashboard/src/chart.js";
import {
  actionLabel,
  buildRedriveRequest,
  formatAge,
  formatDuration,
  plural,
  reasonProblem,
  redriveSummary,
  timelineEntries,
} from "../../dashboard/src/opsformat.js";
import { opsHash, opsJobHash, parseOpsRoute } from "../../dashboard/src/opsroute.js";

describe("the Ops view's routes", () => {
  it.each([
    { hash: "#ops", want: { tab: "jobs", jobId: null } },
    { hash: "#ops/", want: { tab: "jobs", jobId: null } },
    { hash: "#ops/dlq", want: { tab: "dlq", jobId: null } },
    { hash: "#ops/queues", want: { tab: "queues", jobId: null } },
    { hash: "#ops/nonsense", want: { tab: "jobs", jobId: null } },
    { hash: "#ops/jobs/abc", want: { tab: "jobs", jobId: "abc" } },
    { hash: "#ops/jobs/a%2Fb%20c", want: { tab: "jobs", jobId: "a/b c" } },
    { hash: "#ops/jobs/%E0%A4%A", want: { tab: "jobs", jobId: "%E0%A4%A" } },
  ])("reads $hash", ({ hash, want }) => {
    expect(parseOpsRoute(hash)).toEqual(want);
  });

  it.each(["", "#", "#/jobs/abc", "#opsx", "#operations", "#/ops"])("leaves %j to the user's dashboard", (hash) => {
    expect(parseOpsRoute(hash)).toBeNull();
  });

  it("writes routes that read back", () => {
    expect(opsHash("jobs")).toBe("#ops");
    expect(opsHash("dlq")).toBe("#ops/dlq");
    for (const id of ["plain", "a/b?c#d e"]) {
      expect(parseOpsRoute(opsJobHash(id))).toEqual({ tab: "jobs", jobId: id });
    }
  });
});

describe("formatting", () => {
  it.each([
    { seconds: null, want: "—" },
    { seconds: -1, want: "—" },
    { seconds: Number.NaN, want: "—" },
    { seconds: 0, want: "0 s" },
    { seconds: 59.9, want: "59 s" },
    { seconds: 60, want: "1 min" },
    { seconds: 3599, want: "59 min" },
    { seconds: 3600, want: "1 h" },
    { seconds: 3600 + 5 * 60 + 9, want: "1 h 5 min" },
    { seconds: 86_400, want: "1 d" },
    { seconds: 2 * 86_400 + 4 * 3600 + 59, want: "2 d 4 h" },
  ])("formatAge($seconds) is $want", ({ seconds, want }) => {
    expect(formatAge(seconds)).toBe(want);
  });

  it.each([
    { ms: 0, want: "0 ms" },
    { ms: 849.6, want: "850 ms" },
    { ms: 2500, want: "2.5 s" },
    { ms: 12_400, want: "12 s" },
    { ms: 125_000, want: "2 min" },
    { ms: -5, want: "—" },
  ])("formatDuration($ms) is $want", ({ ms, want }) => {
    expect(formatDuration(ms)).toBe(want);
  });

  it("counts in words", () => {
    expect(plural(0, "job")).toBe("0 jobs");
    expect(plural(1, "job")).toBe("1 job");
    expect(plural(2, "entry", "entries")).toBe("2 entries");
  });

  it("measures a reason in UTF-8 bytes, as the API does", () => {
    expect(reasonProblem("")).toBeNull();
    expect(reasonProblem("a".repeat(256))).toBeNull();
    expect(reasonProblem("a".repeat(257))).toMatch(/257 bytes.*at most 256/);
    // 86 three-byte characters are 258 bytes but only 86 UTF-16 units.
    expect(reasonProblem("€".repeat(86))).toMatch(/258 bytes/);
  });
});

describe("a job's timeline", () => {
  const t = (s: number): string => new Date(Date.UTC(2030, 0, 1, 10, 0, s)).toISOString();
  const event = (type: JobEvent["type"], at: string, extra: Partial<JobEvent> = {}): JobEvent => ({
    at,
    type,
    attempt: null,
    outcome: null,
    detail: null,
    by: null,
    ...extra,
  });

  it("lists attempts and the operators' events in the history's order, with who and why", () => {
    // A redrive and the attempt it causes in the same millisecond: the history's order decides.
    const job: Pick<AdminJobDetail, "timeline" | "attempts"> = {
      attempts: [
        { attempt: 1, startedAt: t(0), endedAt: "2030-01-01T10:00:01.500Z", outcome: "failed", error: "boom" },
        { attempt: 1, startedAt: t(5), endedAt: null, outcome: "running", error: null },
      ],
      timeline: [
        event("attempt-started", t(0)),
        event("attempt-ended", "2030-01-01T10:00:01.500Z", { attempt: 1, outcome: "failed", detail: "boom" }),
        event("redrive", t(5), { by: "ops", detail: "storage fixed" }),
        event("attempt-started", t(5)),
      ],
    };
    expect(timelineEntries(job)).toEqual([
      { at: t(0), kind: "attempt", title: "Attempt 1: failed", outcome: "failed", by: null, detail: "boom", took: "1.5 s" },
      { at: t(5), kind: "redrive", title: "Redriven by ops", outcome: null, by: "ops", detail: "storage fixed", took: "" },
      { at: t(5), kind: "attempt", title: "Attempt 1: running", outcome: "running", by: null, detail: "", took: "" },
    ]);
  });

  it("shows a cancel of a queued job, a reason-less event, and attempts the history lost", () => {
    const entries = timelineEntries({
      attempts: [{ attempt: 2, startedAt: t(1), endedAt: t(2), outcome: "canceled", error: null }],
      timeline: [event("cancel", t(3), { by: "alice" }), event("redrive", t(4), { by: "dead-letter queue" })],
    });
    expect(entries.map((e) => [e.kind, e.title, e.detail])).toEqual([
      ["cancel", "Canceled by alice", ""],
      ["redrive", "Redriven by dead-letter queue", ""],
      ["attempt", "Attempt 2: canceled", ""],
    ]);
  });

  it("words every outcome", () => {
    const outcomes = ["running", "completed", "partial", "failed", "retry", "interrupted", "lease-expired", "canceled"] as const;
    const titles = timelineEntries({
      attempts: outcomes.map((outcome, i) => ({ attempt: i + 1, startedAt: t(i), endedAt: null, outcome, error: null })),
      timeline: outcomes.map((_, i) => event("attempt-started", t(i))),
    }).map((e) => e.title);
    expect(titles).toEqual([
      "Attempt 1: running",
      "Attempt 2: completed",
      "Attempt 3: partial",
      "Attempt 4: failed",
      "Attempt 5: failed, will retry",
      "Attempt 6: interrupted (shutdown)",
      "Attempt 7: lease expired (the worker stopped)",
      "Attempt 8: canceled",
    ]);
  });
});

describe("the redrive form", () => {
  it("sends a selection with the reason trimmed, and a dry run as such", () => {
    expect(buildRedriveRequest({ kind: "selected", jobIds: ["a", "b"] }, "  fixed (INC-1) ", true)).toEqual({
      ok: true,
      request: { jobIds: ["a", "b"], reason: "fixed (INC-1)", dryRun: true },
    });
    expect(buildRedriveRequest({ kind: "selected", jobIds: ["a"] }, "", false)).toEqual({ ok: true, request: { jobIds: ["a"] } });
  });

  it("sends all, of a type when one is chosen", () => {
    expect(buildRedriveRequest({ kind: "all", jobType: "" }, "", true)).toEqual({ ok: true, request: { all: true, dryRun: true } });
    expect(buildRedriveRequest({ kind: "all", jobType: "flaky" }, "why", false)).toEqual({
      ok: true,
      request: { all: true, jobType: "flaky", reason: "why" },
    });
  });

  it("refuses an empty or oversized selection and a long reason", () => {
    expect(buildRedriveRequest({ kind: "selected", jobIds: [] }, "", true)).toMatchObject({ ok: false, problem: /Select jobs/ });
    const many = Array.from({ length: 101 }, (_, i) => `j${i}`);
    expect(buildRedriveRequest({ kind: "selected", jobIds: many }, "", true)).toMatchObject({ ok: false, problem: /at most 100/ });
    expect(buildRedriveRequest({ kind: "all", jobType: "" }, "x".repeat(300), true)).toMatchObject({ ok: false, problem: /300 bytes/ });
  });
});

describe("a redrive's result", () => {
  const item = (action: RedriveItem["action"], jobId = "j"): RedriveItem => ({
    messageId: "m",
    jobId,
    jobType: "flaky",
    owner: "alice",
    status: "failed",
    error: "boom",
    attempt: 1,
    maxAttempts: 1,
    deadLettered: true,
    createdAt: null,
    updatedAt: null,
    ageSeconds: 5,
    problem: null,
    action,
    detail: null,
  });
  const result = (dryRun: boolean, items: RedriveItem[], notFound = 0): RedriveResult => ({
    dryRun,
    redriven: items.filter((i) => i.action === "redriven" || i.action === "would-redrive").length,
    notFound,
    items,
  });

  it("words each action", () => {
    expect(actionLabel("would-redrive")).toBe("would redrive");
    expect(actionLabel("would-remove-stale")).toBe("would remove stale message");
    expect(actionLabel("removed-stale")).toBe("removed stale message");
    expect(actionLabel("not-found")).toBe("not found");
    expect(actionLabel("redriven")).toBe("redriven");
    expect(actionLabel("skipped")).toBe("skipped");
  });

  it("sums up a dry run and a redrive", () => {
    expect(redriveSummary(result(true, [item("would-redrive"), item("would-redrive")]))).toBe(
      "Dry run: 2 jobs would be redriven. Nothing changed.",
    );
    expect(redriveSummary(result(false, [item("redriven")]))).toBe("1 job redriven.");
    expect(redriveSummary(result(true, [item("would-redrive"), item("would-remove-stale"), item("skipped"), item("not-found")], 1))).toBe(
      "Dry run: 1 job would be redriven; 1 stale message would be removed, 1 skipped, 1 not found. Nothing changed.",
    );
    expect(redriveSummary(result(false, [item("removed-stale"), item("removed-stale")]))).toBe("0 jobs redriven; 2 stale messages removed.");
    expect(redriveSummary(result(true, []))).toBe("Dry run: nothing to redrive. Nothing changed.");
    expect(redriveSummary(result(false, []))).toBe("Nothing to redrive.");
  });
});

describe("the charts' numbers", () => {
  const timestamps = ["2030-01-01T10:00:00Z", "2030-01-01T10:01:00Z", "2030-01-01T10:02:00Z"];
  const series = (jobType: string, metric: MetricSeries["metric"], values: Array<number | null>): MetricSeries => ({
    jobType,
    metric,
    stat: metric === "RunTime" || metric === "QueueWait" ? "Average" : "Sum",
    unit: metric === "RunTime" || metric === "QueueWait" ? "Milliseconds" : "Count",
    values,
  });
  const report: AdminMetrics = {
    start: timestamps[0]!,
    end: "2030-01-01T10:03:00Z",
    stepSeconds: 60,
    timestamps,
    series: [
      series("report", "JobsCreated", [2, 0, 1]),
      series("report", "JobsCompleted", [1, 0, 1]),
      series("report", "JobsPartial", [0, 1, 0]),
      series("report", "JobsFailed", [0, 0, 1]),
      series("report", "RunTime", [1500, null, 900]),
      series("flaky", "JobsCreated", [1, 0, 0]),
      series("flaky", "JobsFailed", [1, null, 0]),
      series("flaky", "JobsDeadLettered", [1, 0, 0]),
      series("flaky", "JobsRetried", [0, 3, 0]),
      series("idle", "JobsCreated", [0, 0, 0]),
      series("idle", "RunTime", [null, null, 12]),
    ],
  };

  it("sums completed and partial as done, per type in name order, leaving out idle types", () => {
    expect(activityByType(report)).toEqual([
      {
        jobType: "flaky",
        done: [0, 0, 0],
        failed: [1, 0, 0],
        totals: { created: 1, done: 0, failed: 1, deadLettered: 1, retried: 3, canceled: 0 },
      },
      {
        jobType: "report",
        done: [1, 1, 1],
        failed: [0, 0, 1],
        totals: { created: 3, done: 3, failed: 1, deadLettered: 0, retried: 0, canceled: 0 },
      },
    ]);
  });

  it("has no charts for an empty report", () => {
    expect(activityByType({ ...report, series: [] })).toEqual([]);
  });

  it.each([
    { max: 0, want: 1 },
    { max: 0.4, want: 1 },
    { max: 1, want: 1 },
    { max: 1.5, want: 2 },
    { max: 3, want: 5 },
    { max: 5, want: 5 },
    { max: 7, want: 10 },
    { max: 10, want: 10 },
    { max: 11, want: 20 },
    { max: 26, want: 50 },
    { max: 99, want: 100 },
    { max: 120, want: 200 },
    { max: 4321, want: 5000 },
  ])("rounds a peak of $max up to a scale of $want", ({ max, want }) => {
    expect(niceCeiling(max)).toBe(want);
  });

  it("places bars up or down from the baseline, in proportion, skipping zeros", () => {
    const up = bars([0, 5, 10, 2.5], { width: 400, baseline: 50, room: 40, scale: 10, direction: "up" });
    expect(up).toEqual([
      { index: 1, value: 5, x: 110, y: 30, width: 80, height: 20 },
      { index: 2, value: 10, x: 210, y: 10, width: 80, height: 40 },
      { index: 3, value: 2.5, x: 310, y: 40, width: 80, height: 10 },
    ]);
    const down = bars([4, 0], { width: 100, baseline: 50, room: 40, scale: 5, direction: "down" });
    expect(down).toEqual([{ index: 0, value: 4, x: 5, y: 50, width: 40, height: 32 }]);
  });

  it("keeps a tiny value visible and a value over the scale inside the plot", () => {
    const [tiny, over] = bars([1, 50], { width: 20, baseline: 50, room: 40, scale: 500, direction: "up" });
    expect(tiny?.height).toBe(MIN_BAR);
    expect(over?.height).toBeCloseTo(4);
    const [clipped] = bars([12], { width: 10, baseline: 50, room: 40, scale: 10, direction: "down" });
    expect(clipped?.height).toBe(40);
    expect(bars([], { width: 10, baseline: 0, room: 1, scale: 1, direction: "up" })).toEqual([]);
  });

  it("finds a series' peak", () => {
    expect(peak([])).toBe(0);
    expect(peak([0, 3, 1])).toBe(3);
  });
});
