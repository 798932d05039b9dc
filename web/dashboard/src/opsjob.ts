// The Ops view's job page (#ops/jobs/<id>): any owner's job with its
// timeline (attempts, redrives and cancels, with who and why), followed
// live; an admin's cancel with a reason while it runs, and a redrive with
// a reason once it is dead-lettered.

import { isFinalStatus, type AdminClient, type AdminJobDetail } from "@jobline/client";

import { element } from "./dom.js";
import { describeError, formatTime } from "./format.js";
import { statusBadge } from "./joblist.js";
import { formatClock, reasonProblem, redriveSummary, timelineEntries, type TimelineEntry } from "./opsformat.js";
import { Refresher } from "./refresher.js";

const ACTIVE_REFRESH_MS = 1000;
/** A final job can still change (an admin elsewhere redrives it): read it now and then. */
const FINAL_REFRESH_MS = 5000;

/** OpsJob runs the Ops view's job page. */
export class OpsJob {
  private jobId: string | null = null;
  private readonly refresher = new Refresher((signal) => this.load(signal));

  private readonly section = element("ops-job");
  private readonly title = element("ops-job-title");
  private readonly actions = element<HTMLFormElement>("ops-job-actions");
  private readonly reason = element<HTMLInputElement>("ops-job-reason");
  private readonly cancelButton = element<HTMLButtonElement>("ops-cancel-job");
  private readonly redriveButton = element<HTMLButtonElement>("ops-redrive-job");
  private readonly message = element("ops-job-message");

  constructor(
    private readonly admin: AdminClient,
    private readonly announce: (text: string) => void,
  ) {
    // One form, one button shown: Cancel while the job runs, Redrive once dead-lettered.
    this.actions.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.act(this.redriveButton.hidden ? "cancel" : "redrive");
    });
  }

  /** Shown is the id of the job shown, null when hidden. */
  get shown(): string | null {
    return this.jobId;
  }

  /** Open shows a job and follows it; its heading takes the focus. */
  open(jobId: string): void {
    this.jobId = jobId;
    this.clear(jobId);
    this.section.hidden = false;
    this.title.focus({ preventScroll: true });
    this.section.scrollIntoView({ block: "start" });
    void this.refresher.run();
  }

  /** Hide hides the page and stops following its job. */
  hide(): void {
    this.refresher.stop();
    this.jobId = null;
    this.section.hidden = true;
  }

  private async load(signal: AbortSignal): Promise<number | null> {
    const jobId = this.jobId;
    if (jobId === null) return null;
    try {
      const job = await this.admin.getJob(jobId, { signal });
      if (signal.aborted || jobId !== this.jobId) return null;
      this.render(job);
      return isFinalStatus(job.status) ? FINAL_REFRESH_MS : ACTIVE_REFRESH_MS;
    } catch (err) {
      if (!signal.aborted) this.showMessage(`Could not load the job: ${describeError(err)}`);
      return null;
    }
  }

  /** Act cancels or redrives the job with the form's reason, then shows it again. */
  private async act(action: "cancel" | "redrive"): Promise<void> {
    const jobId = this.jobId;
    if (jobId === null) return;
    const reason = this.reason.value.trim();
    const problem = reasonProblem(reason);
    if (problem !== null) {
      this.showMessage(problem);
      this.reason.focus();
      return;
    }
    const button = action === "cancel" ? this.cancelButton : this.redriveButton;
    button.disabled = true;
    this.message.hidden = true;
    try {
      if (action === "cancel") {
        const job = await this.admin.cancelJob(jobId, { reason });
        if (jobId === this.jobId) this.render(job);
        this.announce(`${job.jobType} job canceled.`);
      } else {
        const result = await this.admin.redrive(reason === "" ? { jobIds: [jobId] } : { jobIds: [jobId], reason });
        this.announce(redriveSummary(result));
      }
      if (jobId !== this.jobId) return;
      this.reason.value = "";
      void this.refresher.run();
    } catch (err) {
      this.showMessage(`Could not ${action}: ${describeError(err)}`);
    } finally {
      button.disabled = false;
    }
  }

  private showMessage(message: string): void {
    this.message.hidden = false;
    this.message.textContent = message;
  }

  private clear(jobId: string): void {
    element("ops-job-id").textContent = jobId;
    for (const id of ["ops-job-type", "ops-job-owner", "ops-job-attempt", "ops-job-dead", "ops-job-created", "ops-job-updated", "ops-job-completed", "ops-job-params", "ops-job-result"]) {
      element(id).textContent = "";
    }
    const status = element("ops-job-status");
    status.textContent = "loading…";
    status.className = "status";
    element("ops-job-error-box").hidden = true;
    element("ops-timeline").replaceChildren();
    element("ops-timeline-empty").hidden = true;
    this.actions.hidden = true;
    this.reason.value = "";
    this.message.hidden = true;
  }

  private render(job: AdminJobDetail): void {
    element("ops-job-id").textContent = job.id;
    element("ops-job-type").textContent = job.jobType;
    statusBadge(element("ops-job-status"), job);
    element("ops-job-owner").textContent = job.owner;
    element("ops-job-attempt").textContent = `${job.attempt} / ${job.maxAttempts}`;
    element("ops-job-dead").textContent = job.deadLettered ? "yes: its message is in the dead-letter queue" : "no";
    element("ops-job-created").textContent = formatTime(job.createdAt);
    element("ops-job-updated").textContent = formatTime(job.updatedAt);
    element("ops-job-completed").textContent = formatTime(job.completedAt);
    element("ops-job-params").textContent = JSON.stringify(job.parameters, null, 2);
    element("ops-job-result").textContent = job.result === null ? "—" : JSON.stringify(job.result, null, 2);
    element("ops-job-error-box").hidden = job.errorMessage === null || job.errorMessage === "";
    element("ops-job-error").textContent = job.errorMessage ?? "";
    const entries = timelineEntries(job);
    element("ops-timeline").replaceChildren(...entries.map(timelineItem));
    element("ops-timeline-empty").hidden = entries.length > 0;
    const canCancel = !isFinalStatus(job.status);
    const canRedrive = job.status === "failed" && job.deadLettered;
    this.cancelButton.hidden = !canCancel;
    this.redriveButton.hidden = !canRedrive;
    this.actions.hidden = !canCancel && !canRedrive;
  }
}

/** TimelineItem is one entry of the timeline list. */
function timelineItem(entry: TimelineEntry): HTMLLIElement {
  const item = document.createElement("li");
  item.className = `event ${entry.kind}${entry.outcome === null ? "" : ` ${entry.outcome}`}`;
  item.dataset["testid"] = "timeline-entry";
  item.dataset["kind"] = entry.kind;
  if (entry.by !== null) item.dataset["by"] = entry.by;
  if (entry.outcome !== null) item.dataset["outcome"] = entry.outcome;

  const time = document.createElement("time");
  time.dateTime = entry.at;
  time.textContent = formatClock(entry.at);
  time.title = formatTime(entry.at);
  const title = document.createElement("strong");
  title.dataset["testid"] = "timeline-title";
  title.textContent = entry.title;
  item.append(time, " ", title);
  if (entry.took !== "") {
    const took = document.createElement("span");
    took.className = "help";
    took.textContent = ` (${entry.took})`;
    item.append(took);
  }
  if (entry.detail !== "") {
    const detail = document.createElement("p");
    detail.className = "detail";
    detail.dataset["testid"] = "timeline-detail";
    detail.textContent = entry.kind === "attempt" ? entry.detail : `Reason: ${entry.detail}`;
    item.append(detail);
  }
  return item;
}
