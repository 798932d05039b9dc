// Errors the client throws. Callers branch on the class (instanceof) and,
// for API errors, on the stable `code`.

import type { Job } from "./types.js";

/**
 * JobApiError is an error answer of the API: the server's `code` and
 * `message` from `{"error": {...}}`, and the HTTP status. A body that is not
 * the API's JSON error (a proxy's HTML page, an empty 502) gets the code
 * `http_<status>` and a message from the body text or the status line.
 */
export class JobApiError extends Error {
  /** Code is the API's error code, for example "job_not_found". */
  readonly code: string;
  /** Status is the HTTP status of the answer. */
  readonly status: number;
  /**
   * RetryAfterMs is the answer's Retry-After in milliseconds (0 when it
   * had none): how long to wait before trying again.
   */
  readonly retryAfterMs: number;

  constructor(status: number, code: string, message: string, retryAfterMs = 0) {
    super(message);
    this.name = "JobApiError";
    this.status = status;
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}

/** JobFailedError rejects pollJob when the job ends failed. */
export class JobFailedError extends Error {
  /** Job is the failed job as last read. */
  readonly job: Job;

  constructor(job: Job) {
    super(job.errorMessage ?? `job ${job.id} failed`);
    this.name = "JobFailedError";
    this.job = job;
  }
}

/** JobCanceledError rejects pollJob when the job ends canceled. */
export class JobCanceledError extends Error {
  /** Job is the canceled job as last read. */
  readonly job: Job;

  constructor(job: Job) {
    super(`job ${job.id} was canceled`);
    this.name = "JobCanceledError";
    this.job = job;
  }
}
