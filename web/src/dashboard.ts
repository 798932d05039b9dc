// The dashboard: plain TypeScript over the DOM of static/index.html. It
// lists the user's jobs with live status and progress, creates jobs, and
// shows one job (#/jobs/<id>) followed live with JobClient.pollJob.

import { JobClient } from "./client.js";
import { JobApiError, JobCanceledError, JobFailedError } from "./errors.js";
import type { Asset, Job, JsonObject } from "./types.js";
import { isFinalStatus } from "./types.js";

const USER_KEY = "jobline.userId";
const DEFAULT_USER = "demo-user";
const PAGE_SIZE = 20;
/** How often the list refreshes while some job in it is still running, and otherwise. */
const ACTIVE_REFRESH_MS = 1000;
const IDLE_REFRESH_MS = 5000;

/** The demo job types the dev server registers, with example parameters. */
const JOB_TYPES: ReadonlyArray<{ type: string; help: string; parameters: JsonObject }> = [
  { type: "sleep", help: "Sleeps for `seconds` (up to 30), reporting progress.", parameters: { seconds: 5 } },
  { type: "echo", help: "Completes at once; the result is the parameters.", parameters: { message: "hello" } },
  { type: "report", help: "Writes a small CSV of `rows` rows you can download.", parameters: { rows: 5 } },
  { type: "fail", help: "Always errors; ends failed after max attempts.", parameters: {} },
  { type: "flaky", help: "Fails `failTimes` attempts, then completes.", parameters: { failTimes: 1 } },
  { type: "partial", help: "Ends partial, with done and failed items.", parameters: {} },
];

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) {
    throw new Error(`dashboard: missing element #${id}`);
  }
  return found as T;
}

function readUserId(): string {
  try {
    return localStorage.getItem(USER_KEY) ?? DEFAULT_USER;
  } catch {
    return DEFAULT_USER;
  }
}

function storeUserId(userId: string): void {
  try {
    localStorage.setItem(USER_KEY, userId);
  } catch {
    // Storage may be disabled; the field still works for this page.
  }
}

function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") {
    return crypto.randomUUID();
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function describeError(err: unknown): string {
  if (err instanceof JobApiError) {
    return `${err.message} (${err.code}, HTTP ${err.status})`;
  }
  return err instanceof Error ? err.message : String(err);
}

function formatTime(value: string | null): string {
  if (value === null) return "—";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}

function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KiB`;
  return `${(size / (1024 * 1024)).toFixed(1)} MiB`;
}

/** ParseParameters validates the textarea: it must hold a JSON object. */
export function parseParameters(text: string): { ok: true; value: JsonObject } | { ok: false; message: string } {
  if (text.trim() === "") {
    return { ok: true, value: {} };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `Not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, message: "Parameters must be a JSON object, like {\"seconds\": 5}." };
  }
  return { ok: true, value: value as JsonObject };
}

/** SetProgress updates a progress bar element (role=progressbar with a .bar child). */
function setProgress(bar: HTMLElement, job: Job): void {
  const value = Math.max(0, Math.min(100, Math.round(job.progress)));
  bar.setAttribute("aria-valuenow", String(value));
  bar.className = `progress ${job.status}`;
  const fill = bar.querySelector<HTMLElement>(".bar");
  if (fill !== null) fill.style.width = `${value}%`;
}

function statusBadge(badge: HTMLElement, job: Job): void {
  badge.textContent = job.status;
  badge.className = `status ${job.status}`;
  badge.dataset["status"] = job.status;
}

class Dashboard {
  private readonly client: JobClient;
  private userId: string;
  private jobs: Job[] = [];
  private nextCursor: string | null = null;
  private selectedId: string | null = null;
  private pollAbort: AbortController | null = null;
  private listAbort: AbortController | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;

  private readonly userInput = element<HTMLInputElement>("user-id");
  private readonly typeSelect = element<HTMLSelectElement>("job-type");
  private readonly typeHelp = element<HTMLElement>("job-type-help");
  private readonly paramsInput = element<HTMLTextAreaElement>("job-params");
  private readonly paramsError = element<HTMLElement>("params-error");
  private readonly maxAttemptsInput = element<HTMLInputElement>("max-attempts");
  private readonly priorityInput = element<HTMLInputElement>("priority");
  private readonly createForm = element<HTMLFormElement>("create-form");
  private readonly createError = element<HTMLElement>("create-error");
  private readonly rows = element<HTMLTableSectionElement>("job-rows");
  private readonly emptyNote = element<HTMLElement>("jobs-empty");
  private readonly listError = element<HTMLElement>("list-error");
  private readonly loadMore = element<HTMLButtonElement>("load-more");
  private readonly panel = element<HTMLElement>("job-panel");
  private readonly cancelButton = element<HTMLButtonElement>("cancel-job");
  private readonly detailMessage = element<HTMLElement>("detail-message");

  constructor() {
    this.userId = readUserId();
    this.client = new JobClient({ getHeaders: () => ({ "X-User-Id": this.userId }) });
  }

  start(): void {
    this.userInput.value = this.userId;
    this.userInput.addEventListener("change", () => this.changeUser());

    for (const { type } of JOB_TYPES) {
      const option = document.createElement("option");
      option.value = type;
      option.textContent = type;
      this.typeSelect.append(option);
    }
    this.typeSelect.addEventListener("change", () => this.fillExample());
    this.fillExample();
    this.paramsInput.addEventListener("input", () => this.validateParameters());
    this.createForm.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.createJob();
    });

    element<HTMLButtonElement>("refresh").addEventListener("click", () => void this.refreshList());
    this.loadMore.addEventListener("click", () => void this.loadNextPage());
    this.cancelButton.addEventListener("click", () => void this.cancelSelected());
    window.addEventListener("hashchange", () => this.route());

    this.route();
    void this.refreshList();
  }

  private changeUser(): void {
    const next = this.userInput.value.trim() || DEFAULT_USER;
    this.userInput.value = next;
    if (next === this.userId) return;
    this.userId = next;
    storeUserId(next);
    this.jobs = [];
    this.nextCursor = null;
    location.hash = "";
    this.route();
    void this.refreshList();
  }

  private fillExample(): void {
    const example = JOB_TYPES.find((t) => t.type === this.typeSelect.value);
    this.typeHelp.textContent = example?.help ?? "";
    this.paramsInput.value = JSON.stringify(example?.parameters ?? {}, null, 2);
    this.validateParameters();
  }

  private validateParameters(): JsonObject | null {
    const parsed = parseParameters(this.paramsInput.value);
    if (parsed.ok) {
      this.paramsError.hidden = true;
      this.paramsError.textContent = "";
      this.paramsInput.removeAttribute("aria-invalid");
      return parsed.value;
    }
    this.paramsError.hidden = false;
    this.paramsError.textContent = parsed.message;
    this.paramsInput.setAttribute("aria-invalid", "true");
    return null;
  }

  private async createJob(): Promise<void> {
    this.createError.hidden = true;
    const parameters = this.validateParameters();
    if (parameters === null) {
      this.paramsInput.focus();
      return;
    }
    const request: { jobType: string; parameters: JsonObject; maxAttempts?: number; priority?: number } = {
      jobType: this.typeSelect.value,
      parameters,
    };
    if (this.maxAttemptsInput.value !== "") request.maxAttempts = Number(this.maxAttemptsInput.value);
    if (this.priorityInput.value !== "") request.priority = Number(this.priorityInput.value);

    const submit = this.createForm.querySelector<HTMLButtonElement>("button[type=submit]");
    if (submit !== null) submit.disabled = true;
    try {
      const job = await this.client.createJob(request, { idempotencyKey: newIdempotencyKey() });
      this.upsert(job);
      this.renderList();
      location.hash = `#/jobs/${encodeURIComponent(job.id)}`;
    } catch (err) {
      this.createError.hidden = false;
      this.createError.textContent = describeError(err);
    } finally {
      if (submit !== null) submit.disabled = false;
    }
    void this.refreshList();
  }

  /** RefreshList re-reads the first pages (as many jobs as are shown) and schedules the next refresh. */
  private async refreshList(): Promise<void> {
    const abort = this.takeListTurn();
    const userId = this.userId;
    try {
      const limit = Math.min(100, Math.max(PAGE_SIZE, this.jobs.length));
      const page = await this.client.listJobs({ limit, signal: abort.signal });
      if (userId !== this.userId) return;
      this.jobs = page.jobs;
      this.nextCursor = page.nextCursor;
      this.listError.hidden = true;
      this.renderList();
    } catch (err) {
      if (abort.signal.aborted) return;
      this.listError.hidden = false;
      this.listError.textContent = `Could not load jobs: ${describeError(err)}`;
    }
    this.scheduleRefresh(abort);
  }

  /**
   * TakeListTurn stops the pending refresh and any list read in flight, so
   * that an older answer (for example one page shorter) cannot overwrite
   * a newer one; it returns the signal of the new read.
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
    this.refreshTimer = setTimeout(() => void this.refreshList(), active ? ACTIVE_REFRESH_MS : IDLE_REFRESH_MS);
  }

  private async loadNextPage(): Promise<void> {
    if (this.nextCursor === null) return;
    const abort = this.takeListTurn();
    const userId = this.userId;
    try {
      const page = await this.client.listJobs({ limit: PAGE_SIZE, cursor: this.nextCursor, signal: abort.signal });
      if (userId !== this.userId) return;
      const known = new Set(this.jobs.map((job) => job.id));
      this.jobs.push(...page.jobs.filter((job) => !known.has(job.id)));
      this.nextCursor = page.nextCursor;
      this.renderList();
    } catch (err) {
      if (abort.signal.aborted) return;
      this.listError.hidden = false;
      this.listError.textContent = `Could not load more jobs: ${describeError(err)}`;
    }
    this.scheduleRefresh(abort);
  }

  private upsert(job: Job): void {
    const index = this.jobs.findIndex((known) => known.id === job.id);
    if (index >= 0) {
      this.jobs[index] = job;
    } else {
      this.jobs.unshift(job);
    }
  }

  private renderList(): void {
    const fragment = document.createDocumentFragment();
    for (const job of this.jobs) {
      fragment.append(this.renderRow(job));
    }
    this.rows.replaceChildren(fragment);
    this.emptyNote.hidden = this.jobs.length > 0;
    this.loadMore.hidden = this.nextCursor === null;
  }

  private renderRow(job: Job): HTMLTableRowElement {
    const row = document.createElement("tr");
    row.dataset["testid"] = "job-row";
    row.dataset["jobId"] = job.id;
    row.dataset["jobType"] = job.jobType;
    row.dataset["status"] = job.status;
    if (job.id === this.selectedId) row.classList.add("selected");
    row.addEventListener("click", () => {
      location.hash = `#/jobs/${encodeURIComponent(job.id)}`;
    });

    const type = document.createElement("td");
    const link = document.createElement("a");
    link.href = `#/jobs/${encodeURIComponent(job.id)}`;
    link.textContent = job.jobType;
    link.dataset["testid"] = "open-job";
    type.append(link);

    const status = document.createElement("td");
    const badge = document.createElement("span");
    badge.dataset["testid"] = "job-status";
    statusBadge(badge, job);
    if (job.errorMessage !== null) badge.title = job.errorMessage;
    status.append(badge);

    const progress = document.createElement("td");
    const bar = document.createElement("div");
    bar.dataset["testid"] = "job-progress";
    bar.setAttribute("role", "progressbar");
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", "100");
    bar.setAttribute("aria-label", `progress of ${job.jobType} job`);
    const fill = document.createElement("div");
    fill.className = "bar";
    bar.append(fill);
    setProgress(bar, job);
    progress.append(bar);

    const created = document.createElement("td");
    created.textContent = formatTime(job.createdAt);

    const id = document.createElement("td");
    id.className = "id";
    id.textContent = job.id;

    row.append(type, status, progress, created, id);
    return row;
  }

  /** Route shows the job of #/jobs/<id>, or no job. */
  private route(): void {
    const match = /^#\/jobs\/(.+)$/.exec(location.hash);
    const jobId = match?.[1] !== undefined ? decodeURIComponent(match[1]) : null;
    if (jobId === this.selectedId) return;
    this.pollAbort?.abort();
    this.pollAbort = null;
    this.selectedId = jobId;
    this.renderList();
    if (jobId === null) {
      this.panel.hidden = true;
      return;
    }
    this.panel.hidden = false;
    this.clearDetail(jobId);
    void this.follow(jobId);
  }

  /** Follow polls the selected job until it ends, then loads its files. */
  private async follow(jobId: string): Promise<void> {
    const abort = new AbortController();
    this.pollAbort = abort;
    const show = (job: Job): void => {
      if (abort.signal.aborted) return;
      this.renderDetail(job);
      this.upsert(job);
      this.renderList();
    };
    let final: Job | null = null;
    try {
      final = await this.client.pollJob(jobId, { signal: abort.signal, onProgress: show });
    } catch (err) {
      if (abort.signal.aborted) return;
      if (err instanceof JobFailedError || err instanceof JobCanceledError) {
        final = err.job;
      } else {
        this.showDetailMessage(describeError(err));
        return;
      }
    }
    show(final);
    try {
      const assets = await this.client.getJobAssets(jobId, { signal: abort.signal });
      if (!abort.signal.aborted) this.renderAssets(assets);
    } catch (err) {
      if (!abort.signal.aborted) this.showDetailMessage(`Could not load files: ${describeError(err)}`);
    }
  }

  private async cancelSelected(): Promise<void> {
    const jobId = this.selectedId;
    if (jobId === null) return;
    this.cancelButton.disabled = true;
    try {
      const job = await this.client.cancelJob(jobId);
      if (jobId === this.selectedId) this.renderDetail(job);
      this.upsert(job);
      this.renderList();
    } catch (err) {
      this.showDetailMessage(`Could not cancel: ${describeError(err)}`);
      this.cancelButton.disabled = false;
    }
  }

  private showDetailMessage(message: string): void {
    this.detailMessage.hidden = false;
    this.detailMessage.textContent = message;
  }

  private clearDetail(jobId: string): void {
    element("detail-id").textContent = jobId;
    for (const id of ["detail-type", "detail-attempt", "detail-created", "detail-completed", "detail-params", "detail-result", "detail-error", "detail-progress-text"]) {
      element(id).textContent = "";
    }
    const status = element("detail-status");
    status.textContent = "loading…";
    status.className = "status";
    status.dataset["status"] = "";
    const bar = element("detail-progress");
    bar.setAttribute("aria-valuenow", "0");
    bar.className = "progress";
    const fill = bar.querySelector<HTMLElement>(".bar");
    if (fill !== null) fill.style.width = "0%";
    element("detail-error-box").hidden = true;
    element("detail-assets").replaceChildren();
    element("detail-no-assets").hidden = false;
    this.detailMessage.hidden = true;
    this.cancelButton.hidden = true;
  }

  private renderDetail(job: Job): void {
    element("detail-id").textContent = job.id;
    element("detail-type").textContent = job.jobType;
    statusBadge(element("detail-status"), job);
    setProgress(element("detail-progress"), job);
    element("detail-progress-text").textContent = `${job.progress}%`;
    element("detail-attempt").textContent = `${job.attempt} / ${job.maxAttempts}`;
    element("detail-created").textContent = formatTime(job.createdAt);
    element("detail-completed").textContent = formatTime(job.completedAt);
    element("detail-params").textContent = JSON.stringify(job.parameters, null, 2);
    element("detail-result").textContent = job.result === null ? "—" : JSON.stringify(job.result, null, 2);
    const errorBox = element("detail-error-box");
    errorBox.hidden = job.errorMessage === null || job.errorMessage === "";
    element("detail-error").textContent = job.errorMessage ?? "";
    const final = isFinalStatus(job.status);
    this.cancelButton.hidden = final;
    this.cancelButton.disabled = final;
  }

  private renderAssets(assets: Asset[]): void {
    const list = element("detail-assets");
    const items = assets.map((asset) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = asset.url;
      link.dataset["testid"] = "asset-link";
      link.dataset["assetId"] = asset.id;
      const fileName = asset.metadata?.["fileName"];
      const name = typeof fileName === "string" && fileName !== "" ? fileName : (asset.storagePath.split("/").pop() ?? asset.id);
      link.download = name;
      link.textContent = name;
      const info = document.createElement("span");
      info.className = "help";
      info.textContent = ` ${asset.assetType}, ${formatBytes(asset.fileSize)}`;
      item.append(link, info);
      return item;
    });
    list.replaceChildren(...items);
    element("detail-no-assets").hidden = assets.length > 0;
  }
}

if (typeof document !== "undefined") {
  const start = (): void => new Dashboard().start();
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}
