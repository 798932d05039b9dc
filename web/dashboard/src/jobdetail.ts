// The job panel (#/jobs/<id>): a job followed live with pollJob, its files
// once it ends, and a Cancel button while it runs. Opening it scrolls it
// into view and moves focus to its heading; status changes are announced
// through the page's aria-live region.

import { JobCanceledError, JobFailedError, isFinalStatus, type Asset, type Job, type JobClient } from "@jobline/client";

import { element } from "./dom.js";
import { describeError, formatBytes, formatTime, shortId } from "./format.js";
import { setProgress, statusBadge } from "./joblist.js";

/** JobDetail runs the job panel. */
export class JobDetail {
  private jobId: string | null = null;
  private pollAbort: AbortController | null = null;
  private lastStatus: string | null = null;
  /** How is why the panel opened, said with the job's first status. */
  private how: "Opened" | "Created" = "Opened";
  /** ScrollPending is set by open until the job's first render scrolls to it again (it is taller then). */
  private scrollPending = false;

  private readonly panel = element("job-panel");
  private readonly title = element("detail-title");
  private readonly cancelButton = element<HTMLButtonElement>("cancel-job");
  private readonly message = element("detail-message");
  private readonly live = element("live-status");

  constructor(
    private readonly client: JobClient,
    private readonly onJob: (job: Job) => void,
  ) {
    this.cancelButton.addEventListener("click", () => void this.cancel());
  }

  /** Shown is the id of the job shown, null when the panel is closed. */
  get shown(): string | null {
    return this.jobId;
  }

  /**
   * Open shows a job and follows it; the panel scrolls into view and takes
   * the focus, so that keyboard and screen reader users land on it. How
   * says why it opens, for the first announcement.
   */
  open(jobId: string, how: "Opened" | "Created" = "Opened"): void {
    this.stop();
    this.jobId = jobId;
    this.lastStatus = null;
    this.how = how;
    this.clear(jobId);
    this.panel.hidden = false;
    this.title.focus({ preventScroll: true });
    this.panel.scrollIntoView({ block: "start" });
    this.scrollPending = true;
    void this.follow(jobId);
  }

  /** Close hides the panel and stops following its job. */
  close(): void {
    this.stop();
    this.jobId = null;
    this.panel.hidden = true;
  }

  /** Announce says something to screen readers through the live region. */
  announce(text: string): void {
    this.live.textContent = text;
  }

  private stop(): void {
    this.pollAbort?.abort();
    this.pollAbort = null;
  }

  /** Follow polls the job until it ends, then loads its files. */
  private async follow(jobId: string): Promise<void> {
    const abort = new AbortController();
    this.pollAbort = abort;
    const show = (job: Job): void => {
      if (abort.signal.aborted) return;
      this.render(job);
      this.onJob(job);
    };
    let final: Job;
    try {
      final = await this.client.pollJob(jobId, { signal: abort.signal, onProgress: show });
    } catch (err) {
      if (abort.signal.aborted) return;
      if (!(err instanceof JobFailedError || err instanceof JobCanceledError)) {
        this.showMessage(describeError(err));
        return;
      }
      final = err.job;
    }
    show(final);
    try {
      const { assets } = await this.client.getJobAssets(jobId, { signal: abort.signal });
      if (!abort.signal.aborted) this.renderAssets(assets);
    } catch (err) {
      if (!abort.signal.aborted) this.showMessage(`Could not load files: ${describeError(err)}`);
    }
  }

  private async cancel(): Promise<void> {
    const jobId = this.jobId;
    if (jobId === null) return;
    this.cancelButton.disabled = true;
    try {
      const job = await this.client.cancelJob(jobId);
      if (jobId === this.jobId) this.render(job);
      this.onJob(job);
    } catch (err) {
      this.showMessage(`Could not cancel: ${describeError(err)}`);
      this.cancelButton.disabled = false;
    }
  }

  private showMessage(message: string): void {
    this.message.hidden = false;
    this.message.textContent = message;
  }

  private clear(jobId: string): void {
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
    this.message.hidden = true;
    this.cancelButton.hidden = true;
  }

  private render(job: Job): void {
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
    if (this.scrollPending) {
      this.scrollPending = false;
      this.panel.scrollIntoView({ block: "start" });
    }
    if (job.status !== this.lastStatus) {
      const state = `${job.status}${final ? "" : `, ${job.progress}%`}`;
      const name = `${job.jobType} job ${shortId(job.id)}`;
      this.announce(this.lastStatus === null ? `${this.how} ${name}: ${state}.` : `${name} is ${state}.`);
      this.lastStatus = job.status;
    }
  }

  private renderAssets(assets: Asset[]): void {
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
    element("detail-assets").replaceChildren(...items);
    element("detail-no-assets").hidden = assets.length > 0;
  }
}
