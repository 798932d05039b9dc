// How the Ops view words what the admin API returns: ages, durations, a
// job's timeline, redrive actions and results. Pure functions, so that the
// unit tests check them without a browser.

import type { AdminJobDetail, Attempt, AttemptOutcome, RedriveAction, RedriveRequest, RedriveResult } from "@jobline/client";

/** Plural is "1 job", "2 jobs". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * FormatAge shows an age in seconds as a person reads it: "45 s",
 * "12 min", "3 h 5 min", "2 d 4 h"; "—" when unknown.
 */
export function formatAge(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return "—";
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

/** FormatDuration shows milliseconds between two events: "850 ms", "2.5 s", then as FormatAge. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  return formatAge(ms / 1000);
}

/** FormatClock shows an API time as the reader's local time of day with seconds; "—" for none. */
export function formatClock(value: string | null): string {
  if (value === null) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** FormatMinute shows an API time as the reader's local hour and minute; "—" for none. */
export function formatMinute(value: string | null): string {
  if (value === null) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

/** TimelineEntry is one line of a job's timeline in the Ops view. */
export interface TimelineEntry {
  /** At is when it happened (an attempt's start). */
  at: string;
  kind: "attempt" | "redrive" | "cancel";
  /** Title says what happened: "Attempt 2: completed", "Redriven by ops". */
  title: string;
  /** Outcome is an attempt's outcome, null for the operators' events. */
  outcome: AttemptOutcome | null;
  /** By is who redrove or canceled, null for attempts. */
  by: string | null;
  /** Detail is an attempt's error or an operator's reason ("" when none). */
  detail: string;
  /** Took is an ended attempt's duration ("" otherwise). */
  took: string;
}

const OUTCOME_WORDS: Record<AttemptOutcome, string> = {
  running: "running",
  completed: "completed",
  partial: "partial",
  failed: "failed",
  retry: "failed, will retry",
  interrupted: "interrupted (shutdown)",
  "lease-expired": "lease expired (the worker stopped)",
  canceled: "canceled",
};

/**
 * TimelineEntries is a job's timeline as the Ops view lists it, oldest
 * first: each attempt (from the job's attempts: number, outcome, duration,
 * error) where its start is in the history, and each redrive and cancel
 * with who and why. The history's order is kept: on a fast server a
 * redrive and the attempt it causes share a millisecond, so times alone
 * cannot order them.
 */
export function timelineEntries(job: Pick<AdminJobDetail, "timeline" | "attempts">): TimelineEntry[] {
  const attempts = [...job.attempts];
  const entries: TimelineEntry[] = [];
  for (const event of job.timeline) {
    switch (event.type) {
      case "attempt-started": {
        const attempt = attempts.shift();
        if (attempt !== undefined) entries.push(attemptEntry(attempt));
        break;
      }
      case "redrive":
      case "cancel":
        entries.push({
          at: event.at,
          kind: event.type,
          title: `${event.type === "redrive" ? "Redriven" : "Canceled"} by ${event.by ?? "?"}`,
          outcome: null,
          by: event.by,
          detail: event.detail ?? "",
          took: "",
        });
        break;
      default:
        // attempt-ended: its attempt's entry says how it ended.
        break;
    }
  }
  // Attempts whose start the history no longer holds (it should); shown, not lost.
  entries.push(...attempts.map(attemptEntry));
  return entries;
}

/** AttemptEntry is one attempt's timeline entry. */
function attemptEntry(a: Attempt): TimelineEntry {
  return {
    at: a.startedAt,
    kind: "attempt",
    title: `Attempt ${a.attempt}: ${OUTCOME_WORDS[a.outcome] ?? a.outcome}`,
    outcome: a.outcome,
    by: null,
    detail: a.error ?? "",
    took: a.endedAt === null ? "" : formatDuration(Date.parse(a.endedAt) - Date.parse(a.startedAt)),
  };
}

/** ActionLabel words a redrive action: "would redrive", "removed stale message". */
export function actionLabel(action: RedriveAction): string {
  switch (action) {
    case "redriven":
      return "redriven";
    case "would-redrive":
      return "would redrive";
    case "removed-stale":
      return "removed stale message";
    case "would-remove-stale":
      return "would remove stale message";
    case "skipped":
      return "skipped";
    case "not-found":
      return "not found";
    default:
      return String(action).replaceAll("-", " ");
  }
}

/**
 * RedriveSummary is one sentence on a redrive's result: how many jobs were
 * (or, on a dry run, would be) redriven, then the rest by action.
 */
export function redriveSummary(result: RedriveResult): string {
  const counts = new Map<RedriveAction, number>();
  for (const item of result.items) counts.set(item.action, (counts.get(item.action) ?? 0) + 1);
  const others: string[] = [];
  const stale = (counts.get("removed-stale") ?? 0) + (counts.get("would-remove-stale") ?? 0);
  if (stale > 0) others.push(`${plural(stale, "stale message")} ${result.dryRun ? "would be removed" : "removed"}`);
  const skipped = counts.get("skipped") ?? 0;
  if (skipped > 0) others.push(`${skipped} skipped`);
  if (result.notFound > 0) others.push(`${result.notFound} not found`);
  const head = result.dryRun
    ? `Dry run: ${plural(result.redriven, "job")} would be redriven`
    : `${plural(result.redriven, "job")} redriven`;
  const tail = result.dryRun ? " Nothing changed." : "";
  if (result.items.length === 0) return result.dryRun ? "Dry run: nothing to redrive. Nothing changed." : "Nothing to redrive.";
  return `${head}${others.length > 0 ? `; ${others.join(", ")}` : ""}.${tail}`;
}

/** MAX_REASON_BYTES is the longest reason the admin API keeps (UTF-8 bytes). */
export const MAX_REASON_BYTES = 256;

/** ReasonProblem says why the API would refuse an operator's reason, or null when it would not. */
export function reasonProblem(reason: string): string | null {
  const bytes = new TextEncoder().encode(reason).length;
  if (bytes <= MAX_REASON_BYTES) return null;
  return `The reason is ${bytes} bytes long; at most ${MAX_REASON_BYTES} are kept. Shorten it.`;
}

/** RedriveScope is what the redrive form runs: the selected jobs, or all dead-lettered jobs (of a type). */
export type RedriveScope = { kind: "selected"; jobIds: string[] } | { kind: "all"; jobType: string };

/** MAX_REDRIVE_SELECTION is the most jobs one redrive of a selection may name (the API's limit). */
export const MAX_REDRIVE_SELECTION = 100;

/**
 * BuildRedriveRequest is the body of POST /admin/dlq/redrive for the form,
 * or why the form cannot be sent. An empty reason is left out (the server
 * records its default); an empty type means every type.
 */
export function buildRedriveRequest(
  scope: RedriveScope,
  reason: string,
  dryRun: boolean,
): { ok: true; request: RedriveRequest } | { ok: false; problem: string } {
  const problem = reasonProblem(reason.trim());
  if (problem !== null) return { ok: false, problem };
  let request: RedriveRequest;
  if (scope.kind === "selected") {
    if (scope.jobIds.length === 0) return { ok: false, problem: "Select jobs in the list first, or choose all dead-lettered jobs." };
    if (scope.jobIds.length > MAX_REDRIVE_SELECTION) {
      return { ok: false, problem: `Select at most ${MAX_REDRIVE_SELECTION} jobs at a time (${scope.jobIds.length} are selected), or choose all.` };
    }
    request = { jobIds: [...scope.jobIds] };
  } else {
    request = { all: true };
    if (scope.jobType !== "") request.jobType = scope.jobType;
  }
  if (reason.trim() !== "") request.reason = reason.trim();
  if (dryRun) request.dryRun = true;
  return { ok: true, request };
}
