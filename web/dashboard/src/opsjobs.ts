// The Ops view's All jobs: every owner's jobs newest first, filtered by
// status, type and owner on the server, paged with Load more, refreshed
// while shown (every second while a job in it runs).

import { JOB_STATUSES, isFinalStatus, type AdminClient, type AdminJob, type AdminListJobsOptions, type JobStatus, type JobType } from "@jobline/client";

import { element, option } from "./dom.js";
import { describeError, formatTime, shortId } from "./format.js";
import { statusBadge } from "./joblist.js";
import { opsJobHash } from "./opsroute.js";
import { Refresher } from "./refresher.js";

const PAGE_SIZE = 20;
/** The server's largest page: a refresh rereads at most this many jobs. */
const MAX_PAGE = 100;
const ACTIVE_REFRESH_MS = 1000;
const IDLE_REFRESH_MS = 5000;

/** OpsJobs runs the All jobs table. */
export class OpsJobs {
  private jobs: AdminJob[] = [];
  private nextCursor: string | null = null;
  /** WantMore asks the next load for the page after the last one, instead of a refresh. */
  private wantMore = false;
  private readonly refresher = new Refresher((signal) => this.load(signal));

  private readonly section = element("ops-jobs");
  private readonly rows = element<HTMLTableSectionElement>("ops-job-rows");
  private readonly emptyNote = element("ops-jobs-empty");
  private readonly listError = element("ops-jobs-error");
  private readonly loadMore = element<HTMLButtonElement>("ops-load-more");
  private readonly statusFilter = element<HTMLSelectElement>("ops-filter-status");
  private readonly typeFilter = element<HTMLSelectElement>("ops-filter-type");
  private readonly ownerFilter = element<HTMLInputElement>("ops-filter-owner");

  constructor(private readonly admin: AdminClient) {
    this.statusFilter.append(...JOB_STATUSES.map((s) => option(s, s)));
    this.statusFilter.addEventListener("change", () => this.reset());
    this.typeFilter.addEventListener("change", () => this.reset());
    // The owner applies on Enter or when the field is left (change), not per key.
    this.ownerFilter.addEventListener("change", () => this.reset());
    element("ops-filters").addEventListener("submit", (event) => event.preventDefault());
    element("ops-jobs-refresh").addEventListener("click", () => void this.refresher.run());
    this.loadMore.addEventListener("click", () => {
      this.wantMore = true;
      void this.refresher.run();
    });
  }

  /** SetJobTypes offers the job types in the type filter. */
  setJobTypes(types: JobType[]): void {
    this.typeFilter.append(...types.map((t) => option(t.name, t.name)));
  }

  /** Show shows the table and keeps it fresh. */
  show(): void {
    this.section.hidden = false;
    void this.refresher.run();
  }

  /** Hide hides the table and stops refreshing it. */
  hide(): void {
    this.section.hidden = true;
    this.refresher.stop();
  }

  /** OpenLink is the link of a job's row, if shown. */
  openLink(jobId: string): HTMLAnchorElement | null {
    return this.rows.querySelector<HTMLAnchorElement>(`tr[data-job-id="${CSS.escape(jobId)}"] a`);
  }

  /** Reset forgets the jobs shown (other filters) and reads again. */
  private reset(): void {
    this.jobs = [];
    this.nextCursor = null;
    this.wantMore = false;
    this.render();
    void this.refresher.run();
  }

  private filters(): AdminListJobsOptions {
    const out: AdminListJobsOptions = {};
    if (this.statusFilter.value !== "") out.status = this.statusFilter.value as JobStatus;
    if (this.typeFilter.value !== "") out.jobType = this.typeFilter.value;
    const owner = this.ownerFilter.value.trim();
    if (owner !== "") out.owner = owner;
    return out;
  }

  /**
   * Load reads the page after the last one when Load more asked for it,
   * else rereads the jobs shown (as many as the pages loaded so far); it
   * plans the next refresh sooner while a job runs. Past the server's
   * largest page it stops refreshing by itself, so that the pages loaded
   * stay (Refresh rereads the first MAX_PAGE).
   */
  private async load(signal: AbortSignal): Promise<number | null> {
    const more = this.wantMore && this.nextCursor !== null;
    this.wantMore = false;
    try {
      if (more) {
        const page = await this.admin.listJobs({ ...this.filters(), limit: PAGE_SIZE, cursor: this.nextCursor, signal });
        const known = new Set(this.jobs.map((job) => job.id));
        this.jobs.push(...page.jobs.filter((job) => !known.has(job.id)));
        this.nextCursor = page.nextCursor;
      } else {
        const limit = Math.min(MAX_PAGE, Math.max(PAGE_SIZE, this.jobs.length));
        const page = await this.admin.listJobs({ ...this.filters(), limit, signal });
        this.jobs = page.jobs;
        this.nextCursor = page.nextCursor;
      }
      this.listError.hidden = true;
      this.render();
    } catch (err) {
      if (!signal.aborted) this.showError(`Could not load ${more ? "more " : ""}jobs: ${describeError(err)}`);
    }
    if (this.jobs.length > MAX_PAGE) return null;
    return this.jobs.some((job) => !isFinalStatus(job.status)) ? ACTIVE_REFRESH_MS : IDLE_REFRESH_MS;
  }

  private showError(message: string): void {
    this.listError.hidden = false;
    this.listError.textContent = message;
  }

  private render(): void {
    // Keep keyboard focus on the link it was on across a refresh.
    const focusedId = (document.activeElement as HTMLElement | null)?.closest<HTMLElement>("#ops-job-rows tr")?.dataset["jobId"];
    this.rows.replaceChildren(...this.jobs.map((job) => renderRow(job)));
    if (focusedId !== undefined) this.openLink(focusedId)?.focus({ preventScroll: true });
    const filtered = Object.keys(this.filters()).length > 0;
    this.emptyNote.hidden = this.jobs.length > 0;
    this.emptyNote.textContent = filtered ? "No jobs match these filters." : "No jobs yet.";
    this.loadMore.hidden = this.nextCursor === null;
  }
}

/** RenderRow is one job's row: its type links to its page. */
function renderRow(job: AdminJob): HTMLTableRowElement {
  const row = document.createElement("tr");
  row.dataset["testid"] = "ops-job-row";
  row.dataset["jobId"] = job.id;
  row.dataset["jobType"] = job.jobType;
  row.dataset["status"] = job.status;
  row.dataset["owner"] = job.owner;
  row.addEventListener("click", (event) => {
    if ((event.target as HTMLElement).closest("a") === null) location.hash = opsJobHash(job.id);
  });

  const type = document.createElement("td");
  const link = document.createElement("a");
  link.href = opsJobHash(job.id);
  link.textContent = job.jobType;
  link.dataset["testid"] = "ops-open-job";
  link.setAttribute("aria-label", `${job.jobType} job ${shortId(job.id)} of ${job.owner}, ${job.status}`);
  type.append(link);

  const status = document.createElement("td");
  const badge = document.createElement("span");
  statusBadge(badge, job);
  badge.dataset["testid"] = "ops-row-status";
  if (job.deadLettered) badge.textContent = `${job.status}, DLQ`;
  if (job.errorMessage !== null) badge.title = job.errorMessage;
  status.append(badge);

  const owner = document.createElement("td");
  owner.className = "owner";
  owner.textContent = job.owner;

  const attempt = document.createElement("td");
  attempt.className = "col-attempt";
  attempt.textContent = `${job.attempt} / ${job.maxAttempts}`;

  const created = document.createElement("td");
  created.className = "col-created";
  created.textContent = formatTime(job.createdAt);

  const id = document.createElement("td");
  id.className = "col-id id";
  id.textContent = job.id;

  row.append(type, status, owner, attempt, created, id);
  return row;
}
