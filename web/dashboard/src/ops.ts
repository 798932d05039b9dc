// The Ops view (#ops), the operator's console, for admins only: every
// owner's jobs, a job's timeline with an admin's cancel, the dead-letter
// queue with its redrive, and the queues' statistics with the last hour's
// charts, each a tab of its own route (opsroute.ts).

import type { AdminClient, JobType } from "@jobline/client";

import { element, markCurrent } from "./dom.js";
import { OpsDeadLetters } from "./opsdlq.js";
import { OpsJob } from "./opsjob.js";
import { OpsJobs } from "./opsjobs.js";
import type { OpsRoute, OpsTab } from "./opsroute.js";
import { OpsStats } from "./opsstats.js";

/** OpsView shows the Ops route it is given. */
export class OpsView {
  private readonly view = element("ops-view");
  private readonly tabs: Record<OpsTab, HTMLElement> = {
    jobs: element("ops-tab-jobs"),
    dlq: element("ops-tab-dlq"),
    queues: element("ops-tab-queues"),
  };
  private readonly jobs: OpsJobs;
  private readonly job: OpsJob;
  private readonly deadLetters: OpsDeadLetters;
  private readonly stats: OpsStats;

  constructor(admin: AdminClient, announce: (text: string) => void) {
    this.jobs = new OpsJobs(admin);
    this.job = new OpsJob(admin, announce);
    this.deadLetters = new OpsDeadLetters(admin, announce);
    this.stats = new OpsStats(admin);
  }

  /** SetJobTypes offers the job types in the filters. */
  setJobTypes(types: JobType[]): void {
    this.jobs.setJobTypes(types);
    this.deadLetters.setJobTypes(types);
  }

  /** Show shows route's tab (or job); leaving a job's page gives the focus back to its row. */
  show(route: OpsRoute): void {
    this.view.hidden = false;
    for (const [tab, link] of Object.entries(this.tabs)) markCurrent(link, tab === route.tab);
    const previousJob = this.job.shown;
    if (route.jobId !== null) {
      this.hideTabs();
      if (previousJob !== route.jobId) this.job.open(route.jobId);
      return;
    }
    this.job.hide();
    this.hideTabs(route.tab);
    switch (route.tab) {
      case "jobs":
        this.jobs.show();
        break;
      case "dlq":
        this.deadLetters.show();
        break;
      case "queues":
        this.stats.show();
        break;
    }
    if (previousJob !== null && route.tab === "jobs") {
      (this.jobs.openLink(previousJob) ?? element("ops-jobs-title")).focus();
    }
  }

  /** Hide hides the view and stops every refresh. */
  hide(): void {
    this.view.hidden = true;
    this.job.hide();
    this.hideTabs();
  }

  /** HideTabs hides every tab but keep. */
  private hideTabs(keep?: OpsTab): void {
    if (keep !== "jobs") this.jobs.hide();
    if (keep !== "dlq") this.deadLetters.hide();
    if (keep !== "queues") this.stats.hide();
  }
}
