// The Ops view's Queues & charts (#ops/queues): each queue's visible, in
// flight and delayed messages and the age of its oldest (the jobs queues
// and the dead-letter queue), and the last hour's throughput and failures
// per job type from GET /admin/metrics; both reread every 10 seconds while
// shown.

import type { AdminClient, QueueStats } from "@jobline/client";

import { renderCharts } from "./chartview.js";
import { element } from "./dom.js";
import { describeError } from "./format.js";
import { formatAge, formatClock } from "./opsformat.js";
import { Refresher } from "./refresher.js";

const REFRESH_MS = 10_000;
const METRICS_WINDOW = "1h";

/** QUEUE_ROLES words a queue's role. */
const QUEUE_ROLES: Record<QueueStats["role"], string> = {
  jobs: "jobs",
  high: "high priority",
  "dead-letter": "dead-letter queue",
};

/** OpsStats runs the Queues & charts tab. */
export class OpsStats {
  private readonly refresher = new Refresher((signal) => this.load(signal));
  private readonly section = element("ops-queues");

  constructor(private readonly admin: AdminClient) {
    element("queues-refresh").addEventListener("click", () => void this.refresher.run());
  }

  /** Show shows the tab and keeps it fresh. */
  show(): void {
    this.section.hidden = false;
    void this.refresher.run();
  }

  /** Hide hides the tab and stops refreshing it. */
  hide(): void {
    this.section.hidden = true;
    this.refresher.stop();
  }

  private async load(signal: AbortSignal): Promise<number> {
    await Promise.all([this.loadQueues(signal), this.loadCharts(signal)]);
    return REFRESH_MS;
  }

  private async loadQueues(signal: AbortSignal): Promise<void> {
    const error = element("queues-error");
    try {
      const { queues } = await this.admin.getQueues({ signal });
      element("queue-rows").replaceChildren(...queues.map(queueRow));
      element("queues-updated").textContent = `As of ${formatClock(new Date().toISOString())}; every 10 s.`;
      error.hidden = true;
    } catch (err) {
      if (signal.aborted) return;
      error.hidden = false;
      error.textContent = `Could not read the queues: ${describeError(err)}`;
    }
  }

  private async loadCharts(signal: AbortSignal): Promise<void> {
    const error = element("charts-error");
    try {
      const report = await this.admin.getMetrics({ window: METRICS_WINDOW, signal });
      renderCharts(element("charts"), report);
      error.hidden = true;
    } catch (err) {
      if (signal.aborted) return;
      error.hidden = false;
      error.textContent = `Could not read the metrics: ${describeError(err)}`;
    }
  }
}

/** QueueRow is one queue's row; the dead-letter queue's is marked when it holds messages. */
function queueRow(q: QueueStats): HTMLTableRowElement {
  const row = document.createElement("tr");
  row.dataset["testid"] = "queue-row";
  row.dataset["role"] = q.role;
  row.dataset["name"] = q.name;
  if (q.role === "dead-letter" && q.total > 0) row.classList.add("alert");

  const name = document.createElement("th");
  name.scope = "row";
  const queueName = document.createElement("span");
  queueName.className = "queue-name";
  queueName.textContent = q.name;
  const role = document.createElement("span");
  role.className = "help";
  role.textContent = QUEUE_ROLES[q.role] ?? q.role;
  name.append(queueName, role);
  row.append(name);

  for (const [key, value, cls] of [
    ["visible", q.visible, "num"],
    ["inFlight", q.inFlight, "num"],
    ["delayed", q.delayed, "num"],
    ["total", q.total, "num col-total"],
  ] as const) {
    const cell = row.insertCell();
    cell.className = cls;
    cell.dataset["testid"] = `queue-${key}`;
    cell.textContent = String(value);
  }
  const age = row.insertCell();
  age.dataset["testid"] = "queue-oldest";
  // An empty queue has no oldest message, whatever age the queue reports.
  age.textContent = q.total === 0 ? "—" : formatAge(q.oldestAgeSeconds);
  if (q.oldestAgeSource === "cloudwatch" && age.textContent !== "—") {
    age.title = "SQS's ApproximateAgeOfOldestMessage from CloudWatch: up to a few minutes old";
    age.textContent += " (CloudWatch)";
  }
  return row;
}
