// The JSON shapes of Jobline's HTTP API, derived from the types that
// openapi-typescript generates from docs/openapi.yaml (src/openapi.ts), so
// that they cannot drift from the contract. Times are RFC 3339 strings as
// sent, never parsed into Date here. A job's parameters and result are
// generic: callers that know their job types name them.

import type { components } from "./openapi.js";

type Schemas = components["schemas"];

/** JobStatus is the lifecycle state of a job. */
export type JobStatus = Schemas["JobStatus"];

/** JOB_STATUSES lists every status in lifecycle order. */
export const JOB_STATUSES: readonly JobStatus[] = ["queued", "processing", "completed", "partial", "failed", "canceled"];

/**
 * IsFinalStatus reports whether a job in this status will not change again
 * by itself: completed, partial, failed and canceled. (An operator may still
 * redrive a dead-lettered failed job.)
 */
export function isFinalStatus(status: JobStatus): boolean {
  return status === "completed" || status === "partial" || status === "failed" || status === "canceled";
}

/** JsonObject is a JSON object, as sent for a job's parameters. */
export type JsonObject = { [key: string]: JsonValue };

/** JsonValue is any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/** Attempt is one attempt of a job: when it ran and how it ended. */
export type Attempt = Schemas["Attempt"];

/** AttemptOutcome is how an attempt ended ("running" while it runs). */
export type AttemptOutcome = Schemas["AttemptOutcome"];

/**
 * Job is the API's view of one unit of background work. P is the type of
 * its parameters and R of its result (null until the handler returns one).
 */
export type Job<P extends object = JsonObject, R = JsonValue> = Omit<Schemas["Job"], "parameters" | "result"> & {
  parameters: P;
  result: R | null;
};

/** JobStatusResponse is the seed client's name of a Job. */
export type JobStatusResponse<P extends object = JsonObject, R = JsonValue> = Job<P, R>;

/** CreatedJob is what createJob resolves: the job, with its id also as jobId. */
export type CreatedJob<P extends object = JsonObject, R = JsonValue> = Job<P, R> & { jobId: string };

/** Asset is a file a job produced; its url downloads it (and may expire). */
export type Asset = Omit<Schemas["Asset"], "metadata"> & { metadata: JsonObject | null };

/** JobPage is one page of GET /jobs, newest first. */
export type JobPage<P extends object = JsonObject, R = JsonValue> = Omit<Schemas["JobPage"], "jobs"> & { jobs: Job<P, R>[] };

/** AssetList is the body of GET /jobs/{id}/assets. */
export type AssetList = Omit<Schemas["AssetList"], "assets"> & { assets: Asset[] };

/** CreateJobRequest is the body of POST /jobs; P is the parameters' type. */
export type CreateJobRequest<P extends object = JsonObject> = Omit<Schemas["CreateJobRequest"], "parameters"> & {
  parameters?: P;
};

/** JobType is a job type the server runs (GET /job-types). */
export type JobType = Schemas["JobType"];

/** JobTypeParameter is one JSON field of a job type's parameters. */
export type JobTypeParameter = Schemas["JobTypeParameter"];

/** JobTypeList is the body of GET /job-types. */
export type JobTypeList = Schemas["JobTypeList"];

/** ErrorCode is the stable code of an API error. */
export type ErrorCode = Schemas["ErrorCode"];

/** ApiErrorBody is the JSON body of every API error. */
export type ApiErrorBody = Schemas["Error"];

// The admin API's shapes (routes under /admin/, for admins only).

/** AdminMe is the body of GET /admin/me: the caller, an admin. */
export type AdminMe = Schemas["AdminMe"];

/** OperatorEvent is a redrive or a cancel: when, by whom, and why (null when no reason was given). */
export type OperatorEvent = Schemas["OperatorEvent"];

/** AdminJob is a job as admins see it: the owner's view plus its owner, whether it was dead-lettered, its redrives and cancels. */
export type AdminJob<P extends object = JsonObject, R = JsonValue> = Job<P, R> &
  Pick<Schemas["AdminJob"], "owner" | "deadLettered" | "redrives" | "cancels">;

/** JobEvent is one event of a job's history: an attempt started or ended, a redrive, a cancel. */
export type JobEvent = Schemas["JobEvent"];

/** JobEventType is the kind of a JobEvent. */
export type JobEventType = JobEvent["type"];

/** AdminJobDetail is GET /admin/jobs/{id}: an admin job with its whole history, oldest first. */
export type AdminJobDetail<P extends object = JsonObject, R = JsonValue> = AdminJob<P, R> & { timeline: JobEvent[] };

/** AdminJobPage is one page of GET /admin/jobs, newest first. */
export type AdminJobPage<P extends object = JsonObject, R = JsonValue> = { jobs: AdminJob<P, R>[]; nextCursor: string | null };

/** QueueStats are one queue's message counts and the age of its oldest message. */
export type QueueStats = Schemas["QueueStats"];

/** QueueRole is what a queue is for: jobs, high (the high-priority lane) or dead-letter. */
export type QueueRole = QueueStats["role"];

/** AdminQueues is the body of GET /admin/queues: the jobs queues, then the dead-letter queue. */
export type AdminQueues = Schemas["AdminQueues"];

/** DeadLetter is a dead-lettered message and its job (null job fields and a problem when it has none). */
export type DeadLetter = Schemas["DeadLetter"];

/** AdminDeadLetters is the body of GET /admin/dlq. */
export type AdminDeadLetters = Schemas["AdminDeadLetters"];

/**
 * RedriveRequest is the body of POST /admin/dlq/redrive: a selection
 * (jobIds) or all of the dead-letter queue (all, maybe of one jobType, at
 * most max); a reason; a dry run.
 */
export type RedriveRequest = Schemas["AdminRedriveRequest"];

/** RedriveItem is what a redrive did (or, on a dry run, would do) with one job. */
export type RedriveItem = Schemas["AdminRedriveResult"]["items"][number];

/** RedriveAction is a RedriveItem's action. */
export type RedriveAction = RedriveItem["action"];

/** RedriveResult is the body a redrive answers. */
export type RedriveResult = Schemas["AdminRedriveResult"];

/** AdminMetrics is GET /admin/metrics: series per job type and step; values[i] belongs to timestamps[i]. */
export type AdminMetrics = Schemas["AdminMetrics"];

/** MetricSeries is one metric of one job type over the window. */
export type MetricSeries = Schemas["MetricSeries"];

/** MetricName names a MetricSeries' metric, such as "JobsCompleted". */
export type MetricName = MetricSeries["metric"];
