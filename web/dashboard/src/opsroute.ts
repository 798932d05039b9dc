// The Ops view's routes: #ops (every owner's jobs), #ops/jobs/<id> (one
// job and its timeline), #ops/dlq (the dead-letter queue) and #ops/queues
// (queue statistics and the last hour's charts).

/** OpsTab is a section of the Ops view. */
export type OpsTab = "jobs" | "dlq" | "queues";

/** OpsRoute is where in the Ops view a hash points; jobId is set on a job's page. */
export interface OpsRoute {
  tab: OpsTab;
  jobId: string | null;
}

/** OPS_HASH is the Ops view's route, as README's runbook gives it. */
export const OPS_HASH = "#ops";

/**
 * ParseOpsRoute reads a location hash: null when it is not an Ops route;
 * an Ops route it does not know is the jobs tab.
 */
export function parseOpsRoute(hash: string): OpsRoute | null {
  if (hash !== OPS_HASH && !hash.startsWith(`${OPS_HASH}/`)) return null;
  const rest = hash.slice(OPS_HASH.length + 1);
  const job = /^jobs\/(.+)$/.exec(rest);
  if (job?.[1] !== undefined) {
    let jobId: string;
    try {
      jobId = decodeURIComponent(job[1]);
    } catch {
      jobId = job[1];
    }
    return { tab: "jobs", jobId };
  }
  if (rest === "dlq" || rest === "queues") return { tab: rest, jobId: null };
  return { tab: "jobs", jobId: null };
}

/** OpsHash is the route of a tab. */
export function opsHash(tab: OpsTab): string {
  return tab === "jobs" ? OPS_HASH : `${OPS_HASH}/${tab}`;
}

/** OpsJobHash is the route of a job's page in the Ops view. */
export function opsJobHash(jobId: string): string {
  return `${OPS_HASH}/jobs/${encodeURIComponent(jobId)}`;
}
