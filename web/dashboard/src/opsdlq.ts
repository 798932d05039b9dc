// The Ops view's dead-letter queue (#ops/dlq): the dead-lettered jobs with
// checkboxes, and a redrive of one job (its row's button), of the selected
// jobs, or of all (maybe of one type), with a reason; a dry run shows the
// items and actions the redrive would have, changing nothing.
//
// The list is read when the tab opens, on Refresh and after a redrive,
// never on a timer: a listing hides the messages it reads until it ends,
// and a redrive of all running meanwhile would miss them. For the same
// reason a redrive and a listing never run at once here.

import type { AdminClient, DeadLetter, JobType, RedriveItem, RedriveRequest, RedriveResult } from "@jobline/client";

import { element, option } from "./dom.js";
import { describeError, shortId } from "./format.js";
import { actionLabel, buildRedriveRequest, formatAge, plural, redriveSummary, type RedriveScope } from "./opsformat.js";
import { opsJobHash } from "./opsroute.js";

/** DLQ_LIST_MAX is how many messages the list shows; a redrive of all reaches every one. */
const DLQ_LIST_MAX = 100;

/** OpsDeadLetters runs the dead-letter queue's tab. */
export class OpsDeadLetters {
  private entries: DeadLetter[] = [];
  private readonly selected = new Set<string>();
  /** Busy is set while a listing or a redrive runs: one at a time. */
  private busy = false;

  private readonly section = element("ops-dlq");
  private readonly list = element("dlq-entries");
  private readonly emptyNote = element("dlq-empty");
  private readonly count = element("dlq-count");
  private readonly listError = element("dlq-error");
  private readonly selectAll = element<HTMLInputElement>("dlq-select-all");
  private readonly refreshButton = element<HTMLButtonElement>("dlq-refresh");
  private readonly form = element<HTMLFormElement>("redrive-form");
  private readonly scopeSelected = element<HTMLInputElement>("redrive-scope-selected");
  private readonly scopeAll = element<HTMLInputElement>("redrive-scope-all");
  private readonly selectedLabel = element("redrive-selected-label");
  private readonly typeSelect = element<HTMLSelectElement>("redrive-type");
  private readonly reasonInput = element<HTMLInputElement>("redrive-reason");
  private readonly dryRunButton = element<HTMLButtonElement>("redrive-dry-run");
  private readonly runButton = element<HTMLButtonElement>("redrive-run");
  private readonly formError = element("redrive-error");
  private readonly result = element("redrive-result");

  constructor(
    private readonly admin: AdminClient,
    private readonly announce: (text: string) => void,
  ) {
    this.refreshButton.addEventListener("click", () => void this.refresh());
    this.selectAll.addEventListener("change", () => this.toggleAll(this.selectAll.checked));
    this.scopeSelected.addEventListener("change", () => this.showScope());
    this.scopeAll.addEventListener("change", () => this.showScope());
    // Enter in the form (its submit) is a dry run; the real redrive takes the Redrive button.
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.submit(true);
    });
    this.runButton.addEventListener("click", () => void this.submit(false));
    this.showScope();
  }

  /** SetJobTypes offers the job types for a redrive of all. */
  setJobTypes(types: JobType[]): void {
    this.typeSelect.append(...types.map((t) => option(t.name, t.name)));
  }

  /** Show shows the tab and reads the queue. */
  show(): void {
    this.section.hidden = false;
    void this.refresh();
  }

  /** Hide hides the tab. */
  hide(): void {
    this.section.hidden = true;
  }

  /** Refresh reads the dead-letter queue again, keeping the selection of the jobs still in it. */
  private async refresh(): Promise<void> {
    if (this.busy) return;
    this.setBusy(true);
    try {
      await this.load();
    } finally {
      this.setBusy(false);
    }
  }

  private async load(): Promise<void> {
    try {
      const { entries } = await this.admin.listDeadLetters({ max: DLQ_LIST_MAX });
      this.entries = entries;
      const present = new Set(entries.flatMap((e) => (e.jobId === null ? [] : [e.jobId])));
      for (const id of [...this.selected]) if (!present.has(id)) this.selected.delete(id);
      this.listError.hidden = true;
    } catch (err) {
      this.listError.hidden = false;
      this.listError.textContent = `Could not read the dead-letter queue: ${describeError(err)}`;
    }
    this.render();
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    for (const button of [this.refreshButton, this.dryRunButton, this.runButton]) button.disabled = busy;
    for (const button of this.list.querySelectorAll<HTMLButtonElement>("button")) button.disabled = busy;
    this.section.setAttribute("aria-busy", String(busy));
  }

  private scope(): RedriveScope {
    if (this.scopeAll.checked) return { kind: "all", jobType: this.typeSelect.value };
    return { kind: "selected", jobIds: this.entries.flatMap((e) => (e.jobId !== null && this.selected.has(e.jobId) ? [e.jobId] : [])) };
  }

  private showScope(): void {
    this.typeSelect.disabled = !this.scopeAll.checked;
    this.selectedLabel.textContent = `the selected jobs (${this.selected.size})`;
  }

  /** Submit runs the form's redrive (a dry run when dryRun). */
  private async submit(dryRun: boolean): Promise<void> {
    const built = buildRedriveRequest(this.scope(), this.reasonInput.value, dryRun);
    if (!built.ok) {
      this.formError.hidden = false;
      this.formError.textContent = built.problem;
      return;
    }
    await this.redrive(built.request);
  }

  /** Redrive sends a redrive, shows its result, and after a real one reads the queue again. */
  private async redrive(request: RedriveRequest): Promise<void> {
    if (this.busy) return;
    this.formError.hidden = true;
    this.setBusy(true);
    try {
      const result = await this.admin.redrive(request);
      this.showResult(result);
      this.announce(redriveSummary(result));
      if (!result.dryRun) {
        for (const item of result.items) if (item.jobId !== null && item.action === "redriven") this.selected.delete(item.jobId);
        await this.load();
      }
    } catch (err) {
      this.formError.hidden = false;
      this.formError.textContent = `Could not redrive: ${describeError(err)}`;
    } finally {
      this.setBusy(false);
    }
  }

  private showResult(result: RedriveResult): void {
    element("redrive-result-title").textContent = result.dryRun ? "Dry run: what a redrive would do" : "Redrive done";
    this.result.dataset["dryRun"] = String(result.dryRun);
    element("redrive-summary").textContent = redriveSummary(result);
    element("redrive-items").replaceChildren(...result.items.map(resultRow));
    this.result.hidden = false;
  }

  private toggleAll(on: boolean): void {
    for (const e of this.entries) {
      if (e.jobId === null) continue;
      if (on) this.selected.add(e.jobId);
      else this.selected.delete(e.jobId);
    }
    if (on) this.scopeSelected.checked = true;
    this.render();
  }

  private toggle(jobId: string, on: boolean): void {
    if (on) {
      this.selected.add(jobId);
      this.scopeSelected.checked = true;
    } else {
      this.selected.delete(jobId);
    }
    this.renderSelection();
  }

  private render(): void {
    this.list.replaceChildren(...this.entries.map((e) => this.entryItem(e)));
    this.emptyNote.hidden = this.entries.length > 0;
    const more = this.entries.length >= DLQ_LIST_MAX ? ` (the first ${DLQ_LIST_MAX}; a redrive of all reaches every one)` : "";
    this.count.textContent = `${plural(this.entries.length, "message")}${more}`;
    this.renderSelection();
  }

  private renderSelection(): void {
    const selectable = this.entries.filter((e) => e.jobId !== null).length;
    this.selectAll.checked = selectable > 0 && this.selected.size === selectable;
    this.selectAll.indeterminate = this.selected.size > 0 && this.selected.size < selectable;
    this.selectAll.disabled = selectable === 0;
    this.showScope();
  }

  /** EntryItem is one dead-lettered message: a checkbox, its job, and a Redrive button. */
  private entryItem(e: DeadLetter): HTMLLIElement {
    const item = document.createElement("li");
    item.className = "dlq-entry";
    item.dataset["testid"] = "dlq-entry";
    if (e.jobId !== null) item.dataset["jobId"] = e.jobId;
    if (e.jobType !== null) item.dataset["jobType"] = e.jobType;
    const name = e.jobId === null ? "a message without a job" : `${e.jobType ?? "?"} job ${shortId(e.jobId)}`;

    const pick = document.createElement("input");
    pick.type = "checkbox";
    pick.dataset["testid"] = "dlq-select";
    pick.setAttribute("aria-label", `Select ${name}`);
    const main = document.createElement("div");
    main.className = "dlq-main";
    const line = document.createElement("div");
    if (e.jobId !== null) {
      const jobId = e.jobId;
      pick.checked = this.selected.has(jobId);
      pick.addEventListener("change", () => this.toggle(jobId, pick.checked));
      const link = document.createElement("a");
      link.href = opsJobHash(jobId);
      link.dataset["testid"] = "dlq-open-job";
      link.textContent = e.jobType ?? "job";
      link.setAttribute("aria-label", `Open ${name}`);
      line.append(link);
    } else {
      pick.disabled = true;
    }
    const facts = [e.owner === null ? null : `of ${e.owner}`, `attempt ${e.attempt} / ${e.maxAttempts}`, `failed ${formatAge(e.ageSeconds)} ago`];
    line.append(` ${facts.filter((f) => f !== null).join(" · ")}`);
    main.append(line);
    const why = e.problem ?? e.error;
    if (why !== null && why !== "") {
      const p = document.createElement("p");
      p.className = "dlq-error";
      p.dataset["testid"] = "dlq-error-text";
      p.textContent = why;
      main.append(p);
    }
    if (e.jobId !== null) {
      const id = document.createElement("code");
      id.className = "id";
      id.textContent = e.jobId;
      main.append(id);
    }
    item.append(pick, main);
    if (e.jobId !== null) {
      const jobId = e.jobId;
      const one = document.createElement("button");
      one.type = "button";
      one.textContent = "Redrive";
      one.dataset["testid"] = "dlq-redrive-one";
      one.setAttribute("aria-label", `Redrive ${name}`);
      one.disabled = this.busy;
      one.addEventListener("click", () => void this.redriveOne(jobId));
      item.append(one);
    }
    return item;
  }

  /** RedriveOne redrives one job at once, with the form's reason. */
  private async redriveOne(jobId: string): Promise<void> {
    const built = buildRedriveRequest({ kind: "selected", jobIds: [jobId] }, this.reasonInput.value, false);
    if (!built.ok) {
      this.formError.hidden = false;
      this.formError.textContent = built.problem;
      return;
    }
    await this.redrive(built.request);
  }
}

/** ResultRow is one item of a redrive's result. */
function resultRow(item: RedriveItem): HTMLTableRowElement {
  const row = document.createElement("tr");
  row.dataset["testid"] = "redrive-item";
  if (item.jobId !== null) row.dataset["jobId"] = item.jobId;
  row.dataset["action"] = item.action;
  const job = document.createElement("td");
  if (item.jobId !== null) {
    const link = document.createElement("a");
    link.href = opsJobHash(item.jobId);
    link.dataset["testid"] = "redrive-open-job";
    link.textContent = `${item.jobType ?? "job"} ${shortId(item.jobId)}`;
    job.append(link);
  } else {
    job.textContent = item.messageId ?? "—";
  }
  const owner = document.createElement("td");
  owner.className = "col-owner";
  owner.textContent = item.owner ?? "—";
  const action = document.createElement("td");
  const badge = document.createElement("span");
  badge.className = `action ${item.action}`;
  badge.dataset["testid"] = "redrive-action";
  badge.textContent = actionLabel(item.action);
  action.append(badge);
  const detail = document.createElement("td");
  detail.className = "detail";
  detail.textContent = item.detail ?? item.problem ?? "";
  row.append(job, owner, action, detail);
  return row;
}
