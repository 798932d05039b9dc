// The dashboard: plain TypeScript over the DOM of static/index.html, on
// @jobline/client. It lists the user's jobs with live status and progress
// (filtered by status and type), creates jobs of the types the server
// lists, and shows one job (#/jobs/<id>) followed live. Admins (GET
// /admin/me answers 200) also get the Ops view (#ops); anyone else never
// sees a link to it, and #ops shows them their own jobs.

import { AdminClient, JobClient } from "@jobline/client";

import { CreateForm } from "./createform.js";
import { element, markCurrent } from "./dom.js";
import { JobDetail } from "./jobdetail.js";
import { JobList, jobHash } from "./joblist.js";
import { OpsView } from "./ops.js";
import { parseOpsRoute } from "./opsroute.js";

const USER_KEY = "jobline.userId";
const DEFAULT_USER = "demo-user";

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

/** Dashboard ties the user id, the form, the list and the job panel to the route. */
class Dashboard {
  private userId = readUserId();
  // The dev server serves the API under /api on the dashboard's own host
  // (the client's default base URL) and takes the user from X-User-Id.
  private readonly client = new JobClient({ getHeaders: () => ({ "X-User-Id": this.userId }) });
  private readonly admin = new AdminClient({ getHeaders: () => ({ "X-User-Id": this.userId }) });
  private readonly list = new JobList(this.client);
  private readonly detail = new JobDetail(this.client, (job) => this.list.upsert(job));
  private readonly form = new CreateForm(this.client, (jobId) => this.created(jobId));
  private readonly ops = new OpsView(this.admin, (text) => this.detail.announce(text));
  private readonly userInput = element<HTMLInputElement>("user-id");
  private readonly userView = element("user-view");
  private readonly viewsNav = element("views-nav");
  /** IsAdmin is whether the user is an admin: null until GET /admin/me answers. */
  private isAdmin: boolean | null = null;
  /** AdminCheck numbers the admin checks, so that only the latest one's answer counts. */
  private adminCheck = 0;
  /** CreatedId is the job this page just created, so that its panel says so. */
  private createdId: string | null = null;

  start(): void {
    this.userInput.value = this.userId;
    this.userInput.addEventListener("change", () => this.changeUser());
    window.addEventListener("hashchange", () => this.route());
    void this.form.start().then((types) => {
      this.list.setJobTypes(types);
      this.ops.setJobTypes(types);
    });
    this.list.start();
    this.route();
    void this.checkAdmin();
  }

  /** CheckAdmin asks the server whether the user is an admin, then shows or hides the Ops view. */
  private async checkAdmin(): Promise<void> {
    const turn = ++this.adminCheck;
    this.isAdmin = null;
    this.viewsNav.hidden = true;
    delete document.documentElement.dataset["admin"];
    let admin = false;
    try {
      admin = (await this.admin.me()) !== null;
    } catch {
      // The server could not say: no Ops view until a reload asks again.
    }
    if (turn !== this.adminCheck) return;
    this.isAdmin = admin;
    this.viewsNav.hidden = !admin;
    // Tells the page's tests (and styles, if they need it) that the check is over.
    document.documentElement.dataset["admin"] = String(admin);
    this.route();
  }

  private changeUser(): void {
    const next = this.userInput.value.trim() || DEFAULT_USER;
    this.userInput.value = next;
    if (next === this.userId) return;
    this.userId = next;
    storeUserId(next);
    location.hash = "";
    this.route();
    this.list.reset();
    void this.checkAdmin();
  }

  private created(jobId: string): void {
    this.createdId = jobId;
    void this.list.refresh();
    location.hash = jobHash(jobId);
  }

  /**
   * Route shows the Ops view for an admin's #ops routes; otherwise the
   * user's dashboard with the job of #/jobs/<id>, or with the panel closed
   * (focus goes back to the job's row).
   */
  private route(): void {
    const opsRoute = parseOpsRoute(location.hash);
    const inOps = opsRoute !== null && this.isAdmin === true;
    markCurrent(element("nav-mine"), !inOps);
    markCurrent(element("nav-ops"), inOps);
    if (opsRoute !== null && inOps) {
      this.detail.close();
      this.userView.hidden = true;
      this.ops.show(opsRoute);
      return;
    }
    this.ops.hide();
    this.userView.hidden = false;
    const match = /^#\/jobs\/(.+)$/.exec(location.hash);
    const jobId = match?.[1] !== undefined ? decodeURIComponent(match[1]) : null;
    const previous = this.detail.shown;
    if (jobId === previous) return;
    this.list.select(jobId);
    if (jobId !== null) {
      this.detail.open(jobId, jobId === this.createdId ? "Created" : "Opened");
      return;
    }
    this.detail.close();
    if (previous !== null) {
      (this.list.openLink(previous) ?? element("jobs-title")).focus();
    }
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
