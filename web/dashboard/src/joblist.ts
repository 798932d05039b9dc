// The My jobs list: the user's jobs newest first, filtered by status and
// type on the server, refreshed while any of them runs, paged with Load
// more.

import { JOB_STATUSES, isFinalStatus, type Job, type JobClient, type JobStatus, type JobType } from "@jobline/client";

import { element, option } from "./dom.js";
import { describeError, formatTime, shortId } from "./format.js";

const PAGE_SIZE = 20;
/** How often the list refreshes while some job in it is still running, and otherwise. */
const ACTIVE_REFRESH_MS = 1000;
const IDLE_REFRESH_MS = 5000;

/** SetProgress updates a progress bar element (role=progressbar with a .bar child). */
export function setProgress(bar: HTMLElement, job: Job): void {
  const value = Math.max(0, Math.min(100, Math.round(job.progress)));
  bar.setAttribute("aria-valuenow", String(value));
  bar.className = `progress ${job.status}`;
  const fill = bar.querySelector<HTMLElement>(".bar");
  if (fill !== null) fill.style.width = `${value}%`;
}

/** StatusBadge shows a job's status in a badge. */
export function statusBadge(badge: HTMLElement, job: Job): void {
  badge.textContent = job.status;
  badge.className = `status ${job.status}`;
  badge.dataset["status"] = job.status;
}

/** JobList runs the list of the user's jobs. */
export class JobList {
  private jobs: Job[] = [];
  private nextCursor: string | null = null;
  private selectedId: string | null = null;
  private listAbort: AbortController | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;

  private readonly rows = element<HTMLTableSectionElement>("job-rows");
  private readonly emptyNote = element("jobs-empty");
  private readonly listError = element("list-error");
  private readonly loadMore = element<HTMLButtonElement>("load-more");
  private readonly statusFilter = element<HTMLSelectElement>("filter-status");
  private readonly typeFilter = element<HTMLSelectElement>("filter-type");

  constructor(private readonly client: JobClient) {}

  /** Start wires the controls and reads the first page. */
  start(): void {
    this.statusFilter.append(...JOB_STATUSES.map((s) => option(s, s)));
    this.statusFilter.addEventListener("change", () => this.reset());
    this.typeFilter.addEventListener("change", () => this.reset());
    element("refresh").addEventListener("click", () => void this.refresh());
    this.loadMore.addEventListener("click", () => void this.loadNextPage());
    void this.refresh();
  }

  /** SetJobTypes offers the job types in the type filter. */
  setJobTypes(types: JobType[]): void {
    this.typeFilter.append(...types.map((t) => option(t.name, t.name)));
  }

  /** Reset forgets the jobs shown (another user, other filters) and reads again. */
  reset(): void {
    this.jobs = [];
    this.nextCursor = null;
    this.render();
    void this.refresh();
  }

  /** Select marks the job shown in the detail. */
  select(jobId: string | null): void {
    this.selectedId = jobId;
    this.render();
  }

  /** Upsert shows a job's latest state (from the detail's poll or a create). */
  upsert(job: Job): void {
    const index = this.jobs.findIndex((known) => known.id === job.id);
    if (index >= 0) {
      this.jobs[index] = job;
    } else if (this.matches(job)) {
      this.jobs.unshift(job);
    }
    this.render();
  }

  /** OpenLink returns the link that opens a job, for focus to return to. */
  openLink(jobId: string): HTMLAnchorElement | null {
    return this.rows.querySelector<HTMLAnchorElement>(`tr[data-job-id="${CSS.escape(jobId)}"] a`);
  }

  /** Refresh re-reads the first pages (as many jobs as are shown) and schedules the next refresh. */
  async refresh(): Promise<void> {
    const abort = this.takeListTurn();
    try {
      const limit = Math.min(100, Math.max(PAGE_SIZE, this.jobs.length));
      const page = await this.client.listJobs({ ...this.filters(), limit, signal: abort.signal });
      this.jobs = page.jobs;
      this.nextCursor = page.nextCursor;
      this.listError.hidden = true;
      this.render();
    } catch (err) {
      if (abort.signal.aborted) return;
      this.showError(`Could not load jobs: ${describeError(err)}`);
    }
    this.scheduleRefresh(abort);
  }

  private filters(): { status?: JobStatus; jobType?: string } {
    const out: { status?: JobStatus; jobType?: string } = {};
    if (this.statusFilter.value !== "") out.status = this.statusFilter.value as JobStatus;
    if (this.typeFilter.value !== "") out.jobType = this.typeFilter.value;
    return out;
  }

  private matches(job: Job): boolean {
    const { status, jobType } = this.filters();
    return (status === undefined || job.status === status) && (jobType === undefined || job.jobType === jobType);
  }

  /**
   * TakeListTurn stops the pending refresh and any list read in flight, so
   * that an older answer (for example one page shorter, or of other
   * filters) cannot overwrite a newer one; it returns the new read's.
   */
  private takeListTurn(): AbortController {
    if (this.refreshTimer !== null) {
      clearTimeout(this.refreshTimer);
      this.refreshTimer = null;
    }
    this.listAbort?.abort();
    const abort = new AbortController();
    this.listAbort = abort;
    return abort;
  }

  /** ScheduleRefresh plans the next refresh, sooner while some job runs. */
  private scheduleRefresh(turn: AbortController): void {
    if (this.listAbort !== turn) return;
    const active = this.jobs.some((job) => !isFinalStatus(job.status));
    this.refreshTimer = setTimeout(() => void this.refresh(), active ? ACTIVE_REFRESH_MS : IDLE_REFRESH_MS);
  }

  private async loadNextPage(): Promise<void> {
    if (this.nextCursor === null) return;
    const abort = this.takeListTurn();
    try {
      const page = await this.client.listJobs({ ...this.filters(), limit: PAGE_SIZE, cursor: this.nextCursor, signal: abort.signal });
      const known = new Set(this.jobs.map((job) => job.id));
      this.jobs.push(...page.jobs.filter((job) => !known.has(job.id)));
      this.nextCursor = page.nextCursor;
      this.render();
    } catch (err) {
      if (abort.signal.aborted) return;
      this.showError(`Could not load more jobs: ${describeError(err)}`);
    }
    this.scheduleRefresh(abort);
  }

  private showError(message: string): void {
    this.listError.hidden = false;
    this.listError.textContent = message;
  }

  private render(): void {
    const fragment = document.createDocumentFragment();
    for (const job of this.jobs) {
      fragment.append(this.renderRow(job));
    }
    // Keep keyboard focus on the link it was on across a refresh.
    const focusedId = (document.activeElement as HTMLElement | null)?.closest<HTMLElement>("#job-rows tr")?.dataset["jobId"];
    this.rows.replaceChildren(fragment);
    if (focusedId !== undefined) this.openLink(focusedId)?.focus({ preventScroll: true });
    const filtered = this.statusFilter.value !== "" || this.typeFilter.value !== "";
    this.emptyNote.hidden = this.jobs.length > 0;
    this.emptyNote.textContent = filtered ? "No jobs match these filters." : "No jobs yet: create one.";
    this.loadMore.hidden = this.nextCursor === null;
  }

  private renderRow(job: Job): HTMLTableRowElement {
    const row = document.createElement("tr");
    row.dataset["testid"] = "job-row";
    row.dataset["jobId"] = job.id;
    row.dataset["jobType"] = job.jobType;
    row.dataset["status"] = job.status;
    if (job.id === this.selectedId) row.classList.add("selected");
    // The row is a large click target; the link is the keyboard's.
    row.addEventListener("click", (event) => {
      if ((event.target as HTMLElement).closest("a") === null) location.hash = jobHash(job.id);
    });

    const type = document.createElement("td");
    const link = document.createElement("a");
    link.href = jobHash(job.id);
    link.textContent = job.jobType;
    link.dataset["testid"] = "open-job";
    link.setAttribute("aria-label", `${job.jobType} job ${shortId(job.id)}, ${job.status}`);
    if (job.id === this.selectedId) link.setAttribute("aria-current", "true");
    type.append(link);

    const status = document.createElement("td");
    const badge = document.createElement("span");
    badge.dataset["testid"] = "job-status";
    statusBadge(badge, job);
    if (job.errorMessage !== null) badge.title = job.errorMessage;
    status.append(badge);

    const progress = document.createElement("td");
    progress.append(progressBar(job, `progress of ${job.jobType} job`, "job-progress"));

    const created = document.createElement("td");
    created.className = "col-created";
    created.textContent = formatTime(job.createdAt);

    const id = document.createElement("td");
    id.className = "col-id id";
    id.textContent = job.id;

    row.append(type, status, progress, created, id);
    return row;
  }
}

/** JobHash is the route of a job's detail. */
export function jobHash(jobId: string): string {
  return `#/jobs/${encodeURIComponent(jobId)}`;
}

/** ProgressBar makes a job's progress bar. */
function progressBar(job: Job, label: string, testid: string): HTMLElement {
  const bar = document.createElement("div");
  bar.dataset["testid"] = testid;
  bar.setAttribute("role", "progressbar");
  bar.setAttribute("aria-valuemin", "0");
  bar.setAttribute("aria-valuemax", "100");
  bar.setAttribute("aria-label", label);
  const fill = document.createElement("div");
  fill.className = "bar";
  bar.append(fill);
  setProgress(bar, job);
  return bar;
}
