// The JSON shapes of Jobline's HTTP API (DESIGN.md, "HTTP API"). Field
// names and nullability match the server's JSON exactly; times are RFC 3339
// strings as sent, never parsed into Date here.

/** JobStatus is the lifecycle state of a job. */
export type JobStatus =
  | "queued"
  | "processing"
  | "completed"
  | "partial"
  | "failed"
  | "canceled";

/** JOB_STATUSES lists every status in lifecycle order. */
export const JOB_STATUSES: readonly JobStatus[] = [
  "queued",
  "processing",
  "completed",
  "partial",
  "failed",
  "canceled",
];

/**
 * isFinalStatus reports whether a job in this status will not change again
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

/** Job is the API's view of one unit of background work. */
export interface Job {
  id: string;
  jobType: string;
  status: JobStatus;
  /** Progress is an integer 0..100. */
  progress: number;
  /** ErrorMessage is the last error; a job waiting for a retry has one too. */
  errorMessage: string | null;
  parameters: JsonObject;
  /** Result is what the handler returned; null until it returns. */
  result: JsonValue | null;
  priority: number;
  /** Attempt counts the attempts started so far. */
  attempt: number;
  maxAttempts: number;
  createdAt: string;
  updatedAt: string;
  /** CompletedAt is set once the job is final. */
  completedAt: string | null;
  /** Attempts is the job's timeline of attempts, oldest first. */
  attempts: Attempt[];
}

/** AttemptOutcome is how one attempt of a job ended (or "running"). */
export type AttemptOutcome =
  | "running"
  | "completed"
  | "partial"
  | "failed"
  | "retry"
  | "interrupted"
  | "lease-expired"
  | "canceled";

/** Attempt is one attempt of a job. */
export interface Attempt {
  /** Attempt is its number; numbers start again at 1 after a redrive. */
  attempt: number;
  startedAt: string;
  /** EndedAt is null while the attempt runs. */
  endedAt: string | null;
  outcome: AttemptOutcome;
  error: string | null;
}

/** Asset is a file a job produced. */
export interface Asset {
  id: string;
  jobId: string;
  assetType: string;
  /** Url downloads the file. */
  url: string;
  storagePath: string;
  fileSize: number;
  metadata: JsonObject | null;
  createdAt: string;
}

/** JobPage is one page of GET /jobs, newest first. */
export interface JobPage {
  jobs: Job[];
  /** NextCursor fetches the next page; null on the last page. */
  nextCursor: string | null;
}

/** AssetList is the body of GET /jobs/{id}/assets. */
export interface AssetList {
  assets: Asset[];
}

/** CreateJobRequest is the body of POST /jobs. */
export interface CreateJobRequest {
  jobType: string;
  parameters?: JsonObject;
  /** Priority is 0..10; higher runs first. Default 0. */
  priority?: number;
  /** MaxAttempts is 1..25. Default 3. */
  maxAttempts?: number;
  /** DelaySeconds is 0..900. Default 0. */
  delaySeconds?: number;
}

/** ApiErrorBody is the JSON body of every API error. */
export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
  };
}
